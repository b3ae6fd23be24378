import { type Finding, type HostCheck, ok, warning } from '../hostCheck.js';
import { asRoot } from './hostFacts.js';

/**
 * The kernel keeps one neighbour (ARP) table for the whole machine, all its
 * network namespaces together, and past `gc_thresh3` entries (1024 by
 * default) it refuses a new neighbour: a connection to a container it has no
 * entry for then sends nothing and hangs, so an instance stops answering its
 * probe with nothing in its own logs. Each instance holds about two entries
 * (the host's for the container, the container's for its gateway). Found
 * with 500 instances on one machine (docs/PERFORMANCE.md).
 */

export interface NeighbourState {
  /** `gc_thresh3`; undefined where it is not visible (a network namespace other than the machine's). */
  readonly limit: number | undefined;
  /** `gc_thresh1..3` as they are, where visible: the fix never lowers one. */
  readonly thresholds: readonly number[];
  /** Entries of this namespace's IPv4 table now. */
  readonly entries: number;
  /** veth interfaces here: one per container on a bridge, whose own namespace holds an entry more. */
  readonly veths: number;
}

const KEYS = ['gc_thresh1', 'gc_thresh2', 'gc_thresh3'] as const;
/** What the fix sets, at the least: the lab's fleet runs 500 instances with these. */
const RAISED = [2048, 8192, 16384] as const;
/** Warn from this share of the limit on: the table also fills with traffic the doctor does not see. */
const WARN_SHARE = 0.75;

// A fixed script: nothing from the user reaches the host's shell.
const SCRIPT =
  'd=/proc/sys/net/ipv4/neigh/default; echo $(cat $d/gc_thresh1 $d/gc_thresh2 $d/gc_thresh3 2>/dev/null); ' +
  'if [ -r /proc/net/arp ]; then echo $(($(wc -l </proc/net/arp) - 1)); else echo 0; fi; ' +
  'n=0; for i in /sys/class/net/veth*; do [ -e "$i" ] && n=$((n + 1)); done; echo $n';

export function parseNeighbours(stdout: string): NeighbourState {
  const [limits, entries, veths] = stdout.split('\n').map((l) => l.trim());
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const thresholds = (limits ?? '').split(/\s+/).map(num);
  const all = thresholds.length === 3 && thresholds.every((t) => t !== undefined) ? (thresholds as number[]) : [];
  return { limit: all[2], thresholds: all, entries: Math.max(0, num(entries) ?? 0), veths: num(veths) ?? 0 };
}

/** Entries the table holds or will hold: this namespace's, and one in each container's own. */
function inUse(s: NeighbourState): number {
  return s.entries + s.veths;
}

/** The finding for a host's table; `fix` is the command that raises the limits (root's). */
export function neighbourFinding(s: NeighbourState, fix: readonly string[]): Finding {
  if (s.limit === undefined) {
    return ok('os.neighbours', "the neighbour (ARP) table's limit is not visible here (a network namespace: the machine's own applies)");
  }
  const used = inUse(s);
  if (used < s.limit * WARN_SHARE) {
    return ok('os.neighbours', `neighbour (ARP) table: about ${used} of ${s.limit} entries in use; each instance takes about two`);
  }
  return warning(
    'os.neighbours',
    `neighbour (ARP) table: about ${used} of ${s.limit} entries in use; past ${s.limit} the kernel refuses new neighbours and instances stop answering ("neighbor table overflow"): raise net.ipv4.neigh.default.gc_thresh1..3 (the fix does until reboot; keep it in /etc/sysctl.d)`,
    [[...fix]],
  );
}

/** The sysctl that raises the three thresholds, never below what the table needs now. */
export function raiseArgv(s: NeighbourState): string[] {
  const scale = Math.max(1, Math.ceil((inUse(s) * 4) / RAISED[2]));
  return ['sysctl', '-w', ...KEYS.map((k, i) => `net.ipv4.neigh.default.${k}=${Math.max(RAISED[i] * scale, s.thresholds[i] ?? 0)}`)];
}

export const neighbourCheck: HostCheck = {
  id: 'os.neighbours',
  async run(ctx) {
    const r = await ctx.exec(['sh', '-c', SCRIPT]);
    if (r.code !== 0) throw new Error(`reading the neighbour table failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    const s = parseNeighbours(r.stdout);
    return [neighbourFinding(s, await asRoot(ctx, raiseArgv(s)))];
  },
};
