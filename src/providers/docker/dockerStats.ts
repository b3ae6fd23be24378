import { posix } from 'node:path';
import { z } from 'zod';
import { cpuPercentFromDeltas, parseDfOutput, parseMemAvailable } from '../common/resourceUsage.js';
import type { HostCapacity, InstanceStats } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';

// Only what we read; a stopped container answers with most of these empty.
const CpuSchema = z.object({
  cpu_usage: z.object({ total_usage: z.number().optional(), percpu_usage: z.array(z.number()).nullish() }).optional(),
  system_cpu_usage: z.number().optional(),
  online_cpus: z.number().optional(),
});
export const DockerStatsSchema = z.object({
  cpu_stats: CpuSchema.optional(),
  precpu_stats: CpuSchema.optional(),
  memory_stats: z
    .object({ usage: z.number().optional(), limit: z.number().optional(), stats: z.record(z.string(), z.number()).optional() })
    .optional(),
  pids_stats: z.object({ current: z.number().optional() }).optional(),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number(), tx_bytes: z.number() })).nullish(),
  blkio_stats: z.object({ io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish() }).optional(),
});
export type DockerStats = z.infer<typeof DockerStatsSchema>;

/** One `GET /containers/ID/stats?stream=false` answer, the way `docker stats` reads it. */
export function statsFromDocker(s: DockerStats): InstanceStats {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const cpus = cpu?.online_cpus ?? cpu?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuPercentFromDeltas(
    (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0),
    (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0),
    cpus,
  );
  const networks = Object.entries(s.networks ?? {}).filter(([name]) => name !== 'lo');
  const blkio = s.blkio_stats?.io_service_bytes_recursive ?? [];
  const blk = (op: string) => blkio.filter((e) => e.op.toLowerCase() === op).reduce((sum, e) => sum + e.value, 0);
  return {
    cpuPercent,
    memoryBytes: memoryInUse(s.memory_stats),
    memoryLimitBytes: s.memory_stats?.limit,
    pids: s.pids_stats?.current ?? 0,
    netRxBytes: networks.reduce((sum, [, n]) => sum + n.rx_bytes, 0),
    netTxBytes: networks.reduce((sum, [, n]) => sum + n.tx_bytes, 0),
    blockReadBytes: blk('read'),
    blockWriteBytes: blk('write'),
  };
}

/** Usage minus the page cache the kernel can drop, as the Docker CLI shows it (cgroup v1 and v2 name it differently). */
function memoryInUse(m: DockerStats['memory_stats']): number {
  const usage = m?.usage ?? 0;
  const stats = m?.stats ?? {};
  const cache = stats['total_inactive_file'] ?? stats['inactive_file'] ?? 0;
  return cache < usage ? usage - cache : usage;
}

const InfoSchema = z.object({ NCPU: z.number(), MemTotal: z.number(), DockerRootDir: z.string().optional() });

/**
 * The engine's CPUs and memory from /info, with free memory and the free space
 * of the file system holding its root dir (images, containers, volumes) read
 * on the host: two quoted commands on the same connection, in parallel. A host where they fail (no
 * `df`, a root dir we may not see) still reports CPUs and memory.
 */
export async function dockerCapacity(engine: DockerEngine): Promise<HostCapacity> {
  const raw: unknown = await engine.call('read the engine info', () => engine.api.info());
  const info = engine.checked(InfoSchema, raw, 'info');
  const root = info.DockerRootDir;
  const [df, meminfo] = await Promise.all([
    root ? engine.link.exec(['df', '-Pk', ...selfAndAncestors(root)], { timeoutMs: 10_000 }).catch(() => undefined) : undefined,
    engine.link.exec(['cat', '/proc/meminfo'], { timeoutMs: 10_000 }).catch(() => undefined),
  ]);
  // df exits 1 when some paths failed; the first line it did print is the closest it could see.
  const disk = df ? parseDfOutput(df.stdout) : undefined;
  return {
    cpus: info.NCPU,
    memoryBytes: info.MemTotal,
    memoryAvailableBytes: meminfo?.code === 0 ? parseMemAvailable(meminfo.stdout) : undefined,
    diskFreeBytes: disk?.freeBytes,
    diskTotalBytes: disk?.totalBytes,
    diskLocation: root,
  };
}

/**
 * `/var/lib/docker` and its ancestors up to `/`, closest first. The root dir
 * is often root-only (0710) and so may be a parent: the nearest one the SSH
 * user may stat is on the same file system unless a mount lies between.
 */
export function selfAndAncestors(path: string): string[] {
  const out = [posix.normalize(path).replace(/(.)\/+$/, '$1')];
  for (let p = posix.dirname(out[0]!); p !== out[out.length - 1]; p = posix.dirname(p)) out.push(p);
  return out;
}
