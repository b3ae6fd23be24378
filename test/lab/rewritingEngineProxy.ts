import { chmodSync, chownSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { LabHost } from './labEnv.js';

/** A container create body as the Docker API takes it (the parts a rewrite touches). */
export type CreateBody = { HostConfig?: Record<string, unknown> } & Record<string, unknown>;

/**
 * A socket in a lab host's /run (Podman's: in /run/podman) that forwards every request to the host's
 * real engine, except that a container create is rewritten on the way: an
 * engine that accepts a setting and does not apply it, as rootless Podman
 * does with pids limits on cgroup v1, or as any plugin or proxy in front of
 * the socket may. The engine then really makes the weaker container.
 */
export class RewritingEngineProxy {
  private readonly server: Server;

  private constructor(
    /** The socket's path as the host's user sees it. */
    readonly remotePath: string,
    private readonly localPath: string,
    engineSocket: string,
    rewrite: (body: CreateBody) => void,
  ) {
    this.server = createServer((req, res) => forward(req, res, engineSocket, rewrite));
  }

  /** Listens beside the host's engine socket (in its private /run), usable by `group` as the engine's socket is. */
  static async start(host: LabHost, group: string, rewrite: (body: CreateBody) => void): Promise<RewritingEngineProxy> {
    const name = `csw-rewrite-${process.pid}-${Math.random().toString(36).slice(2, 6)}.sock`;
    const local = join(dirname(host.engineSocketOnLabMachine), name);
    const proxy = new RewritingEngineProxy(join(dirname(host.remoteSocket), name), local, host.engineSocketOnLabMachine, rewrite);
    await new Promise<void>((resolve) => proxy.server.listen(local, resolve));
    const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
    chownSync(local, 0, gid);
    chmodSync(local, 0o660);
    return proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.localPath, { force: true });
  }
}

function forward(req: IncomingMessage, res: ServerResponse, engineSocket: string, rewrite: (body: CreateBody) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    const headers = { ...req.headers };
    if (req.method === 'POST' && /^(\/v[\d.]+)?\/containers\/create(\?|$)/.test(req.url ?? '')) {
      const parsed = JSON.parse(body.toString('utf8')) as CreateBody;
      rewrite(parsed);
      body = Buffer.from(JSON.stringify(parsed));
      headers['content-length'] = String(body.length);
    }
    const upstream = request({ socketPath: engineSocket, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (e) => res.destroy(e));
    upstream.end(body);
  });
}
