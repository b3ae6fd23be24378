import type { HostResources, InstanceUsage } from '../core/swarm.js';
import { formatBytes, table } from './output.js';

/**
 * The documented --json shape of `stats` (ARCHITECTURE.md); `host`,
 * `sampledAt` and the disk figures are additive. Unknown counters are null;
 * the disk figures are there only where known (a quota, a reading).
 */
export function usageJson(u: InstanceUsage): Record<string, unknown> {
  return {
    name: u.name,
    cpuPercent: Math.round(u.cpuPercent * 100) / 100,
    memoryBytes: u.memoryBytes,
    memoryLimitBytes: u.memoryLimitBytes ?? null,
    pids: u.pids ?? null,
    netRxBytes: u.netRxBytes ?? null,
    netTxBytes: u.netTxBytes ?? null,
    blockReadBytes: u.blockReadBytes ?? null,
    blockWriteBytes: u.blockWriteBytes ?? null,
    host: u.host,
    sampledAt: new Date(u.sampledAt).toISOString(),
    ...(u.diskUsedBytes !== undefined ? { diskUsedBytes: u.diskUsedBytes } : {}),
    ...(u.diskLimitBytes !== undefined ? { diskLimitBytes: u.diskLimitBytes } : {}),
  };
}

/** Like `docker stats --no-stream`: one row per instance. */
export function usageTable(list: readonly InstanceUsage[]): string {
  if (list.length === 0) return 'No running instances.';
  return table([
    ['NAME', 'HOST', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS', 'NET I/O', 'BLOCK I/O', 'DISK'],
    ...list.map((u) => [
      u.name,
      u.host,
      `${u.cpuPercent.toFixed(1)}%`,
      `${formatBytes(u.memoryBytes)} / ${u.memoryLimitBytes === undefined ? '-' : formatBytes(u.memoryLimitBytes)}`,
      u.memoryLimitBytes ? `${((u.memoryBytes / u.memoryLimitBytes) * 100).toFixed(1)}%` : '-',
      u.pids === undefined ? '-' : String(u.pids),
      pair(u.netRxBytes, u.netTxBytes),
      pair(u.blockReadBytes, u.blockWriteBytes),
      diskCell(u.diskUsedBytes, u.diskLimitBytes),
    ]),
  ]);
}

/** `1.2g / 2g` (used / quota), `1.2g` without a quota, `- / 2g` when the use is not known, `-` when neither is. */
export function diskCell(used: number | undefined, limit: number | undefined): string {
  const u = used === undefined ? '-' : formatBytes(used);
  return limit === undefined ? u : `${u} / ${formatBytes(limit)}`;
}

/** Each host's capacity beside what its running instances use and promise. */
export function hostResourcesTable(list: readonly HostResources[]): string {
  return table([
    ['HOST', 'INSTANCES', 'CPU %', 'CPUS', 'MEM USED / LIMITS / TOTAL', 'MEM FREE', 'DISK FREE / TOTAL'],
    ...list.map((h) => {
      const c = h.capacity;
      return [
        h.name,
        String(h.instances),
        `${h.cpuPercent.toFixed(1)}%`,
        c ? String(c.cpus) : '-',
        `${formatBytes(h.memoryBytes)} / ${formatBytes(h.memoryLimitBytes)} / ${c ? formatBytes(c.memoryBytes) : '-'}`,
        c?.memoryAvailableBytes === undefined ? '-' : formatBytes(c.memoryAvailableBytes),
        c?.diskFreeBytes === undefined
          ? h.error
            ? `(${h.error})`
            : '-'
          : `${formatBytes(c.diskFreeBytes)} / ${formatBytes(c.diskTotalBytes ?? 0)}`,
      ];
    }),
  ]);
}

function pair(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? '-' : `${formatBytes(a)} / ${formatBytes(b)}`;
}
