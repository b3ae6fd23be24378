import type { HostRecord } from '../shared/model.js';
import type { ExecResult } from '../transport/execTypes.js';
import type { HostLink } from '../transport/hostLink.js';

export type Severity = 'ok' | 'warning' | 'error';

/** One thing the doctor found on a host (the `--json` shape, plus what `--fix` needs to know). */
export interface Finding {
  /** Stable, dotted: `docker.socket-access`, `cgroup.controllers`; documented in docs/DOCTOR.md. */
  readonly code: string;
  readonly severity: Severity;
  /** One line: what is wrong (or right) and why it matters. */
  readonly message: string;
  /** The exact commands `--fix` runs on the host, in order, each an argv (quoted for a POSIX shell when sent). */
  readonly fix?: readonly (readonly string[])[];
  /**
   * The fix changes the SSH user's groups: only a new login sees them, so the
   * host's persistent connection is reopened after it. Also set on a finding
   * that only needs the reconnect (membership granted, this login predates it).
   */
  readonly reconnect?: boolean;
}

/** What a check may ask of the host; facts asked by several checks are run once. */
export interface CheckContext {
  readonly host: HostRecord;
  readonly link: HostLink;
  /** The image instances are created from (the user's default), checked for presence. */
  readonly image: string;
  /** Runs argv on the host with the doctor's deadline. */
  exec(argv: readonly string[]): Promise<ExecResult>;
  /** Memoizes one shared fact per key for this run (the SSH user, the OS...). */
  fact<T>(key: string, get: () => Promise<T>): Promise<T>;
}

/**
 * One check, contributed by core (SSH), providers/common (the system) or a
 * provider's folder (its engine). A check reports every finding it has;
 * a throw becomes a "could not check" warning under the check's id.
 */
export interface HostCheck {
  /** Stable id; the code of the finding a throw turns into. */
  readonly id: string;
  /** Runs after all the others, seeing their findings (the sudo check weighs their fixes). */
  readonly late?: boolean;
  run(ctx: CheckContext, earlier: readonly Finding[]): Promise<Finding[]>;
}

/** A check that found nothing it could use because something it needs is broken. */
export class NotChecked extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotChecked';
  }
}

export function ok(code: string, message: string): Finding {
  return { code, severity: 'ok', message };
}

export function warning(code: string, message: string, fix?: readonly (readonly string[])[]): Finding {
  return { code, severity: 'warning', message, ...(fix && fix.length > 0 ? { fix } : {}) };
}

export function error(code: string, message: string, fix?: readonly (readonly string[])[]): Finding {
  return { code, severity: 'error', message, ...(fix && fix.length > 0 ? { fix } : {}) };
}
