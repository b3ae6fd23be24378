import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request as the fake engine saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly body: string;
}

type Handler = (req: SeenRequest, res: ServerResponse) => void;

/**
 * An HTTP server on a unix socket that answers like Podman's compat service
 * where a test says so (routes by "METHOD /path"); anything else is a 404.
 * It records every request, body included.
 */
export class FakePodman {
  readonly seen: SeenRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private server: Server | undefined;

  on(route: string, handler: Handler): this {
    this.routes.set(route, handler);
    return this;
  }

  listen(path: string): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://podman');
        // The API version prefix (/v1.41/...) is not part of a route.
        const path = url.pathname.replace(/^\/v[\d.]+\//, '/');
        const seen = { method: req.method ?? 'GET', url, body: Buffer.concat(chunks).toString('utf8') };
        this.seen.push(seen);
        const handler = this.routes.get(`${seen.method} ${path}`);
        if (handler) handler(seen, res);
        else res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"no such route"}');
      });
    });
    const server = this.server;
    return new Promise((resolve) => server.listen(path, () => resolve()));
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}
