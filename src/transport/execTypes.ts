import type { Readable } from 'node:stream';

/** What running a command on a host gives back, over SSH or on this machine. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly stdin?: string | Buffer;
  readonly maxBytes?: number;
}

/** A command whose output is read as it comes (`tail -f`-like), not buffered. */
export interface ExecStream {
  readonly stdout: Readable;
  /** Read it, or a chatty command can stall on flow control. */
  readonly stderr: Readable;
  /** The exit code once the command ends; -1 when it was killed or closed. */
  readonly exit: Promise<number>;
  /** Ends the command (SIGTERM where the host supports it) and its streams. */
  close(): void;
}
