import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SwarmError } from '../shared/errors.js';
import { coalesceReads } from './coalesceReads.js';
import type { HostLink } from './hostLink.js';
import { StreamAgent } from './streamAgent.js';
import type { Tunnel } from './tunnel.js';

export interface SessionTunnelOptions {
  readonly link: HostLink;
  /** code-server's port on the host's loopback. */
  readonly remotePort: number;
  /** code-server's session cookie name (with its per-instance suffix). */
  readonly cookieName: string;
  /** Value presented as code-server's session cookie; undefined leaves login to the user. */
  readonly sessionCookie: string | undefined;
  /** Local port to listen on (default: an ephemeral one). */
  readonly localPort?: number;
  /** Why it runs on this thread although the host is remote (see Tunnel.note). */
  readonly note?: string;
}

const TOKEN_PARAM = 'code-swarm-token';
/** URLs handed out and not opened yet, per tunnel; past this the oldest stops working. */
const MAX_PENDING_TOKENS = 16;
/** Tokens remembered after their trade, only to tell "used already" from "wrong" (bounded the same way). */
const MAX_USED_TOKENS = 64;

/**
 * A local HTTP proxy on 127.0.0.1 that carries a browser to one code-server
 * through the host's SSH connection. It logs the browser in by presenting the
 * session cookie itself, so code-server keeps password auth and the browser
 * never holds the credential. Other local users cannot ride it: each URL it
 * hands out carries a random one-time token, which the first request trades
 * for a cookie of its own (another random value, HttpOnly, SameSite=Strict)
 * and a redirect to the same address without the token. The token is spent
 * then: a second client with only the URL (a copied link, a shell history, a
 * process list) is refused, while the browser that holds the cookie can
 * reload the URL. Every request without a cookie the tunnel gave is refused.
 */
export class SessionTunnel implements Tunnel {
  readonly via = 'this thread';
  private readonly sockets = new Set<Socket>();
  /** One-time tokens of the URLs handed out, in the order they were made. */
  private readonly tokens = new Set<string>();
  private readonly usedTokens = new Set<string>();
  /** Cookie values the tokens were traded for. */
  private readonly sessions = new Set<string>();
  private readonly firstToken: string;
  private readonly agent: StreamAgent;
  private closed = false;

  private constructor(
    private readonly opts: SessionTunnelOptions,
    private readonly server: Server,
  ) {
    this.firstToken = this.mintToken();
    this.agent = new StreamAgent(() => this.openUpstream());
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
  }

  static async open(opts: SessionTunnelOptions): Promise<SessionTunnel> {
    const server = createServer();
    const tunnel = new SessionTunnel(opts, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new SwarmError(`Cannot listen on 127.0.0.1:${opts.localPort ?? 0} for the tunnel (${e.code ?? e.message})`, {
            code: 'conflict',
            hint: 'Pick another local port, or close what uses it',
          }),
        ),
      );
      // Loopback only: the tunnel is for this machine's browser.
      server.listen(opts.localPort ?? 0, '127.0.0.1', () => resolve());
    });
    return tunnel;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** The first URL to open: it carries a one-time token that unlocks the tunnel. */
  get url(): string {
    return this.urlWith(this.firstToken);
  }

  /** Another URL with a token of its own, for another opening (each token works once). */
  async issueUrl(): Promise<string> {
    return this.urlWith(this.mintToken());
  }

  get cookie(): string {
    return `code-swarm-tunnel-${this.port}`;
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  get note(): string | undefined {
    return this.opts.note;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private urlWith(token: string): string {
    return `http://127.0.0.1:${this.port}/?${TOKEN_PARAM}=${token}`;
  }

  private mintToken(): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.add(token);
    for (const old of this.tokens) {
      if (this.tokens.size <= MAX_PENDING_TOKENS) break;
      this.tokens.delete(old);
    }
    return token;
  }

  /** Spends a token: true once for each token handed out. */
  private spend(offered: string): boolean {
    const token = findEqual(this.tokens, offered);
    if (token === undefined) return false;
    this.tokens.delete(token);
    this.usedTokens.add(token);
    for (const old of this.usedTokens) {
      if (this.usedTokens.size <= MAX_USED_TOKENS) break;
      this.usedTokens.delete(old);
    }
    return true;
  }

  private authorized(req: IncomingMessage): boolean {
    const got = parseCookies(req.headers.cookie).get(this.cookie);
    return got !== undefined && findEqual(this.sessions, got) !== undefined;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const offered = url.searchParams.get(TOKEN_PARAM);
    if (offered !== null) {
      url.searchParams.delete(TOKEN_PARAM);
      // Either way the browser goes on to the address without the token, so it does not stay in the address bar.
      const headers: OutgoingHttpHeaders = { location: url.pathname + (url.search || ''), 'cache-control': 'no-store' };
      if (this.spend(offered)) {
        const session = randomBytes(24).toString('base64url');
        this.sessions.add(session);
        headers['set-cookie'] = `${this.cookie}=${session}; Path=/; HttpOnly; SameSite=Strict`;
      } else if (!this.authorized(req)) {
        // A reload of a traded URL passes on its cookie (above); without one, a spent token is somebody else's link.
        return deny(res, findEqual(this.usedTokens, offered) !== undefined ? SPENT : NO_TOKEN);
      }
      res.writeHead(302, headers);
      res.end();
      return;
    }
    if (!this.authorized(req)) return deny(res, NO_TOKEN);
    const upstream = request(
      { host: '127.0.0.1', method: req.method, path: req.url, headers: this.upstreamHeaders(req.headers), agent: this.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
        up.pipe(res);
        // pipe() does not pass a cut on: when the SSH link dies mid-body the
        // browser's response would wait forever. Cut it too, so the browser
        // sees a closed connection (and its own retry) at once.
        up.on('error', () => res.destroy());
        up.on('close', () => {
          if (!up.complete) res.destroy();
        });
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Code Swarm tunnel: the instance did not answer (${e.message})\n`);
    });
    req.pipe(upstream);
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!this.authorized(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    let remote: Duplex;
    try {
      remote = await this.openUpstream();
    } catch {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
      return;
    }
    const headers = this.upstreamHeaders(req.headers);
    let raw = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      for (const value of Array.isArray(v) ? v : [v]) if (value !== undefined) raw += `${k}: ${value}\r\n`;
    }
    remote.write(raw + '\r\n');
    if (head.length) remote.write(head);
    const closeBoth = () => {
      socket.destroy();
      remote.destroy();
    };
    socket.on('error', closeBoth);
    remote.on('error', closeBoth);
    socket.on('close', () => remote.destroy());
    remote.on('close', () => socket.destroy());
    // pipe() gives backpressure both ways.
    remote.pipe(socket);
    socket.pipe(remote);
  }

  /**
   * A stream to code-server. Over SSH, what arrives in one event-loop turn is
   * handed on as one chunk rather than one per SSH packet: the HTTP parser and
   * the write to the browser then run ~8× less often (docs/PERFORMANCE.md).
   */
  private async openUpstream(): Promise<Duplex> {
    const stream = await this.opts.link.openTcp('127.0.0.1', this.opts.remotePort);
    return this.opts.link.kind === 'ssh' ? coalesceReads(stream) : stream;
  }

  /** The browser's headers, with our cookie swapped for code-server's session. */
  private upstreamHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = { ...headers };
    const cookies = parseCookies(headers.cookie);
    cookies.delete(this.cookie);
    if (this.opts.sessionCookie !== undefined) cookies.set(this.opts.cookieName, this.opts.sessionCookie);
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) out.cookie = cookie;
    else delete out.cookie;
    return out;
  }
}

const NO_TOKEN = "Code Swarm tunnel: open the URL Code Swarm gave you (it carries this tunnel's token).\n";
const SPENT =
  'Code Swarm tunnel: this link has been opened already, and its token works once. ' +
  'Open the instance again from Code Swarm (or run code-swarm open) for a new link.\n';

function deny(res: ServerResponse, why: string): void {
  res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(why);
}

/** The member of `set` equal to `value`, compared in constant time (the set holds secrets). */
function findEqual(set: ReadonlySet<string>, value: string): string | undefined {
  let found: string | undefined;
  for (const x of set) if (safeEqual(x, value)) found = x;
  return found;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
