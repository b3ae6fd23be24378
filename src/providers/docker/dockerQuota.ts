import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { firstLine } from '../common/providerErrors.js';
import type { DockerEngine } from './dockerEngine.js';
import { messageOf } from './dockerErrors.js';

/** Storage drivers whose `--storage-opt size` holds (overlay only on xfs with pquota). */
const SIZED_DRIVERS = new Set(['overlay2', 'overlay', 'btrfs', 'zfs']);

/** What /info says of where containers are kept (the doctor's engineInfo reads it too). */
export const StorageInfoSchema = z.object({
  Driver: z.string().optional(),
  DriverStatus: z.array(z.tuple([z.string(), z.string()])).nullish(),
});
export type StorageInfo = z.infer<typeof StorageInfoSchema>;

/** The size that a container's writable layer and its workspace volume each get (`--disk`). */
export function sizeOption(bytes: number): string {
  return String(bytes);
}

/**
 * Why this engine cannot enforce `--disk`, or undefined. Both parts of an
 * instance's disk need it: the container's writable layer (`StorageOpt
 * size`: overlay on xfs with pquota, btrfs, zfs) and its workspace volume
 * (the local driver's `size`, on xfs with pquota). The driver is read from
 * /info; for volumes only a try tells, so a probe volume with a size is
 * made and removed at once (Docker refuses it where quotas are off).
 * `known`: /info as the caller read it already (the doctor), else it is read.
 */
export async function dockerQuotaProblem(engine: DockerEngine, known?: StorageInfo): Promise<string | undefined> {
  const info = known ?? engine.checked(StorageInfoSchema, await engine.call('read the engine info', () => engine.api.info()), 'info');
  const driver = info.Driver ?? 'unknown';
  const backing = info.DriverStatus?.find(([k]) => k === 'Backing Filesystem')?.[1];
  const name = engine.dialect.engine;
  if (!SIZED_DRIVERS.has(driver)) return `${name}'s storage driver ${driver} enforces no size`;
  if (driver.startsWith('overlay') && backing !== 'xfs') {
    return `${name} keeps containers with ${driver} on ${backing ?? 'a filesystem it does not name'}, and overlay enforces sizes only on xfs mounted with pquota`;
  }
  const probe = `code-swarm-quota-probe-${randomBytes(4).toString('hex')}`;
  try {
    await engine.api.createVolume({ Name: probe, DriverOpts: { size: '1g' }, Labels: { 'code-swarm.probe': '1' } });
  } catch (e) {
    return `${name}'s volumes cannot take a size there (${firstLine(messageOf(e))})`;
  }
  await engine.api
    .getVolume(probe)
    .remove()
    .catch(() => undefined);
  return undefined;
}
