import assert from 'node:assert/strict';
import { demuxBuffer } from '../../../../src/providers/docker/dockerLogs.js';

describe('demuxBuffer', () => {
  it("strips Docker's 8-byte log frame headers", () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    assert.equal(demuxBuffer(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])).toString(), 'out\nerr\n');
  });

  it('leaves a plain (TTY) log alone', () => {
    assert.equal(demuxBuffer(Buffer.from('hello world\n')).toString(), 'hello world\n');
  });
});
