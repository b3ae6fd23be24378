import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { coalesceReads } from '../../../src/transport/coalesceReads.js';

/** A Readable whose data a test pushes by hand, as ssh2 does into a channel. */
function source(highWaterMark = 1024): Readable {
  return new Readable({ highWaterMark, read() {} });
}

const turn = () => new Promise<void>((r) => setImmediate(r));

function recordChunks(s: Readable): Buffer[] {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return chunks;
}

describe('coalesceReads', () => {
  it('hands what one turn pushed on as one chunk, in order', async () => {
    const s = coalesceReads(source());
    const chunks = recordChunks(s);
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('cd'));
    s.push(Buffer.from('e'));
    assert.deepEqual(chunks, [], 'held within the turn');
    await turn();
    assert.deepEqual(chunks.map(String), ['abcde']);
    s.push(Buffer.from('f'));
    await turn();
    assert.deepEqual(chunks.map(String), ['abcde', 'f'], 'the next turn is a chunk of its own');
  });

  it('hands on at once when maxBytes is reached', async () => {
    const s = coalesceReads(source(1 << 20), 4);
    const chunks = recordChunks(s);
    await turn(); // flowing from here on
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('cd'));
    assert.deepEqual(chunks.map(String), ['abcd']);
    s.push(Buffer.from('efghi'));
    assert.deepEqual(chunks.map(String), ['abcd', 'efghi']);
  });

  it('ends the stream only after what it holds', async () => {
    const s = coalesceReads(source());
    const chunks = recordChunks(s);
    const ended = new Promise<void>((r) => s.once('end', () => r()));
    s.push(Buffer.from('last'));
    s.push(null);
    await ended;
    assert.deepEqual(chunks.map(String), ['last']);
  });

  it('keeps flow control: push() says stop once buffer plus held reach the highWaterMark', async () => {
    const s = coalesceReads(source(10));
    assert.equal(s.push(Buffer.alloc(4)), true);
    assert.equal(s.push(Buffer.alloc(4)), true);
    assert.equal(s.push(Buffer.alloc(4)), false, '12 bytes held, highWaterMark 10');
    await turn();
    // Paused (no reader): the 12 bytes now sit in the stream's own buffer.
    assert.equal(s.readableLength, 12);
    assert.equal(s.push(Buffer.alloc(1)), false);
    await turn();
    const read = s.read() as Buffer;
    assert.equal(read.length, 13, 'nothing lost or duplicated');
  });

  it('passes the end, strings and empty chunks through after what it holds', async () => {
    const s = coalesceReads(source());
    const chunks: string[] = [];
    s.setEncoding('utf8');
    s.on('data', (c: string) => chunks.push(c));
    s.push(Buffer.from('a'));
    s.push('b', 'utf8');
    s.push(Buffer.alloc(0));
    s.push(Buffer.from('c'));
    await turn();
    assert.deepEqual(chunks, ['a', 'b', 'c']);
  });

  it('drops what it holds when the stream is destroyed', async () => {
    const s = coalesceReads(source());
    const chunks = recordChunks(s);
    s.on('error', () => undefined);
    s.push(Buffer.from('gone'));
    s.destroy();
    await turn();
    assert.deepEqual(chunks, []);
  });
});
