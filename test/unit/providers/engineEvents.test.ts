import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { dockerChangeOf } from '../../../src/providers/dockerProvider.js';
import { lxdChangeOf } from '../../../src/providers/lxdProvider.js';
import type { EngineChange } from '../../../src/providers/provider.js';
import { readEventLines } from '../../../src/providers/readEventLines.js';
import { SwarmError } from '../../../src/shared/errors.js';

// Shapes as the engines send them (Docker 20+ /events, LXD 5 lifecycle), trimmed.
const dockerDie = JSON.stringify({
  status: 'die',
  id: 'c0ffee',
  Type: 'container',
  Action: 'die',
  Actor: { ID: 'c0ffee', Attributes: { 'code-swarm.instance': 'id-1', 'code-swarm.name': 'web', exitCode: '137', name: 'code-swarm-web' } },
  time: 1764590000,
});

describe('engine events: what an event line says', () => {
  it('reads our id, name and the action from a Docker event', () => {
    assert.deepEqual(dockerChangeOf(dockerDie), { id: 'id-1', name: 'web', action: 'die', settling: true });
    const start = JSON.parse(dockerDie) as { Action: string };
    start.Action = 'start';
    assert.deepEqual(dockerChangeOf(JSON.stringify(start)), { id: 'id-1', name: 'web', action: 'start' }, 'only die waits for a follow-up');
  });

  it('reads an unknown Docker event shape as an unknown change, not as nothing', () => {
    assert.deepEqual(dockerChangeOf('{"what":"ever"}'), { id: undefined, name: undefined, action: 'unknown' });
  });

  it("reads LXD lifecycle events of our instances, and ignores others' and file traffic", () => {
    const ev = (action: string, source: string) => JSON.stringify({ type: 'lifecycle', timestamp: '2026-12-01T12:00:00Z', metadata: { action, source, context: {} }, project: 'default' });
    assert.deepEqual(lxdChangeOf(ev('instance-stopped', '/1.0/instances/code-swarm-web?project=default')), { id: undefined, name: 'web', action: 'instance-stopped' });
    assert.deepEqual(lxdChangeOf(ev('instance-deleted', '/1.0/instances/code-swarm-a%2Db')), { id: undefined, name: 'a-b', action: 'instance-deleted' });
    assert.equal(lxdChangeOf(ev('instance-stopped', '/1.0/instances/someone-elses')), undefined);
    assert.equal(lxdChangeOf(ev('instance-stopped', '/1.0/instances/code-swarm-%E0%A4%A')), undefined, 'a malformed escape is ignored, not thrown');
    assert.equal(lxdChangeOf(ev('instance-file-retrieved', '/1.0/instances/code-swarm-web')), undefined);
    assert.equal(lxdChangeOf(JSON.stringify({ type: 'logging', metadata: { message: 'x' } })), undefined);
    assert.deepEqual(lxdChangeOf('not json'), { id: undefined, name: undefined, action: 'unknown' });
  });
});

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
    await assert.rejects(a.ended, (e: unknown) => e instanceof SwarmError && e.code === 'unreachable' && e.oneLine().startsWith('Docker events on alpha stopped: channel closed'));
    const closed = new PassThrough();
    const b = readEventLines(closed, new AbortController(), 'x', dockerChangeOf, () => undefined);
    b.close();
    await b.ended;
    assert.equal(closed.destroyed, true);
  });
});
