import type { HostResources, InstanceUsage } from '../../core/swarm.js';
import { formatBytes, plural } from './format.js';

/** `3%` (whole percents from 10 up, one decimal below). */
export function formatPercent(p: number): string {
  return p >= 10 ? `${Math.round(p)}%` : `${Math.round(p * 10) / 10}%`;
}

/** `3% · 210 MiB/1 GiB`, and `disk 60%` where it has a quota: what a running instance's row adds to its description. */
export function usageShort(u: InstanceUsage): string {
  const limit = u.memoryLimitBytes === undefined ? '' : `/${formatBytes(u.memoryLimitBytes)}`;
  const full = diskFraction(u);
  const disk = full === undefined ? '' : ` · disk ${formatPercent(full * 100)}`;
  return `${formatPercent(u.cpuPercent)} · ${formatBytes(u.memoryBytes)}${limit}${disk}`;
}

/** `disk 1.2 GiB of 2 GiB (60%)`, `disk 350 MiB` without a quota; undefined when the use is not known. */
export function diskUseText(u: InstanceUsage): string | undefined {
  if (u.diskUsedBytes === undefined) return undefined;
  const full = diskFraction(u);
  const limit =
    u.diskLimitBytes === undefined || full === undefined ? '' : ` of ${formatBytes(u.diskLimitBytes)} (${formatPercent(full * 100)})`;
  return `disk ${formatBytes(u.diskUsedBytes)}${limit}`;
}

function diskFraction(u: InstanceUsage): number | undefined {
  return u.diskUsedBytes === undefined || !u.diskLimitBytes ? undefined : u.diskUsedBytes / u.diskLimitBytes;
}

/** Tooltip lines (Markdown list items) for an instance's figures. */
export function usageLines(u: InstanceUsage): string[] {
  const limit =
    u.memoryLimitBytes === undefined
      ? ''
      : ` of ${formatBytes(u.memoryLimitBytes)} (${formatPercent((u.memoryBytes / u.memoryLimitBytes) * 100)})`;
  const pids = u.pids === undefined ? '' : ` · ${plural(u.pids, 'process', 'processes')}`;
  // The time of the reading, not its age: an age would change the row's look every second.
  const at = new Date(u.sampledAt).toISOString().slice(11, 19);
  const disk = diskUseText(u);
  const lines = [
    `- Use: CPU ${formatPercent(u.cpuPercent)} · memory ${formatBytes(u.memoryBytes)}${limit}${pids}${disk ? ` · ${disk}` : ''} (at ${at} UTC)`,
  ];
  const io: string[] = [];
  if (u.netRxBytes !== undefined && u.netTxBytes !== undefined)
    io.push(`network in ${formatBytes(u.netRxBytes)}, out ${formatBytes(u.netTxBytes)}`);
  if (u.blockReadBytes !== undefined && u.blockWriteBytes !== undefined) {
    io.push(`disk read ${formatBytes(u.blockReadBytes)}, written ${formatBytes(u.blockWriteBytes)}`);
  }
  if (io.length > 0) lines.push(`- I/O since start: ${io.join(' · ')}`);
  return lines;
}

/** `2 CPUs · 20 GiB of 24 GiB memory free · 65 GiB disk free`: a host's room, for the tooltip and the host picker. */
export function capacityText(r: HostResources): string | undefined {
  const c = r.capacity;
  if (!c) return undefined;
  const memory =
    c.memoryAvailableBytes === undefined
      ? `${formatBytes(c.memoryBytes)} memory`
      : `${formatBytes(c.memoryAvailableBytes)} of ${formatBytes(c.memoryBytes)} memory free`;
  const disk = c.diskFreeBytes === undefined ? '' : ` · ${formatBytes(c.diskFreeBytes)} disk free`;
  return `${plural(c.cpus, 'CPU')} · ${memory}${disk}`;
}

/** Tooltip lines for a host's capacity beside what its instances use. */
export function hostResourceLines(r: HostResources): string[] {
  const lines: string[] = [];
  const capacity = capacityText(r);
  if (capacity) {
    const where = r.capacity?.diskLocation ? ` (disk: ${r.capacity.diskLocation})` : '';
    lines.push(`- Capacity: ${capacity}${where}`);
  } else if (r.error) {
    lines.push(`- Capacity: unknown (${r.error})`);
  }
  if (r.instances > 0) {
    lines.push(
      `- Its ${plural(r.instances, 'running instance')} use: CPU ${formatPercent(r.cpuPercent)} · memory ${formatBytes(r.memoryBytes)} (limits ${formatBytes(r.memoryLimitBytes)})`,
    );
  }
  return lines;
}
