import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { z } from 'zod';
import { SwarmError } from '../../shared/errors.js';
import { StreamAgent } from '../../transport/streamAgent.js';

let webSocket: typeof WebSocket | undefined;

/**
 * ws, loaded by the first event stream: only an LXD host needs it. The
 * bundles take it from dist/ws.js, next to themselves (scripts/buildOptions.mjs,
 * onDemand); compiled code from node_modules.
 */
function loadWebSocket(): typeof WebSocket {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on first use, see above
  webSocket ??= require('ws') as typeof WebSocket;
  return webSocket;
}

/** An answer of the LXD daemon that says something went wrong. */
export class LxdApiError extends Error {
  constructor(
    /** HTTP-like status: 404 for a missing object, 400/500 for failed operations. */
    readonly status: number,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'LxdApiError';
  }
}

export interface LxdRawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface LxdRequestOptions {
  readonly body?: unknown;
  /** Sent as is (file uploads) instead of JSON. */
  readonly rawBody?: Buffer | string;
  readonly headers?: OutgoingHttpHeaders;
  readonly timeoutMs?: number;
}

// Only the fields we read are validated; LXD adds fields with every release.
const EnvelopeSchema = z.object({
  type: z.enum(['sync', 'async', 'error']),
  status_code: z.number().optional(),
  error_code: z.number().optional(),
  error: z.string().optional(),
  operation: z.string().optional(),
  metadata: z.unknown(),
});

const OperationSchema = z.object({
  id: z.string(),
  status: z.string(),
  status_code: z.number(),
  err: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type LxdOperation = z.infer<typeof OperationSchema>;

/** Operation status codes (LXD's shared/api/status_code.go). */
const OP_SUCCESS = 200;
const OP_RUNNING_CODES = new Set([100, 101, 103, 105, 106, 107, 111]);

const DEFAULT_TIMEOUT_MS = 30_000;
/** Longest single server-side wait; longer operations are waited on in slices. */
const WAIT_SLICE_S = 30;

/**
 * The LXD REST API over streams the HostLink opens to the daemon's unix
 * socket: one SSH channel per request on the host's one connection.
 */
export class LxdClient {
  private readonly agent: StreamAgent;

  constructor(open: () => Promise<Duplex>) {
    this.agent = new StreamAgent(open);
  }

  /** A sync call whose metadata is checked against `schema`. */
  async get<T>(path: string, schema: z.ZodType<T>, timeoutMs?: number): Promise<T> {
    const env = await this.call('GET', path, timeoutMs === undefined ? {} : { timeoutMs });
    return parseMetadata(schema, env.metadata, 'GET', path);
  }

  /**
   * Any call; an async answer is waited on until its operation ends (at most
   * `waitS` seconds) and a failed operation is thrown as LxdApiError.
   */
  async run(method: string, path: string, options: LxdRequestOptions & { waitS?: number } = {}): Promise<void> {
    await this.operation(method, path, options);
  }

  /** As run(), and the finished operation (its metadata says what an exec returned); undefined for a sync answer. */
  async operation(method: string, path: string, options: LxdRequestOptions & { waitS?: number } = {}): Promise<LxdOperation | undefined> {
    const env = await this.call(method, path, options);
    if (env.type !== 'async') return undefined;
    const op = OperationSchema.safeParse(env.metadata);
    const id = op.success ? op.data.id : env.operation?.split('/').pop();
    if (!id) throw new LxdApiError(500, 'LXD answered with an operation but no id', method, path);
    return this.waitFor(id, options.waitS ?? 120, method, path);
  }

  /** A status-only request (HEAD on files): 404 is an answer here, not an error. */
  async head(path: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    const r = await this.raw('HEAD', path);
    return { status: r.status, headers: r.headers };
  }

  /** The raw exchange: file contents are not JSON. */
  raw(method: string, path: string, options: LxdRequestOptions = {}): Promise<LxdRawResponse> {
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: OutgoingHttpHeaders = { ...options.headers };
    if (payload !== undefined) {
      headers['content-length'] = Buffer.byteLength(payload);
      if (!headers['content-type'])
        headers['content-type'] = options.rawBody === undefined ? 'application/json' : 'application/octet-stream';
    } else if (method !== 'GET' && method !== 'HEAD') {
      // Otherwise Node announces a chunked body for an empty POST.
      headers['content-length'] = 0;
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<LxdRawResponse>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      // The host is never dialled: the agent hands over a stream to the socket.
      const req = request({ host: '127.0.0.1', path, method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
        res.on('error', (e) => settle(() => reject(e)));
        res.on('close', () =>
          settle(() =>
            reject(
              new SwarmError(`LXD closed the stream in the middle of answering ${method} ${stripQuery(path)}`, { code: 'unreachable' }),
            ),
          ),
        );
      });
      // Our own deadline: an SSH channel has no socket timeout for http's `timeout` option to use.
      const timer = setTimeout(() => {
        const err = new SwarmError(`LXD did not answer ${method} ${stripQuery(path)} within ${timeoutMs} ms`, { code: 'timeout' });
        settle(() => reject(err));
        req.destroy(err);
      }, timeoutMs);
      req.on('error', (e) => settle(() => reject(e)));
      req.end(payload);
    });
  }

  /**
   * A websocket on the daemon's socket (/1.0/events): resolves once LXD has
   * accepted it, then hands over each text message. `ended` rejects when the
   * socket closes without close() being called.
   */
  subscribe(
    path: string,
    onMessage: (text: string) => void,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<{ ended: Promise<void>; close(): void }> {
    // The host part is never dialled: the agent hands over a stream to the socket.
    const ws = new (loadWebSocket())(`ws://127.0.0.1${path}`, { agent: this.agent, handshakeTimeout: timeoutMs, perMessageDeflate: false });
    let closing = false;
    const ended = new Promise<void>((resolve, reject) => {
      ws.once('close', (code) => {
        if (closing) resolve();
        else reject(new SwarmError(`LXD closed its event stream ${stripQuery(path)} (code ${code})`, { code: 'unreachable' }));
      });
    });
    return new Promise((resolve, reject) => {
      const refused = (e: Error) => {
        ended.catch(() => undefined);
        // A link that could not open says so itself (unreachable, auth…).
        reject(
          e instanceof SwarmError
            ? e
            : new SwarmError(`LXD refused the event stream ${stripQuery(path)}: ${e.message}`, { code: 'unreachable', cause: e }),
        );
      };
      ws.once('error', refused);
      ws.once('open', () => {
        ws.off('error', refused);
        // After the handshake an error is always followed by 'close', which settles `ended`.
        ws.on('error', () => undefined);
        resolve({
          ended,
          close: () => {
            closing = true;
            ws.terminate();
          },
        });
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary) onMessage(data.toString());
      });
    });
  }

  private async call(method: string, path: string, options: LxdRequestOptions = {}): Promise<z.infer<typeof EnvelopeSchema>> {
    const r = await this.raw(method, path, options);
    let json: unknown;
    try {
      json = JSON.parse(r.body.toString('utf8'));
    } catch {
      throw new LxdApiError(
        r.status || 500,
        `LXD answered ${method} ${stripQuery(path)} with something that is not JSON (HTTP ${r.status})`,
        method,
        path,
      );
    }
    const env = EnvelopeSchema.safeParse(json);
    if (!env.success)
      throw new LxdApiError(r.status || 500, `LXD answered ${method} ${stripQuery(path)} in an unknown format`, method, path);
    if (env.data.type === 'error' || r.status >= 400) {
      throw new LxdApiError(env.data.error_code || r.status, env.data.error || `HTTP ${r.status}`, method, path);
    }
    return env.data;
  }

  private async waitFor(id: string, waitS: number, method: string, path: string): Promise<LxdOperation> {
    const deadline = Date.now() + waitS * 1000;
    const opPath = `/1.0/operations/${encodeURIComponent(id)}/wait`;
    for (;;) {
      const slice = Math.max(1, Math.min(WAIT_SLICE_S, Math.ceil((deadline - Date.now()) / 1000)));
      let op: LxdOperation;
      try {
        op = await this.get(`${opPath}?timeout=${slice}`, OperationSchema, (slice + 15) * 1000);
      } catch (e) {
        // Some LXD releases answer a wait that ran out with an error rather than the running operation.
        if (!(e instanceof LxdApiError) || !/deadline|timeout/i.test(e.message)) throw e;
        op = { id, status: 'Running', status_code: 103, err: '' };
      }
      if (op.status_code === OP_SUCCESS) return op;
      if (!OP_RUNNING_CODES.has(op.status_code)) {
        throw new LxdApiError(400, op.err || `operation ${op.status}`, method, path);
      }
      if (Date.now() >= deadline) {
        throw new SwarmError(`LXD did not finish ${method} ${stripQuery(path)} within ${waitS} s`, { code: 'timeout' });
      }
    }
  }
}

function parseMetadata<T>(schema: z.ZodType<T>, metadata: unknown, method: string, path: string): T {
  const r = schema.safeParse(metadata);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new LxdApiError(
    500,
    `LXD answered ${method} ${stripQuery(path)} with unexpected data (${issue?.message ?? 'invalid'}${where})`,
    method,
    path,
  );
}

function stripQuery(path: string): string {
  return path.split('?')[0] ?? path;
}
