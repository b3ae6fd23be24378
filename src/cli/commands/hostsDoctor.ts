import { planLines, type DoctorReport, type FixStep } from '../../core/hostDoctor.js';
import type { Finding } from '../../providers/hostCheck.js';
import { SwarmError } from '../../shared/errors.js';
import { quoteArgv } from '../../transport/shellQuote.js';
import { defineCommand } from '../command.js';
import { table } from '../output.js';

export const hostsDoctor = defineCommand({
  name: 'hosts doctor',
  usage: 'hosts doctor NAME [--fix] [--dry-run] [--image IMG]',
  args: 1,
  options: {
    fix: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    image: { type: 'string' },
  },
  async run({ swarm, out, args: [name], values: v }) {
    const image = v.image !== undefined ? { image: v.image } : {};
    const before = await swarm.checkHost(name, image);
    // --dry-run wins over --fix: it is the promise that nothing changes.
    if (v['dry-run'] === true || v.fix !== true) {
      const plan = planLines(before.findings);
      out.data(reportJson(before), () =>
        [
          findingLines(before.findings),
          ...(v['dry-run'] === true
            ? plan.length > 0
              ? ['--fix would run:', ...plan.map((l) => `  ${l}`)]
              : ['--fix has nothing to do']
            : plan.length > 0
              ? [`${plan.length} fix step(s): --dry-run shows them, --fix applies them`]
              : []),
        ].join('\n'),
      );
      failOnError(before);
      return;
    }
    const steps: FixStep[] = await swarm.fixHost(name, before.findings, (s) => {
      if (!out.json) out.line(stepLine(s));
    });
    // The report after the fixes, on the (possibly reopened) connection: what the next command will meet.
    const after = steps.length > 0 ? await swarm.checkHost(name, image) : before;
    out.data({ ...reportJson(after), applied: steps.map(stepJson) }, () => findingLines(after.findings));
    const failed = steps.filter((s) => !s.ok);
    if (failed.length > 0) {
      throw new SwarmError(`${failed.length} fix command(s) failed on ${name}`, {
        code: 'permission-denied',
        hint: 'Run them on the host yourself (see above), then run the doctor again',
      });
    }
    failOnError(after);
  },
});

/** The documented `--json` shape (ARCHITECTURE.md): `fix` only where there is one. */
export function reportJson(r: DoctorReport): { name: string; findings: Record<string, unknown>[] } {
  return {
    name: r.name,
    findings: r.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      message: f.message,
      ...(f.fix && f.fix.length > 0 ? { fix: f.fix.map((argv) => [...argv]) } : {}),
    })),
  };
}

/** One line per finding. */
export function findingLines(findings: readonly Finding[]): string {
  return table(findings.map((f) => [f.severity, f.code, f.message]));
}

function stepLine(s: FixStep): string {
  if (s.argv === undefined) return `${s.code}: reopened the SSH connection`;
  return s.ok ? `${s.code}: ran ${quoteArgv(s.argv)}` : `${s.code}: FAILED ${quoteArgv(s.argv)} — ${s.detail ?? ''}`;
}

function stepJson(s: FixStep): Record<string, unknown> {
  return { code: s.code, argv: s.argv === undefined ? null : [...s.argv], ok: s.ok, ...(s.detail ? { detail: s.detail } : {}) };
}

function failOnError(r: DoctorReport): void {
  const errors = r.findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  throw new SwarmError(`${r.name} has ${errors.length} problem(s): ${errors.map((f) => f.code).join(', ')}`, {
    code: 'unreachable',
    hint: errors.some((f) => f.fix)
      ? `code-swarm hosts doctor ${r.name} --dry-run shows the fixes, --fix applies them`
      : 'See the findings above',
  });
}
