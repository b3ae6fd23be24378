/** Arithmetic both engines' stats share: CPU percent from counters, and host figures from text. */

/**
 * CPU percent of ONE CPU from two samples of cumulative counters, as `docker
 * stats` computes it: the instance's share of the host's time, scaled by the
 * host's CPUs. Counters that went backwards (a restart between the samples)
 * or no elapsed time give 0, never a negative or infinite figure.
 */
export function cpuPercentFromDeltas(usageDelta: number, systemDelta: number, onlineCpus: number): number {
  if (!(usageDelta > 0) || !(systemDelta > 0) || !(onlineCpus > 0)) return 0;
  return finite((usageDelta / systemDelta) * onlineCpus * 100);
}

/** CPU percent of ONE CPU from nanoseconds of CPU used over nanoseconds of wall time. */
export function cpuPercentOverTime(usageNs: number, elapsedNs: number): number {
  if (!(usageNs > 0) || !(elapsedNs > 0)) return 0;
  return finite((usageNs / elapsedNs) * 100);
}

/** The first file system `df -Pk PATH…` printed: free and total bytes, or undefined when it printed none. */
export function parseDfOutput(stdout: string): { freeBytes: number; totalBytes: number } | undefined {
  // Filesystem 1024-blocks Used Available Capacity Mounted-on: names on either side may hold spaces, the four figures cannot.
  const m = /\s(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s/.exec(stdout.split('\n').slice(1).join('\n'));
  if (!m) return undefined;
  return { totalBytes: Number(m[1]) * 1024, freeBytes: Number(m[3]) * 1024 };
}

/** `MemAvailable` of /proc/meminfo in bytes, or undefined (old kernels, other systems). */
export function parseMemAvailable(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s*kB$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}
