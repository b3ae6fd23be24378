import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One directory per mocha process where the suite leaves everything it
 * writes: state directories, workbench profiles and logs, transcripts. The
 * secret audit (test/audit) searches all of it after the last test, so tests
 * do not delete their state directories; the root goes when the process exits.
 *
 * The path travels in this variable to every process the suite starts (CLI
 * runs, code-server and its extension host), which record into the same root.
 */
export const SUITE_ROOT_ENV = 'CODE_SWARM_SUITE_ROOT';

/** Every password the suite made, one JSON line each: the audit's needles. */
export const LEDGER = 'passwords.jsonl';
/** Output that shows a password on purpose (`code-swarm password`): the only place one may be printed. */
export const REVEALS = 'reveals.log';
/** Every error message and every CLI stdout/stderr the tests saw. */
export const TRANSCRIPT = 'transcript.log';

let root: string | undefined;
let keep = false;

/** The suite's artifacts root, created on first use. */
export function suiteRoot(): string {
  if (root !== undefined) return root;
  const inherited = process.env[SUITE_ROOT_ENV];
  if (inherited) {
    mkdirSync(inherited, { recursive: true, mode: 0o700 });
    root = inherited;
    return root;
  }
  const own = join(tmpdir(), `code-swarm-suite-${process.pid}`);
  // A leftover of an earlier process with the same pid would mix its passwords into this run's.
  rmSync(own, { recursive: true, force: true });
  mkdirSync(own, { mode: 0o700 });
  root = own;
  process.env[SUITE_ROOT_ENV] = own;
  // mocha ends with process.exit (.mocharc "exit"), so this runs even when a test leaves handles open.
  process.once('exit', () => {
    if (!keep) rmSync(own, { recursive: true, force: true });
  });
  return own;
}

/** A fresh directory under the suite root: use it where a test would mkdtemp under os.tmpdir(). */
export function suiteDir(prefix: string): string {
  return mkdtempSync(join(suiteRoot(), prefix));
}

/** Leaves the root in place at exit, for a person to inspect what the audit found. */
export function keepSuiteRoot(): void {
  keep = true;
}

export interface LedgerEntry {
  readonly source: string;
  readonly password: string;
}

export function recordPassword(source: string, password: string): void {
  append(LEDGER, `${JSON.stringify({ source, password } satisfies LedgerEntry)}\n`);
}

export function recordTranscript(source: string, text: string): void {
  append(TRANSCRIPT, `--- ${source}\n${text}${text.endsWith('\n') ? '' : '\n'}`);
}

export function recordReveal(source: string, text: string): void {
  append(REVEALS, `--- ${source}\n${text}${text.endsWith('\n') ? '' : '\n'}`);
}

/** An error as a user or a bug report would see it: message, hint, one-line form, stack and causes. */
export function recordError(source: string, error: unknown): void {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (e instanceof Error) {
      const extra = e as Error & { hint?: unknown; code?: unknown; oneLine?: unknown };
      parts.push(`${depth === 0 ? '' : 'caused by: '}${e.stack ?? `${e.name}: ${e.message}`}`);
      if (typeof extra.hint === 'string') parts.push(`hint: ${extra.hint}`);
      if (typeof extra.oneLine === 'function') parts.push(`oneLine: ${String((extra.oneLine as () => unknown).call(e))}`);
      e = e.cause;
    } else {
      parts.push(`${depth === 0 ? 'thrown: ' : 'caused by: '}${safeString(e)}`);
      break;
    }
  }
  recordTranscript(`error: ${source}`, parts.join('\n'));
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function append(file: string, text: string): void {
  // One write per record: O_APPEND keeps records from concurrent processes whole.
  appendFileSync(join(suiteRoot(), file), text, { mode: 0o600 });
}
