import type { Swarm } from '../core/swarm.js';
import type { Dashboard } from './dashboard/dashboardPanel.js';
import type { Logger } from './logger.js';
import type { LogStreams } from './logStreams.js';
import type { Settings } from './model/settingsSchema.js';
import type { Poller } from './poller.js';
import type { SwarmStateCache } from './swarmStateCache.js';
import type { TreeFilter } from './treeFilter.js';
import type { TunnelRegistry } from './tunnelRegistry.js';

/** Everything a command handler may use; built once in registerUi(), no globals. */
export interface Services {
  readonly swarm: Swarm;
  readonly swarmState: SwarmStateCache;
  readonly poller: Poller;
  readonly tunnels: TunnelRegistry;
  readonly logStreams: LogStreams;
  readonly log: Logger;
  readonly dashboard: Dashboard;
  /** Read on each call, so setting changes apply at once. */
  readonly settings: () => Settings;
  /** What the tree shows (Filter Instances). */
  readonly treeFilter: TreeFilter;
}
