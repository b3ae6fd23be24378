import { z } from 'zod';
import type { LxdClient } from './lxdClient.js';

/**
 * Pool drivers where LXD holds a root disk to its `size`. A dir pool does
 * only on a filesystem with project quotas, and where it has none LXD skips
 * the size with a warning in its own log: the instance would look limited
 * and not be.
 */
const SIZED_DRIVERS = new Set(['btrfs', 'zfs', 'lvm', 'ceph']);

export const ProfileSchema = z.object({ devices: z.record(z.string(), z.record(z.string(), z.string())).nullish() });
const PoolSchema = z.object({ driver: z.string() });

/** The pool the default profile's root disk lives in; undefined when the profile has no root disk. */
export function rootPoolOf(profile: z.infer<typeof ProfileSchema>): string | undefined {
  const root = Object.values(profile.devices ?? {}).find((d) => d['type'] === 'disk' && d['path'] === '/');
  return root?.['pool'];
}

/** Where new instances' root disks live: the default profile's root device's pool, and that pool's driver. */
export async function rootPool(api: LxdClient): Promise<{ pool: string; driver: string } | undefined> {
  const pool = rootPoolOf(await api.get('/1.0/profiles/default', ProfileSchema));
  if (pool === undefined) return undefined;
  const { driver } = await api.get(`/1.0/storage-pools/${encodeURIComponent(pool)}`, PoolSchema);
  return { pool, driver };
}

/** Why root disks on this pool cannot be held to a size, or undefined (the doctor has the pool read already). */
export function quotaProblemOf(root: { pool: string; driver?: string | undefined } | undefined): string | undefined {
  if (!root) return "LXD's default profile has no root disk on a pool";
  if (root.driver !== undefined && SIZED_DRIVERS.has(root.driver)) return undefined;
  return `LXD keeps root disks on the ${root.driver ?? 'unknown'} pool ${root.pool}, where it does not enforce sizes (btrfs, zfs, lvm and ceph pools do)`;
}

/** The root device an instance with `--disk` gets: the profile's, with a size. */
export function sizedRootDevice(pool: string, bytes: number): Record<string, string> {
  return { type: 'disk', path: '/', pool, size: `${bytes}B` };
}
