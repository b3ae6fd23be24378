import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostLink } from '../../../src/transport/hostLink.js';
import { SessionTunnel } from '../../../src/transport/sessionTunnel.js';

/** A link whose "remote port" is a local server: stands in for an SSH forward. */
function loopbackLink(port: number): HostLink {
  return {
    label: 'test',
    kind: 'ssh',
    connectMs: undefined,
    openUnixSocket: () => Promise.reject(new Error('not used')),
    openTcp: () =>
      new Promise<Duplex>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      }),
    exec: () => Promise.reject(new Error('not used')),
    onStateChange: () => () => undefined,
    dispose: () => undefined,
  };
}

/** Trades the URL's token for the tunnel cookie, as a browser does. */
function login(tunnel: SessionTunnel): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(tunnel.url);
    request({ host: '127.0.0.1', port: tunnel.port, path: url.pathname + url.search, agent: false }, (res) => {
      res.resume();
      resolve((res.headers['set-cookie']?.[0] ?? '').split(';')[0] as string);
    })
      .on('error', reject)
      .end();
  });
}

describe('SessionTunnel', () => {
  let upstream: Server;
  let tunnel: SessionTunnel;
  const conns = new Set<Socket>();
  afterEach(async () => {
    await tunnel?.close();
    for (const c of conns) c.destroy();
    await new Promise<void>((r) => upstream?.close(() => r()));
  });

  it('cuts the browser response when the instance side dies mid-body, instead of leaving it waiting', async () => {
    // Answers with a long body, sends a little of it, then the "link" dies.
    upstream = createServer((s) => {
      conns.add(s);
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n');
        s.write(Buffer.alloc(65_536));
        setTimeout(() => s.destroy(), 50);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const { port } = upstream.address() as { port: number };
    tunnel = await SessionTunnel.open({ link: loopbackLink(port), remotePort: port, cookieName: 'code-server-session', sessionCookie: undefined });
    const cookie = await login(tunnel);
    const outcome = await new Promise<string>((resolve) => {
      const guard = setTimeout(() => resolve('still waiting after 5 s'), 5_000);
      const done = (what: string) => {
        clearTimeout(guard);
        resolve(what);
      };
      request({ host: '127.0.0.1', port: tunnel.port, path: '/big', headers: { cookie }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => done('ended as if complete'));
        res.on('aborted', () => done('cut'));
        res.on('error', () => done('cut'));
      })
        .on('error', () => done('cut'))
        .end();
    });
    assert.equal(outcome, 'cut');
  });
});
