import { z } from 'zod';
import type { HostLink } from '../../transport/hostLink.js';
import { cpuPercentOverTime } from '../common/resourceUsage.js';
import type { HostCapacity, InstanceStats } from '../provider.js';
import type { LxdClient } from './lxdClient.js';
import type { LxdState } from './lxdSchemas.js';

/**
 * Two samples of an instance's state `elapsedNs` apart, as InstanceStats. LXD
 * reports CPU as cumulative nanoseconds, so the percent is the difference over
 * wall time; network counters leave the loopback out, like Docker's.
 */
export function statsFromLxd(
  before: LxdState,
  after: LxdState,
  elapsedNs: number,
  limit: number | undefined,
  block: BlockIo | undefined,
): InstanceStats {
  const nics = Object.entries(after.network ?? {}).filter(([name]) => name !== 'lo');
  return {
    cpuPercent: cpuPercentOverTime((after.cpu?.usage ?? 0) - (before.cpu?.usage ?? 0), elapsedNs),
    memoryBytes: after.memory?.usage ?? 0,
    memoryLimitBytes: limit,
    pids: after.processes ?? 0,
    netRxBytes: nics.reduce((sum, [, n]) => sum + (n.counters?.bytes_received ?? 0), 0),
    netTxBytes: nics.reduce((sum, [, n]) => sum + (n.counters?.bytes_sent ?? 0), 0),
    ...(block ? { blockReadBytes: block.readBytes, blockWriteBytes: block.writeBytes } : {}),
    ...diskUsedOf(after),
  };
}

/** The root disk's use as the pool reports it (a dir pool does not): the figure `--disk` is about. */
export function diskUsedOf(state: LxdState): { diskUsedBytes?: number } {
  const usage = state.disk?.['root']?.usage;
  return typeof usage === 'number' && usage >= 0 ? { diskUsedBytes: usage } : {};
}

export interface BlockIo {
  readonly readBytes: number;
  readonly writeBytes: number;
}

/** LXD names an instance's cgroup `lxc.payload.NAME` (LXD and Incus alike). */
function cgroupFiles(lxdName: string): string[] {
  return [`/sys/fs/cgroup/lxc.payload.${lxdName}/io.stat`, `/sys/fs/cgroup/blkio/lxc.payload.${lxdName}/blkio.throttle.io_service_bytes`];
}

/**
 * LXD's state API has no block I/O, so it is read from the instance's cgroup
 * on the host (v2 `io.stat` or v1 blkio, whichever exists: one quoted `cat`
 * of both). Undefined when neither can be read (another layout, no access).
 */
export async function readLxdBlockIo(link: HostLink, lxdName: string): Promise<BlockIo | undefined> {
  const r = await link.exec(['cat', ...cgroupFiles(lxdName)], { timeoutMs: 10_000 }).catch(() => undefined);
  return r && r.stdout.trim() !== '' ? parseBlockIo(r.stdout) : undefined;
}

/** cgroup v2 (`8:0 rbytes=N wbytes=N …`) or v1 (`8:0 Read N`, `Total N`) block I/O, summed over devices. */
export function parseBlockIo(text: string): BlockIo | undefined {
  let readBytes = 0;
  let writeBytes = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const v2 = /\brbytes=(\d+)\s+wbytes=(\d+)/.exec(line);
    const v1 = /^\d+:\d+\s+(Read|Write)\s+(\d+)$/.exec(line.trim());
    if (v2) {
      readBytes += Number(v2[1]);
      writeBytes += Number(v2[2]);
      seen = true;
    } else if (v1) {
      if (v1[1] === 'Read') readBytes += Number(v1[2]);
      else writeBytes += Number(v1[2]);
      seen = true;
    }
  }
  return seen || /^Total\s+\d+/m.test(text) ? { readBytes, writeBytes } : undefined;
}

const ResourcesSchema = z.object({
  cpu: z.object({ total: z.number() }),
  memory: z.object({ total: z.number(), used: z.number().optional() }),
});
const ProfileSchema = z.object({ devices: z.record(z.string(), z.record(z.string(), z.string())).nullish() });
const PoolResourcesSchema = z.object({ space: z.object({ total: z.number(), used: z.number() }) });

/**
 * The server's CPUs and memory (/1.0/resources) and the room left in the
 * storage pool new instances land in (the default profile's root disk).
 * A pool that cannot report its space leaves the disk figures out.
 */
export async function lxdCapacity(api: LxdClient): Promise<HostCapacity> {
  const [resources, profile] = await Promise.all([
    api.get('/1.0/resources', ResourcesSchema),
    api.get('/1.0/profiles/default', ProfileSchema),
  ]);
  const pool = Object.values(profile.devices ?? {}).find((d) => d['type'] === 'disk' && d['path'] === '/')?.['pool'];
  const space = pool
    ? await api.get(`/1.0/storage-pools/${encodeURIComponent(pool)}/resources`, PoolResourcesSchema).then(
        (r) => r.space,
        () => undefined,
      )
    : undefined;
  const { total, used } = resources.memory;
  return {
    cpus: resources.cpu.total,
    memoryBytes: total,
    memoryAvailableBytes: used === undefined ? undefined : Math.max(0, total - used),
    diskFreeBytes: space ? Math.max(0, space.total - space.used) : undefined,
    diskTotalBytes: space?.total,
    diskLocation: pool ? `pool ${pool}` : undefined,
  };
}
