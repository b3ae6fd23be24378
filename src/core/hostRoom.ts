import type { HostResources } from './resourceMonitor.js';

/** Below this much free disk a host cannot take another instance, whatever its memory. */
const MIN_DISK_BYTES = 2 * 1024 ** 3;

/**
 * Memory a new instance could still get on the host: what is free now, and no
 * more than what the limits of the instances already there leave unpromised.
 * Undefined when the host's capacity is unknown; 0 when its disk is full.
 */
export function roomOf(r: HostResources): number | undefined {
  const c = r.capacity;
  if (!c) return undefined;
  if (c.diskFreeBytes !== undefined && c.diskFreeBytes < MIN_DISK_BYTES) return 0;
  const unpromised = Math.max(0, c.memoryBytes - r.memoryLimitBytes);
  return Math.min(unpromised, c.memoryAvailableBytes ?? unpromised);
}

/** The host names by room, most first; hosts of unknown room last, in their given order. Disk free breaks ties. */
export function rankByRoom(hosts: readonly HostResources[]): string[] {
  const known = hosts.filter((h) => roomOf(h) !== undefined);
  const unknown = hosts.filter((h) => roomOf(h) === undefined);
  known.sort((a, b) => roomOf(b)! - roomOf(a)! || (b.capacity?.diskFreeBytes ?? 0) - (a.capacity?.diskFreeBytes ?? 0));
  return [...known, ...unknown].map((h) => h.name);
}
