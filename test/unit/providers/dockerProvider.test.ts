import assert from 'node:assert/strict';
import { demuxBuffer, mapDockerState } from '../../../src/providers/dockerProvider.js';

describe('mapDockerState', () => {
  it("maps Docker's states to ours", () => {
    assert.equal(mapDockerState('running', 0).state, 'running');
    assert.equal(mapDockerState('created', undefined).state, 'created');
    assert.equal(mapDockerState('restarting', 1).state, 'starting');
    assert.equal(mapDockerState('paused', 0).state, 'stopped');
  });

  it('treats a stop signal exit as stopped and any other exit as failed, with a reason', () => {
    for (const code of [0, 130, 137, 143]) assert.equal(mapDockerState('exited', code).state, 'stopped');
    const failed = mapDockerState('exited', 1);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error ?? '', /code 1/);
    assert.equal(mapDockerState('dead', 0).state, 'failed');
    assert.equal(mapDockerState('weird', 0).state, 'failed');
  });
});

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
