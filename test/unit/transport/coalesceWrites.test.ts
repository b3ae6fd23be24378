import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { coalesceWrites } from '../../../src/transport/coalesceWrites.js';

/** A sink that records how its chunks arrived: one batch per underlying write. */
function recordingSink() {
  const batches: string[][] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      batches.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      batches.push(chunks.map((c) => String(c.chunk)));
      cb();
    },
  });
  return { sink, batches };
}

describe('coalesceWrites', () => {
  it('sends what one tick wrote as one batch, in order', async () => {
    const { sink, batches } = recordingSink();
    const s = coalesceWrites(sink);
    s.write('a');
    s.write('b');
    s.write('c');
    assert.deepEqual(batches, [], 'nothing goes out within the tick');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(batches, [['a', 'b', 'c']]);
  });

  it('starts a new batch on the next tick, and leaves the stream uncorked', async () => {
    const { sink, batches } = recordingSink();
    const s = coalesceWrites(sink);
    s.write('1');
    await new Promise((r) => setImmediate(r));
    s.write('2');
    s.write('3');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(batches, [['1'], ['2', '3']]);
    assert.equal(s.writableCorked, 0);
  });

  it('passes the callback and the return value through', async () => {
    const { sink } = recordingSink();
    const s = coalesceWrites(sink);
    const done = new Promise<void>((resolve, reject) => s.write('x', (e) => (e ? reject(e) : resolve())));
    assert.equal(typeof s.write('y'), 'boolean');
    await done;
  });
});
