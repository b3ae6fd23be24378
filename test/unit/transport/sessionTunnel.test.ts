import assert from 'node:assert/strict';
import { createServer as createHttpServer, request } from 'node:http';
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
    tunnel = await SessionTunnel.open({
      link: loopbackLink(port),
      remotePort: port,
      cookieName: 'code-server-session',
      sessionCookie: undefined,
    });
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

  describe('one-time token', () => {
    /** An instance that answers with the cookie header it got. */
    async function echoTunnel(): Promise<SessionTunnel> {
      const http = createHttpServer((req, res) => res.end(`path=${req.url} cookie=${req.headers.cookie ?? ''}`));
      http.on('connection', (s) => conns.add(s));
      upstream = http;
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
      const { port } = http.address() as { port: number };
      return SessionTunnel.open({
        link: loopbackLink(port),
        remotePort: port,
        cookieName: 'code-server-session-x',
        sessionCookie: 'SESSION',
      });
    }

    interface Answer {
      readonly status: number;
      readonly location: string | undefined;
      readonly setCookie: string | undefined;
      readonly body: string;
    }

    function get(path: string, cookie?: string): Promise<Answer> {
      return new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port: tunnel.port, path, headers: cookie ? { cookie } : {}, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, location: res.headers.location, setCookie: res.headers['set-cookie']?.[0], body }),
          );
        })
          .on('error', reject)
          .end();
      });
    }

    const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;
    const tokenOf = (url: string) => new URL(url).searchParams.get('code-swarm-token') ?? '';

    it('trades the token for another random cookie (HttpOnly, SameSite=Strict, path /) and redirects to the URL without it', async () => {
      tunnel = await echoTunnel();
      const first = await get(pathOf(tunnel.url));
      assert.equal(first.status, 302);
      assert.equal(first.location, '/');
      const [pair, ...attributes] = (first.setCookie ?? '').split(';').map((x) => x.trim());
      const [name, value] = (pair ?? '').split('=');
      assert.equal(name, tunnel.cookie);
      assert.ok((value ?? '').length >= 32, 'a random cookie value');
      assert.notEqual(value, tokenOf(tunnel.url), 'the cookie is not the token');
      assert.deepEqual(attributes.sort(), ['HttpOnly', 'Path=/', 'SameSite=Strict']);
      // With the cookie, requests go through, with code-server's session in place of ours.
      const page = await get('/', pair);
      assert.equal(page.status, 200);
      assert.equal(page.body, 'path=/ cookie=code-server-session-x=SESSION');
    });

    it('keeps the path and the other query parameters in the redirect', async () => {
      tunnel = await echoTunnel();
      const first = await get(`/some/page?a=1&code-swarm-token=${tokenOf(tunnel.url)}&b=2`);
      assert.equal(first.status, 302);
      assert.equal(first.location, '/some/page?a=1&b=2');
    });

    it('lets a reload of the URL through in the browser that holds the cookie, without a new cookie', async () => {
      tunnel = await echoTunnel();
      const cookie = (await get(pathOf(tunnel.url))).setCookie?.split(';')[0];
      const reload = await get(pathOf(tunnel.url), cookie);
      assert.equal(reload.status, 302);
      assert.equal(reload.location, '/');
      assert.equal(reload.setCookie, undefined);
      assert.equal((await get('/', cookie)).status, 200);
    });

    it('refuses a second client with only the URL, and says the link was used', async () => {
      tunnel = await echoTunnel();
      assert.equal((await get(pathOf(tunnel.url))).status, 302);
      const second = await get(pathOf(tunnel.url));
      assert.equal(second.status, 403);
      assert.equal(second.setCookie, undefined);
      assert.match(second.body, /opened already.*works once.*new link/);
      // Nor does the token work as the cookie (it was the cookie value before).
      const asCookie = await get('/', `${tunnel.cookie}=${tokenOf(tunnel.url)}`);
      assert.equal(asCookie.status, 403);
      assert.match(asCookie.body, /open the URL Code Swarm gave you/);
    });

    it('refuses a wrong token and a request without a cookie', async () => {
      tunnel = await echoTunnel();
      const wrong = await get(`/?code-swarm-token=${'A'.repeat(32)}`);
      assert.equal(wrong.status, 403);
      assert.match(wrong.body, /open the URL Code Swarm gave you/);
      assert.equal((await get('/')).status, 403);
      assert.equal((await get('/', `${tunnel.cookie}=forged`)).status, 403);
    });

    it('issues further URLs, each with a token of its own that works once', async () => {
      tunnel = await echoTunnel();
      const other = await tunnel.issueUrl();
      assert.notEqual(tokenOf(other), tokenOf(tunnel.url));
      assert.equal(new URL(other).port, String(tunnel.port));
      const a = await get(pathOf(other));
      assert.equal(a.status, 302);
      assert.ok(a.setCookie);
      assert.equal((await get(pathOf(other))).status, 403);
      // The first URL is still unspent.
      assert.equal((await get(pathOf(tunnel.url))).status, 302);
    });

    it('refuses a WebSocket upgrade without the cookie', async () => {
      tunnel = await echoTunnel();
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(tunnel.port, '127.0.0.1', () =>
          s.write(`GET /?code-swarm-token=${tokenOf(tunnel.url)} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`),
        );
        let got = '';
        s.on('data', (c: Buffer) => (got += c.toString()));
        s.on('close', () => resolve(got));
        s.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 403/);
    });
  });
});
