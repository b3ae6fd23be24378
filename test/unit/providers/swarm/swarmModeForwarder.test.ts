import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { FORWARD_DIAL_MS, forwarderProgram } from '../../../../src/providers/swarm/swarmModeForwarder.js';

/** A port free on this machine's loopback a moment ago. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

/** An HTTP/1.0-ish answer, as code-server's /healthz would give. */
function answering(port: number): Promise<Server> {
  const server = createServer((c) => c.once('data', () => c.end('HTTP/1.0 200 OK\r\n\r\nok')));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** Sends a request through the forwarder; resolves with what came back before the connection closed, and when. */
async function request(port: number): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  const c: Socket = connect(port, '127.0.0.1');
  await once(c, 'connect');
  c.write('GET /healthz HTTP/1.0\r\n\r\n');
  let text = '';
  c.on('data', (b: Buffer) => (text += b.toString()));
  c.on('error', () => undefined);
  await once(c, 'close');
  return { text, ms: performance.now() - t0 };
}

describe('swarm-mode gateway: the forwarder program', function () {
  this.timeout(20_000);
  let child: ChildProcess | undefined;
  let upstream: Server | undefined;
  let listen = 0;
  let target = 0;

  beforeEach(async () => {
    [listen, target] = [await freePort(), await freePort()];
    child = spawn(process.execPath, ['-e', forwarderProgram('127.0.0.1', target, listen)], { stdio: 'ignore' });
    // Listening once a connection is accepted (the target need not be up for that).
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(listen, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
        s.on('connect', () => s.destroy());
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the forwarder never listened');
  });

  afterEach(async () => {
    child?.kill();
    upstream?.close();
    upstream = undefined;
  });

  it('forwards to the target and back', async () => {
    upstream = await answering(target);
    const r = await request(listen);
    assert.match(r.text, /^HTTP\/1\.0 200 OK/);
  });

  it('holds a client that comes before the target listens, and answers it once the target does', async () => {
    setTimeout(() => void answering(target).then((s) => (upstream = s)), 500);
    const r = await request(listen);
    assert.match(r.text, /^HTTP\/1\.0 200 OK/, 'a probe a moment early reads the answer, not a closed connection');
    assert.ok(r.ms >= 400, `answered after the target came up (${Math.round(r.ms)} ms)`);
  });

  it('closes a client after a while when the target never listens', async () => {
    const r = await request(listen);
    assert.equal(r.text, '');
    assert.ok(r.ms >= FORWARD_DIAL_MS - 200 && r.ms < FORWARD_DIAL_MS + 2_000, `closed after ${Math.round(r.ms)} ms`);
  });
});
