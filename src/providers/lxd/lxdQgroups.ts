import { posix } from 'node:path';
import { asRoot } from '../common/hostFacts.js';
import { type CheckContext, type Finding, NotChecked, ok, warning } from '../hostCheck.js';
import type { LxdClient } from './lxdClient.js';
import { rootPool } from './lxdQuota.js';

/**
 * btrfs enforces a root disk's size through quota groups, and only while
 * their accounting is consistent. The kernel marks it inconsistent by itself
 * after some subvolume deletes (one that shares much of its tree with
 * another: docs/PERFORMANCE.md), and from then on skips every limit until a
 * rescan: `--disk` would look enforced and not be, and disk-use figures are
 * wrong. LXD does not say so; the kernel does, in sysfs.
 */

/** What the pool's file system says of its quota groups. */
export type QgroupState =
  { readonly kind: 'hidden' } | { readonly kind: 'off' } | { readonly kind: 'on'; readonly inconsistent: boolean | undefined };

// A fixed script; the pool's mount path is its one argument, never part of it.
const SCRIPT = [
  'set -- $(findmnt -n -o FSTYPE,SOURCE --target "$1" 2>/dev/null)',
  '[ "$1" = btrfs ] || { echo hidden; exit 0; }',
  'b=$(basename "$(readlink -f "${2%%\\[*}")")',
  'for d in /sys/fs/btrfs/*/; do',
  '  [ -e "$d/devices/$b" ] || continue',
  '  [ -d "$d/qgroups" ] || { echo off; exit 0; }',
  '  echo "on $(cat "$d/qgroups/inconsistent" 2>/dev/null || echo unknown)"; exit 0',
  'done',
  'echo hidden',
].join('\n');

export function parseQgroupState(stdout: string): QgroupState {
  const [kind, flag] = stdout.trim().split(/\s+/);
  if (kind === 'off') return { kind: 'off' };
  if (kind === 'on') return { kind: 'on', inconsistent: flag === '1' ? true : flag === '0' ? false : undefined };
  return { kind: 'hidden' };
}

/** Where LXD (or Incus) mounts a pool: beside its socket, under storage-pools. */
export function poolMountPath(socketPath: string, pool: string): string {
  return posix.join(posix.dirname(socketPath), 'storage-pools', pool);
}

/** The finding for a btrfs pool's quota accounting; `fix` is the rescan, as root. */
export function qgroupFinding(pool: string, mount: string, state: QgroupState, fix: readonly string[]): Finding {
  const where = `storage pool ${pool} (btrfs)`;
  switch (state.kind) {
    case 'hidden':
      return ok('lxd.qgroups', `${where}: its file system is not visible to this login; quota accounting not read`);
    case 'off':
      return ok('lxd.qgroups', `${where}: quota groups off (LXD turns them on for the first instance with --disk)`);
    case 'on':
      if (state.inconsistent === undefined) {
        return ok('lxd.qgroups', `${where}: quota groups on; this kernel does not say whether their accounting holds`);
      }
      if (!state.inconsistent) return ok('lxd.qgroups', `${where}: quota accounting consistent, so --disk holds`);
      return warning(
        'lxd.qgroups',
        `${where}: the kernel marked its quota accounting inconsistent, so --disk limits are not enforced and disk use is misreported until a rescan: btrfs quota rescan -w ${mount} (the fix runs it; it can take minutes on a large pool)`,
        [[...fix]],
      );
  }
}

type Run = (argv: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/** The quota state of the file system a pool is mounted from, read on the host. */
export async function readQgroupState(run: Run, mount: string): Promise<QgroupState> {
  const r = await run(['sh', '-c', SCRIPT, 'sh', mount]);
  if (r.code !== 0) throw new Error(`reading the pool's quota state failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return parseQgroupState(r.stdout);
}

/** Why `--disk` would not hold on a btrfs pool now, or undefined (also when it cannot be seen). */
export async function qgroupProblem(run: Run, socketPath: string, pool: string): Promise<string | undefined> {
  const mount = poolMountPath(socketPath, pool);
  const state = await readQgroupState(run, mount);
  if (state.kind !== 'on' || state.inconsistent !== true) return undefined;
  return `the kernel marked the quota accounting of LXD's pool ${pool} inconsistent, so it enforces no size until a rescan: run btrfs quota rescan -w ${mount} as root (hosts doctor --fix does)`;
}

/** `lxd.qgroups`'s findings: none unless the root pool is btrfs; other drivers keep no quota groups. */
export async function qgroupFindings(ctx: CheckContext, api: LxdClient, socketPath: string): Promise<Finding[]> {
  const root = await rootPool(api);
  if (root === undefined) throw new NotChecked('the default profile has no root disk (lxd.storage)');
  if (root.driver !== 'btrfs') return [];
  const mount = poolMountPath(socketPath, root.pool);
  const state = await readQgroupState((argv) => ctx.exec(argv), mount);
  return [qgroupFinding(root.pool, mount, state, await asRoot(ctx, ['btrfs', 'quota', 'rescan', '-w', mount]))];
}
