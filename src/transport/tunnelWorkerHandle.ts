import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import { SwarmError } from '../shared/errors.js';
import type { Tunnel } from './tunnel.js';
import type { FromTunnelWorker, ToTunnelWorker, TunnelWorkerInit } from './tunnelWorkerProtocol.js';

export interface TunnelWorkerHandleOptions extends Omit<TunnelWorkerInit, 'asksPassphrase'> {
  readonly askPassphrase?: (keyPath: string) => Promise<string | undefined>;
  /** The worker script (default: tunnelWorkerEntry.js next to this file, as the bundles and the compiled tests have it). */
  readonly script?: string;
}

/** How long close() waits for the worker to close its sockets before it ends the thread. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The caller's side of a session tunnel (sessionTunnel.ts) that runs on a
 * worker thread (tunnelWorkerEntry.ts) over an SSH connection of its own.
 * A download through the tunnel is ciphers, MACs and
 * buffer churn for every byte; on the extension host's thread it shared the
 * event loop and the heap with every other extension, and measured at half
 * speed once that heap had been through a workbench session (full GCs every
 * ~80 ms: docs/PERFORMANCE.md, "A workbench before the tunnel part"). Here it
 * has its own loop and heap, and the extension host none of its work.
 */
export class TunnelWorkerHandle implements Tunnel {
  readonly via = 'worker';
  private ended = false;
  private closing: Promise<void> | undefined;
  /** issueUrl() requests the worker has not answered yet. */
  private readonly issuing = new Map<number, { resolve(url: string): void; reject(e: Error): void }>();
  private nextId = 1;

  private constructor(
    private readonly worker: Worker,
    readonly port: number,
    readonly url: string,
    readonly cookie: string,
  ) {
    worker.on('message', (m: FromTunnelWorker) => {
      if (m.type !== 'url') return;
      this.issuing.get(m.id)?.resolve(m.url);
      this.issuing.delete(m.id);
    });
    // A thread that fails or ends by itself is a closed tunnel (the registry opens a new one).
    const end = () => {
      this.ended = true;
      for (const w of this.issuing.values())
        w.reject(new SwarmError('The tunnel is closed', { code: 'conflict', hint: 'Open the instance again' }));
      this.issuing.clear();
    };
    worker.on('error', end);
    worker.on('exit', end);
  }

  static async open(opts: TunnelWorkerHandleOptions): Promise<TunnelWorkerHandle> {
    const script = opts.script ?? join(__dirname, 'tunnelWorkerEntry.js');
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
    // Loaded here, not with the module: only an Open needs threads, and every CLI command would pay ~5 ms for them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { Worker: WorkerThread } = require('node:worker_threads') as typeof WorkerThreads;
    const worker = new WorkerThread(script, { workerData: init });
    return new Promise<TunnelWorkerHandle>((resolve, reject) => {
      let settled = false;
      const fail = (e: SwarmError) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        reject(e);
      };
      worker.on('message', (m: FromTunnelWorker) => {
        if (m.type === 'ask-passphrase') {
          const answer = (value: string | undefined) =>
            worker.postMessage({ type: 'passphrase', id: m.id, value } satisfies ToTunnelWorker);
          (askPassphrase?.(m.keyPath) ?? Promise.resolve(undefined)).then(answer, () => answer(undefined));
        } else if (m.type === 'ready' && !settled) {
          settled = true;
          resolve(new TunnelWorkerHandle(worker, m.port, m.url, m.cookie));
        } else if (m.type === 'error') {
          fail(new SwarmError(m.message, { code: m.code, ...(m.hint !== undefined ? { hint: m.hint } : {}) }));
        }
      });
      worker.once('error', (e) => fail(new SwarmError(`The tunnel worker failed: ${e.message}`, { code: 'internal', cause: e })));
      worker.once('exit', (code) =>
        fail(new SwarmError(`The tunnel worker ended (exit code ${code}) before it listened`, { code: 'internal' })),
      );
    });
  }

  get isOpen(): boolean {
    return !this.ended && this.closing === undefined;
  }

  issueUrl(): Promise<string> {
    if (!this.isOpen) return Promise.reject(new SwarmError('The tunnel is closed', { code: 'conflict', hint: 'Open the instance again' }));
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.issuing.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'issue-url', id } satisfies ToTunnelWorker);
    });
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
        if (m.type !== 'closed') return;
        clearTimeout(timer);
        resolve();
      });
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage({ type: 'close' } satisfies ToTunnelWorker);
    });
    await this.worker.terminate();
  }
}
