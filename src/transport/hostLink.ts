import type { Duplex } from 'node:stream';
import type { ExecOptions, ExecResult, ExecStream } from './execTypes.js';

export type LinkState = 'up' | 'down';

/**
 * Everything a provider needs from a host, whether it is reached over SSH or
 * is this machine: streams to its unix sockets and loopback ports, and exec.
 */
export interface HostLink {
  readonly label: string;
  readonly kind: 'ssh' | 'local';
  openUnixSocket(path: string): Promise<Duplex>;
  openTcp(host: string, port: number): Promise<Duplex>;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** exec with stdout streamed as it comes (following logs); optional for test doubles. */
  execStream?(argv: readonly string[]): Promise<ExecStream>;
  /** Connection setup time of the current link, if known. */
  readonly connectMs: number | undefined;
  onStateChange(listener: (state: LinkState, reason?: Error) => void): () => void;
  dispose(): void;
}
