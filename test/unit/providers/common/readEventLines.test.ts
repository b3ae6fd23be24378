import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readEventLines } from '../../../../src/providers/common/readEventLines.js';
import { dockerChangeOf } from '../../../../src/providers/docker/dockerEvents.js';
import type { EngineChange } from '../../../../src/providers/provider.js';
import { SwarmError } from '../../../../src/shared/errors.js';
import { dockerDie } from '../docker/dockerEventFixture.js';

describe('readEventLines: a newline-delimited event stream', () => {
  it('splits events across chunk boundaries, skips blank lines, and keeps going after a bad line', async () => {
    const stream = new PassThrough();
    const seen: EngineChange[] = [];
    const events = readEventLines(stream, new AbortController(), 'test events', dockerChangeOf, (c) => seen.push(c));
    const text = `${dockerDie}\n\n{broken\n${dockerDie}\n`;
    stream.write(text.slice(0, 17));
    stream.write(text.slice(17, 200));
    stream.write(text.slice(200));
    await new Promise((r) => setImmediate(r));
    events.close();
    await events.ended;
    assert.deepEqual(
      seen.map((c) => c.action),
      ['die', 'unknown', 'die'],
    );
  });

  it('rejects `ended` with a one-line unreachable error when the stream ends by itself, resolves it on close()', async () => {
    const broken = new PassThrough();
    const a = readEventLines(broken, new AbortController(), 'Docker events on alpha', dockerChangeOf, () => undefined);
    broken.destroy(new Error('channel closed'));
    await assert.rejects(
      a.ended,
      (e: unknown) =>
        e instanceof SwarmError && e.code === 'unreachable' && e.oneLine().startsWith('Docker events on alpha stopped: channel closed'),
    );
    const closed = new PassThrough();
    const b = readEventLines(closed, new AbortController(), 'x', dockerChangeOf, () => undefined);
    b.close();
    await b.ended;
    assert.equal(closed.destroyed, true);
  });
});
