import { type CheckContext, type Finding, type HostCheck, NotChecked, warning } from '../providers/hostCheck.js';
import { toSwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';

/** How long one command of a check may take: a host that hangs must not hang the report. */
export const CHECK_EXEC_TIMEOUT_MS = 20_000;

export function checkContext(host: HostRecord, link: HostLink, image: string): CheckContext {
  const facts = new Map<string, Promise<unknown>>();
  return {
    host,
    link,
    image,
    exec: (argv) => link.exec(argv, { timeoutMs: CHECK_EXEC_TIMEOUT_MS }),
    fact<T>(key: string, get: () => Promise<T>): Promise<T> {
      let p = facts.get(key) as Promise<T> | undefined;
      if (!p) {
        p = get();
        facts.set(key, p);
      }
      return p;
    },
  };
}

/**
 * Runs every check and keeps every finding: one broken thing never hides
 * the next. Checks run concurrently (they share the host's one connection);
 * the late ones (sudo) then see what the others found. Findings keep the
 * checks' order, so a report reads the same every time.
 */
export async function runChecks(checks: readonly HostCheck[], ctx: CheckContext): Promise<Finding[]> {
  const first = await Promise.all(checks.filter((c) => !c.late).map((c) => runOne(c, ctx, [])));
  const earlier = first.flat();
  const late = await Promise.all(checks.filter((c) => c.late).map((c) => runOne(c, ctx, earlier)));
  return [...earlier, ...late.flat()];
}

async function runOne(check: HostCheck, ctx: CheckContext, earlier: readonly Finding[]): Promise<Finding[]> {
  try {
    return await check.run(ctx, earlier);
  } catch (e) {
    if (e instanceof NotChecked) return [warning(check.id, `not checked: ${e.message}`)];
    return [warning(check.id, `could not check: ${toSwarmError(e).oneLine()}`)];
  }
}

/** Whether a report has an error: the CLI's exit code 1. */
export function hasError(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** What `--fix` would do for these findings: their commands, in report order. */
export function fixesOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity !== 'ok' && ((f.fix?.length ?? 0) > 0 || f.reconnect === true));
}
