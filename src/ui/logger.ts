import type { LogOutputChannel } from 'vscode';
import { toSwarmError } from '../shared/errors.js';

/**
 * The one "Code Swarm" log, tagged by component. Callers pass messages that
 * are safe to keep: never a password, a session hash or a tunnel URL (its
 * query carries the tunnel's token).
 */
export class Logger {
  constructor(
    private readonly channel: LogOutputChannel,
    private readonly component?: string,
  ) {}

  child(component: string): Logger {
    return new Logger(this.channel, component);
  }

  trace(message: string): void {
    this.channel.trace(this.tag(message));
  }

  debug(message: string): void {
    this.channel.debug(this.tag(message));
  }

  info(message: string): void {
    this.channel.info(this.tag(message));
  }

  warn(message: string): void {
    this.channel.warn(this.tag(message));
  }

  /** Logs the one-line message, then the cause chain and stack at debug level for bug reports. */
  error(message: string, error?: unknown): void {
    this.channel.error(this.tag(message));
    if (error === undefined) return;
    const err = toSwarmError(error);
    this.channel.debug(this.tag(`[${err.code}] ${err.stack ?? err.message}`));
    for (let cause = err.cause, depth = 0; cause !== undefined && depth < 5; depth++) {
      this.channel.debug(this.tag(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`));
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }

  show(): void {
    this.channel.show(true);
  }

  private tag(message: string): string {
    return this.component ? `[${this.component}] ${message}` : message;
  }
}
