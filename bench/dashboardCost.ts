import { performance } from 'node:perf_hooks';
import type { InstanceUsage, Swarm } from '../src/core/swarm.js';
import { dashboardModel } from '../src/ui/dashboard/dashboardModel.js';
import { HISTORY_POINTS, UsageHistory } from '../src/ui/dashboard/usageHistory.js';
import type { SwarmState } from '../src/ui/swarmStateCache.js';
import { median } from './median.js';

/**
 * What the open dashboard adds to a round beyond the rounds the tree runs as
 * well: taking the figures into its history, building its model and the JSON
 * posted to the page, for every instance of the fleet, with every chart full.
 * Hidden, it only takes the figures into its history (no model, no page):
 * `hiddenMs`. Closed, it holds nothing.
 */
export async function dashboardRoundMs(swarm: Swarm, rounds = 20): Promise<{ openMs: number; hiddenMs: number }> {
  const [hosts, instances] = await Promise.all([swarm.hosts(), swarm.views()]);
  const names = new Set(instances.map((i) => i.name));
  const history = new UsageHistory();
  const usageAt = (at: number): Map<string, InstanceUsage> =>
    new Map(
      instances.map((i, n) => [
        i.name,
        { name: i.name, host: i.host, sampledAt: at, cpuPercent: (n + at) % 100, memoryBytes: 200 * 2 ** 20, memoryLimitBytes: 2 ** 30 },
      ]),
    );
  // Full charts first: the steady state of a dashboard open for ten minutes.
  for (let t = 1; t <= HISTORY_POINTS; t++) history.record(usageAt(t), names);
  const samples: number[] = [];
  const hidden: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const usage = usageAt(HISTORY_POINTS + 2 * r);
    const state: SwarmState = { hosts, instances, loaded: true, usage, resources: new Map() };
    let t0 = performance.now();
    history.record(usage, names);
    JSON.stringify({ data: dashboardModel(state, history, Date.now()) });
    samples.push(performance.now() - t0);
    const next = usageAt(HISTORY_POINTS + 2 * r + 1);
    t0 = performance.now();
    history.record(next, names);
    hidden.push(performance.now() - t0);
  }
  return { openMs: median(samples), hiddenMs: median(hidden) };
}
