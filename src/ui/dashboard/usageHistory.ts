import type { InstanceUsage } from '../../core/swarm.js';

/** One reading kept for a chart. */
export interface UsagePoint {
  readonly at: number;
  readonly cpuPercent: number;
  readonly memoryBytes: number;
}

/** How many readings a chart shows: at the default 10 s health interval, the last ten minutes. */
export const HISTORY_POINTS = 60;

/**
 * The last readings of each instance, for the dashboard's charts. It keeps
 * what the resource rounds already read (it asks nothing itself), skips a
 * reading it has seen, and forgets instances that are gone. Its owner is the
 * dashboard; nothing else writes it.
 */
export class UsageHistory {
  private readonly points = new Map<string, UsagePoint[]>();

  constructor(private readonly limit = HISTORY_POINTS) {}

  /** Takes the latest figures; `names` are the instances that still exist. */
  record(usage: ReadonlyMap<string, InstanceUsage>, names: ReadonlySet<string>): void {
    for (const name of [...this.points.keys()]) if (!names.has(name)) this.points.delete(name);
    for (const [name, u] of usage) {
      if (!names.has(name)) continue;
      const list = this.points.get(name) ?? [];
      if (list.length > 0 && list[list.length - 1]!.at >= u.sampledAt) continue;
      list.push({ at: u.sampledAt, cpuPercent: u.cpuPercent, memoryBytes: u.memoryBytes });
      if (list.length > this.limit) list.splice(0, list.length - this.limit);
      this.points.set(name, list);
    }
  }

  series(name: string): readonly UsagePoint[] {
    return this.points.get(name) ?? [];
  }
}
