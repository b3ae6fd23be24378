// What the tunnel's caller (tunnelWorkerHandle.ts, on the caller's thread)
// and the tunnel worker (tunnelWorkerEntry.ts, on its own thread) say to each other.
import type { SwarmErrorCode } from '../shared/errors.js';
import type { KnownHostEntry } from './knownHosts.js';
import type { SshEndpoint } from './sshTypes.js';

/** What the worker is started with: plain data only (it is copied to the thread). */
export interface TunnelWorkerInit {
  readonly endpoint: SshEndpoint;
  /** The keys trusted now; the worker refuses any other (it cannot ask the user). */
  readonly knownHosts: readonly KnownHostEntry[];
  readonly connectTimeoutMs: number;
  /** Whether it may ask the caller's thread for an identity file's passphrase. */
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
  | { readonly type: 'url'; readonly id: number; readonly url: string }
  | { readonly type: 'closed' };

export type ToTunnelWorker =
  | { readonly type: 'passphrase'; readonly id: number; readonly value: string | undefined }
  | { readonly type: 'issue-url'; readonly id: number }
  | { readonly type: 'close' };
