import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmError } from '../../../../src/shared/errors.js';
import { DockerProvider } from '../../../../src/providers/docker/dockerProvider.js';
import { LocalHostLink } from '../../../../src/transport/localHostLink.js';

/** A unix socket that speaks just enough (or too little) HTTP. */
function fakeEngine(path: string, onRequest: (socket: Socket) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.once('data', () => onRequest(socket)));
    server.listen(path, () => resolve(server));
  });
}

describe('DockerProvider against a misbehaving engine', () => {
  let dir: string;
  let server: Server | undefined;
  const sockets: Socket[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csw-fake-'));
  });
  afterEach(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives up on an engine that accepts and never answers, with a timeout error', async () => {
    const sock = join(dir, 'docker.sock');
    server = await fakeEngine(sock, (s) => sockets.push(s));
    const provider = new DockerProvider(new LocalHostLink('hung'), sock, 500);
    const started = Date.now();
    await assert.rejects(provider.engineInfo(), (e: unknown) => {
      assert.ok(e instanceof SwarmError);
      assert.equal(e.code, 'timeout', e.oneLine());
      assert.match(e.oneLine(), /did not answer in time/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
  });

  it('reports malformed JSON from the engine as a clear error, not a crash', async () => {
    const sock = join(dir, 'docker.sock');
    server = await fakeEngine(sock, (s) => {
      s.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{"Versio');
    });
    const provider = new DockerProvider(new LocalHostLink('garbled'), sock, 2_000);
    await assert.rejects(provider.engineInfo(), (e: unknown) => {
      assert.ok(e instanceof SwarmError);
      assert.equal(e.code, 'engine-missing');
      assert.match(e.oneLine(), /did not answer like a Docker engine/);
      return true;
    });
  });

  it('does not wait forever on an answer cut short', async () => {
    const sock = join(dir, 'docker.sock');
    server = await fakeEngine(sock, (s) => {
      s.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 90\r\n\r\n[{"Id":');
    });
    const provider = new DockerProvider(new LocalHostLink('cut'), sock, 500);
    await assert.rejects(provider.list(), (e: unknown) => {
      assert.ok(e instanceof SwarmError);
      assert.equal(e.code, 'timeout');
      assert.match(e.oneLine(), /cut did not answer in time \(could not list containers\)/);
      return true;
    });
  });
});
