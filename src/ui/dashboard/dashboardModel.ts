import type { InstanceView } from '../../core/views.js';
import { formatIdleTimeout } from '../../core/idleTimeout.js';
import { idleCountdown, instanceStatusText } from '../model/describeInstance.js';
import { capacityText, formatPercent, usageShort } from '../model/describeUsage.js';
import { formatBytes, plural } from '../model/format.js';
import type { SwarmState } from '../swarmStateCache.js';
import type { UsageHistory } from './usageHistory.js';

/** An action the dashboard offers on an instance: the tree's command of the same verb. */
export const DASHBOARD_ACTIONS = ['open', 'start', 'stop', 'restart', 'delete'] as const;
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];

/** What each action runs, and the states it applies to (as the tree's menus). */
export const ACTION_COMMANDS: {
  readonly [A in DashboardAction]: { readonly command: string; readonly when: (v: InstanceView) => boolean };
} = {
  // Open wakes a stopped instance (docs/IDLE.md), as in the tree.
  open: { command: 'codeSwarm.openInstance', when: (v) => v.state === 'running' || v.state === 'stopped' },
  start: { command: 'codeSwarm.startInstance', when: (v) => v.state === 'stopped' || v.state === 'failed' || v.state === 'created' },
  stop: { command: 'codeSwarm.stopInstance', when: (v) => v.state === 'running' || v.state === 'starting' },
  restart: { command: 'codeSwarm.restartInstance', when: (v) => v.state === 'running' },
  delete: { command: 'codeSwarm.deleteInstance', when: () => true },
};

export interface DashboardHost {
  readonly name: string;
  readonly provider: string;
  readonly reachability: 'unknown' | 'up' | 'down';
  /** `2 CPUs · 20 GiB of 24 GiB memory free · 65 GiB disk free`, when known. */
  readonly capacity: string;
  /** What its running instances use together, when any runs. */
  readonly use: string;
  readonly instances: number;
}

export interface DashboardInstance {
  readonly name: string;
  readonly host: string;
  readonly state: string;
  readonly health: string;
  /** `running · healthy · up 5m`. */
  readonly status: string;
  /** `3% · 210 MiB/1 GiB`, or empty when not running or not read yet. */
  readonly use: string;
  /** Its idle timeout and countdown: `30m · idle, stops in 12m`, `30m · active`, `off`. */
  readonly idle: string;
  /** CPU percent of one CPU, oldest first. */
  readonly cpu: readonly number[];
  /** Memory used as a fraction (0–1) of the limit, oldest first. */
  readonly memory: readonly number[];
  /** The ceiling of the CPU chart: the instance's CPUs × 100. */
  readonly cpuMax: number;
  readonly actions: readonly DashboardAction[];
}

export interface DashboardData {
  readonly loaded: boolean;
  readonly hosts: readonly DashboardHost[];
  readonly instances: readonly DashboardInstance[];
  /** `3 hosts · 5 instances, 4 running`. */
  readonly summary: string;
}

/** The swarm as the dashboard draws it: plain data, posted to the webview as JSON. */
export function dashboardModel(state: SwarmState, history: UsageHistory, now: number): DashboardData {
  const hostDown = new Set(state.hosts.filter((h) => h.reachability === 'down').map((h) => h.name));
  const hosts = state.hosts.map((h): DashboardHost => {
    const r = h.reachability === 'down' ? undefined : state.resources.get(h.name);
    const use =
      r && r.instances > 0
        ? `${plural(r.instances, 'running instance')}: CPU ${formatPercent(r.cpuPercent)} · ${formatBytes(r.memoryBytes)}`
        : '';
    return {
      name: h.name,
      provider: h.provider,
      reachability: h.reachability,
      capacity: (r && capacityText(r)) ?? '',
      use,
      instances: state.instances.filter((i) => i.host === h.name).length,
    };
  });
  const instances = state.instances.map((v): DashboardInstance => {
    const down = hostDown.has(v.host);
    const usage = v.state === 'running' && !down ? state.usage.get(v.name) : undefined;
    const points = history.series(v.name);
    const limit = usage?.memoryLimitBytes ?? v.memoryBytes;
    return {
      name: v.name,
      host: v.host,
      state: v.state,
      health: down ? 'unreachable' : v.health,
      status: instanceStatusText(v, now, down),
      use: usage ? usageShort(usage) : '',
      idle: idleText(v, now),
      cpu: points.map((p) => p.cpuPercent),
      memory: points.map((p) => (limit > 0 ? Math.min(1, p.memoryBytes / limit) : 0)),
      cpuMax: Math.max(100, v.cpus * 100),
      actions: DASHBOARD_ACTIONS.filter((a) => ACTION_COMMANDS[a].when(v)),
    };
  });
  const running = state.instances.filter((i) => i.state === 'running').length;
  return {
    loaded: state.loaded,
    hosts,
    instances,
    summary: `${plural(hosts.length, 'host')} · ${plural(instances.length, 'instance')}, ${running} running`,
  };
}

function idleText(v: InstanceView, now: number): string {
  if (v.idleTimeoutSeconds === undefined) return 'off';
  const countdown = v.state === 'running' ? idleCountdown(v, now) : undefined;
  return [formatIdleTimeout(v.idleTimeoutSeconds), ...(countdown ? [countdown] : [])].join(' · ');
}
