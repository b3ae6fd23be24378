import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SwarmError, type SwarmErrorCode } from '../shared/errors.js';
import type { KnownHostEntry } from './knownHosts.js';
import type { SshEndpoint } from './sshConnection.js';
import type { Tunnel } from './tunnel.js';

/** What the worker is started with: plain data only (it is copied to the thread). */
export interface TunnelWorkerInit {
  readonly endpoint: SshEndpoint;
  /** The keys trusted now; the worker refuses any other (it cannot ask the user). */
  readonly knownHosts: readonly KnownHostEntry[];
  readonly connectTimeoutMs: number;
  /** Whether it may ask this thread for an identity file's passphrase. */
  readonly asksPassphrase: boolean;
  readonly remotePort: number;
  readonly cookieName: string;
  readonly sessionCookie: string | undefined;
  readonly localPort?: number;
}

export type FromTunnelWorker =
  | { readonly type: 'ready'; readonly port: number; readonly url: string; readonly cookie: string }
  | { readonly type: 'error'; readonly message: string; readonly code: SwarmErrorCode; readonly hint?: string }
  | { readonly type: 'ask-passphrase'; readonly id: number; readonly keyPath: string }
  | { readonly type: 'closed' };

export type ToTunnelWorker = { readonly type: 'passphrase'; readonly id: number; readonly value: string | undefined } | { readonly type: 'close' };

export interface WorkerTunnelOptions extends Omit<TunnelWorkerInit, 'asksPassphrase'> {
  readonly askPassphrase?: (keyPath: string) => Promise<string | undefined>;
  /** The worker script (default: tunnelWorker.js next to this file, as the bundles ship it). */
  readonly script?: string;
}

/** How long close() waits for the worker to close its sockets before it ends the thread. */
const CLOSE_GRACE_MS = 2_000;

/**
 * A session tunnel (sessionTunnel.ts) run on a worker thread over an SSH
 * connection of its own. A download through the tunnel is ciphers, MACs and
 * buffer churn for every byte; on the extension host's thread it shared the
 * event loop and the heap with every other extension, and measured at half
 * speed once that heap had been through a workbench session (full GCs every
 * ~80 ms: docs/PERFORMANCE.md, "A workbench before the tunnel part"). Here it
 * has its own loop and heap, and the extension host none of its work.
 */
export class WorkerTunnel implements Tunnel {
  readonly via = 'worker';
  private ended = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly port: number,
    readonly url: string,
    readonly cookie: string,
  ) {
    // A thread that fails or ends by itself is a closed tunnel (the registry opens a new one).
    worker.on('error', () => {
      this.ended = true;
    });
    worker.on('exit', () => {
      this.ended = true;
    });
  }

  static async open(opts: WorkerTunnelOptions): Promise<WorkerTunnel> {
    const script = opts.script ?? join(__dirname, 'tunnelWorker.js');
    if (!existsSync(script)) throw new SwarmError(`The tunnel worker ${script} is missing from this build`, { code: 'internal' });
    const { askPassphrase } = opts;
    // Field by field: only data crosses to the thread (a function would not clone).
    const init: TunnelWorkerInit = {
      endpoint: opts.endpoint,
      knownHosts: opts.knownHosts,
      connectTimeoutMs: opts.connectTimeoutMs,
      asksPassphrase: askPassphrase !== undefined,
      remotePort: opts.remotePort,
      cookieName: opts.cookieName,
      sessionCookie: opts.sessionCookie,
      ...(opts.localPort !== undefined ? { localPort: opts.localPort } : {}),
    };
    const worker = new Worker(script, { workerData: init });
    return new Promise<WorkerTunnel>((resolve, reject) => {
      let settled = false;
      const fail = (e: SwarmError) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        reject(e);
      };
      worker.on('message', (m: FromTunnelWorker) => {
        if (m.type === 'ask-passphrase') {
          const answer = (value: string | undefined) => worker.postMessage({ type: 'passphrase', id: m.id, value } satisfies ToTunnelWorker);
          (askPassphrase?.(m.keyPath) ?? Promise.resolve(undefined)).then(answer, () => answer(undefined));
        } else if (m.type === 'ready' && !settled) {
          settled = true;
          resolve(new WorkerTunnel(worker, m.port, m.url, m.cookie));
        } else if (m.type === 'error') {
          fail(new SwarmError(m.message, { code: m.code, ...(m.hint !== undefined ? { hint: m.hint } : {}) }));
        }
      });
      worker.once('error', (e) => fail(new SwarmError(`The tunnel worker failed: ${e.message}`, { code: 'internal', cause: e })));
      worker.once('exit', (code) => fail(new SwarmError(`The tunnel worker ended (exit code ${code}) before it listened`, { code: 'internal' })));
    });
  }

  get isOpen(): boolean {
    return !this.ended && this.closing === undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.ended) return;
    // The worker closes its server, sockets and SSH connection; the thread is ended either way.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      this.worker.on('message', (m: FromTunnelWorker) => {
        if (m.type === 'closed') (clearTimeout(timer), resolve());
      });
      this.worker.once('exit', () => (clearTimeout(timer), resolve()));
      this.worker.postMessage({ type: 'close' } satisfies ToTunnelWorker);
    });
    await this.worker.terminate();
  }
}
