import type { CleanupStack } from './cleanupStack.js';

/** What bench/index.ts hands every part of the benchmark. */
export interface BenchContext {
  readonly quick: boolean;
  /** The run's undo stack: what a part creates is removed on every way out, Ctrl-C included. */
  readonly cleanup: CleanupStack;
  /** Aborted by Ctrl-C: finish the step in flight, then return. */
  readonly signal: AbortSignal;
  /** Carried by every name the run creates, so a sweep can find leftovers. */
  readonly tag: string;
  readonly log: (line: string) => void;
}

/**
 * One part of `npm run bench` after the Docker list/lifecycle part: it runs
 * alone on the lab (parts never overlap), keeps what it measured even if it
 * fails half way, and adds its figures to the one JSON line. Adding a part is
 * one entry in bench/index.ts's MODULES list.
 */
export interface BenchModule {
  /** For `--only NAME` and the log. */
  readonly name: string;
  readonly errors: string[];
  run(ctx: BenchContext): Promise<void>;
  /** Its keys for the JSON line, in order; null where the figure could not be measured. */
  json(): Record<string, number | null>;
  /** Keys that should have a figure after a run and do not (the run then exits non-zero). */
  missing(): string[];
  /** Its tables, printed after the Docker part's. */
  report(quick: boolean): string;
}
