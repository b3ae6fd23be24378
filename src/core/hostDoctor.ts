import { neighbourCheck } from '../providers/common/neighbourCheck.js';
import { cgroupCheck, loopbackCheck, sudoCheck, systemCheck } from '../providers/common/systemChecks.js';
import { type Finding, type HostCheck, warning } from '../providers/hostCheck.js';
import type { HostRecord } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import { quoteArgv } from '../transport/shellQuote.js';
import { checkContext, fixesOf, runChecks } from './doctorRunner.js';
import type { HostAccess } from './hostRegistry.js';
import { requireHost } from './records.js';
import { connectFindings, keepaliveCheck } from './sshChecks.js';
import type { Store } from './store.js';

export interface DoctorReport {
  readonly name: string;
  readonly findings: readonly Finding[];
}

/** One step of `--fix`: a command run (with its outcome), or the reconnect after a group change. */
export interface FixStep {
  readonly code: string;
  /** The command, or undefined for the reconnect. */
  readonly argv: readonly string[] | undefined;
  readonly ok: boolean;
  /** The command's stderr (or stdout) when it failed. */
  readonly detail?: string;
}

export interface HostDoctorOptions {
  readonly store: Store;
  readonly accessOf: (host: HostRecord) => HostAccess;
  /** A connection of the doctor's own, for the keepalive probe. */
  readonly openProbe: (host: HostRecord, keepaliveIntervalMs: number) => HostLink;
  /** Drops the host's persistent connection so the next call logs in anew. */
  readonly reconnect: (name: string) => void;
}

/** A fix may install packages or pull an image: far longer than a check. */
const FIX_TIMEOUT_MS = 15 * 60_000;

/**
 * The host doctor: every check at once (SSH, the system, the engine's own
 * from its provider), and the fixes they list applied on request.
 */
export class HostDoctor {
  constructor(private readonly opts: HostDoctorOptions) {}

  async check(name: string, options: { image: string }): Promise<DoctorReport> {
    const host = await requireHost(this.opts.store, name);
    return this.checkWith(host, this.opts.accessOf(host), options);
  }

  /** The report of a host through the given link and provider (a saved host's, or a new one's on a probe). */
  async checkWith(host: HostRecord, access: HostAccess, options: { image: string }): Promise<DoctorReport> {
    const { name } = host;
    const { link, provider } = access;
    const ctx = checkContext(host, link, options.image);
    const gate = await connectFindings(ctx);
    if (!gate.connected) {
      return {
        name,
        findings: [
          ...gate.findings,
          warning('doctor.incomplete', 'the other checks need the connection: fix it, then run the doctor again'),
        ],
      };
    }
    const checks: HostCheck[] = [
      ...(host.kind === 'ssh' ? [keepaliveCheck(this.opts.openProbe)] : []),
      systemCheck,
      cgroupCheck,
      loopbackCheck,
      neighbourCheck,
      ...(provider.checks?.() ?? []),
      sudoCheck,
    ];
    return { name, findings: [...gate.findings, ...(await runChecks(checks, ctx))] };
  }

  /**
   * Runs the fixes of `findings` (a report's, as shown to the user), in
   * order; a finding's later commands are skipped once one fails. A fix that
   * changed the user's groups reopens the persistent connection afterwards.
   */
  async fix(name: string, findings: readonly Finding[], onStep: (step: FixStep) => void = () => undefined): Promise<FixStep[]> {
    const host = await requireHost(this.opts.store, name);
    return this.fixWith(this.opts.accessOf(host).link, findings, onStep, () => this.opts.reconnect(name));
  }

  /**
   * The fixes through a given link (a saved host's, or a new one's probe);
   * `reconnect` reopens what must see the new groups (nothing for a probe:
   * the add that follows logs in anew).
   */
  async fixWith(
    link: HostLink,
    findings: readonly Finding[],
    onStep: (step: FixStep) => void,
    reconnect: (() => void) | undefined,
  ): Promise<FixStep[]> {
    const steps: FixStep[] = [];
    const done = (s: FixStep) => {
      steps.push(s);
      onStep(s);
    };
    let groupsChanged = false;
    for (const f of fixesOf(findings)) {
      let allOk = true;
      for (const argv of f.fix ?? []) {
        const r = await link.exec(argv, { timeoutMs: FIX_TIMEOUT_MS });
        const ok = r.code === 0;
        done({
          code: f.code,
          argv,
          ok,
          ...(ok ? {} : { detail: (r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split('\n')[0] }),
        });
        if (!ok) {
          allOk = false;
          break;
        }
      }
      if (allOk && f.reconnect === true) groupsChanged = true;
    }
    if (groupsChanged && reconnect) {
      reconnect();
      done({ code: 'ssh.connect', argv: undefined, ok: true });
    }
    return steps;
  }
}

/** The commands of a fix plan, one shell line each, as `--dry-run` prints them and `--fix` runs them. */
export function planLines(findings: readonly Finding[]): string[] {
  return fixesOf(findings).flatMap((f) => [
    ...(f.fix ?? []).map((argv) => `${f.code}: ${quoteArgv(argv)}`),
    ...(f.reconnect === true ? [`${f.code}: (reopen the SSH connection, so the new login gets the new groups)`] : []),
  ]);
}
