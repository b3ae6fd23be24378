import { planLines, type DoctorReport, type FixStep } from '../../core/hostDoctor.js';
import type { Finding } from '../../providers/hostCheck.js';
import { SwarmError } from '../../shared/errors.js';
import { quoteArgv } from '../../transport/shellQuote.js';
import type { AddHostInput } from '../../core/swarm.js';
import { defineCommand, invalidInput } from '../command.js';
import { providerOption } from '../providerOption.js';
import { table } from '../output.js';

export const hostsDoctor = defineCommand({
  name: 'hosts doctor',
  usage:
    'hosts doctor NAME [--ssh USER@HOST[:PORT] [--identity FILE] [--provider docker|lxd|podman|swarm] [--jump J]] [--fix] [--dry-run] [--image IMG]',
  args: 1,
  options: {
    fix: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    image: { type: 'string' },
    ssh: { type: 'string' },
    identity: { type: 'string' },
    jump: { type: 'string' },
    provider: { type: 'string' },
  },
  check(v) {
    if (v.ssh === undefined && (v.identity !== undefined || v.jump !== undefined || v.provider !== undefined)) {
      throw invalidInput('--identity, --jump and --provider describe a host not added yet: give --ssh USER@HOST[:PORT] too');
    }
    providerOption(v.provider);
  },
  async run({ swarm, out, args: [name], values: v }) {
    const image = v.image !== undefined ? { image: v.image } : {};
    // With --ssh the host is not in the store (hosts add refused it, say): it is checked and fixed on a connection of its own.
    const input: AddHostInput | undefined =
      v.ssh === undefined
        ? undefined
        : {
            name,
            ssh: v.ssh,
            ...(v.identity ? { identityFile: v.identity } : {}),
            ...(v.provider ? { provider: providerOption(v.provider) } : {}),
            ...(v.jump ? { proxyJump: v.jump } : {}),
          };
    const accept = { onUnknownHostKey: () => v['accept-new-host-key'] === true };
    const check = () => (input ? swarm.checkNewHost(input, { ...image, ...accept }) : swarm.checkHost(name, image));
    const before = await check();
    // --dry-run wins over --fix: it is the promise that nothing changes.
    if (v['dry-run'] === true || v.fix !== true) {
      out.data(reportJson(before), () => [findingLines(before.findings), ...planText(before, v['dry-run'] === true)].join('\n'));
      failOnError(before);
      return;
    }
    const onStep = (s: FixStep) => {
      if (!out.json) out.line(stepLine(s));
    };
    const steps = input ? await swarm.fixNewHost(input, before.findings, onStep) : await swarm.fixHost(name, before.findings, onStep);
    // The report after the fixes, on the (possibly reopened) connection: what the next command will meet.
    const after = steps.length > 0 ? await check() : before;
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

/** After the findings: the plan (--dry-run), or a pointer to it. */
function planText(report: DoctorReport, dryRun: boolean): string[] {
  const plan = planLines(report.findings);
  if (dryRun) return plan.length > 0 ? ['--fix would run:', ...plan.map((l) => `  ${l}`)] : ['--fix has nothing to do'];
  return plan.length > 0 ? [`${plan.length} fix step(s): --dry-run shows them, --fix applies them`] : [];
}

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
