import type * as vscode from 'vscode';
import type { EngineWatcher } from '../core/engineWatcher.js';
import { toSwarmError } from '../shared/errors.js';
import type { Swarm } from '../core/swarm.js';
import type { Logger } from './logger.js';
import type { Settings } from './model/settingsSchema.js';
import type { SwarmStateCache } from './swarmStateCache.js';

/** A view shown again after this long gets a fresh list at once. */
const STALE_AFTER_MS = 5_000;

/**
 * The only place that asks hosts on a timer. Listing (refresh) runs while the
 * tree or the dashboard is visible; health rounds run while one is or, for the
 * status bar, while the store has running instances; resource figures (stats
 * and host capacity) follow a health round only while one is visible. Nothing here runs on
 * activation: the first network call waits for the view or the first health
 * tick. A round never overlaps the previous one, so a slow host cannot pile
 * up calls (the core asks hosts in parallel, so it cannot freeze the others).
 */
/** What shows the swarm's figures. */
export type Viewer = 'tree' | 'dashboard';

export class Poller implements vscode.Disposable {
  private readonly viewers = new Set<Viewer>();
  private visible = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private checking: Promise<void> | undefined;
  private measuring: Promise<void> | undefined;
  private lastRefresh = 0;
  private disposed = false;
  private engines: EngineWatcher | undefined;
  private offHosts: (() => void) | undefined;

  constructor(
    private readonly swarm: Swarm,
    private readonly swarmState: SwarmStateCache,
    private readonly settings: () => Settings,
    private readonly log: Logger,
  ) {
    this.schedule();
  }

  /**
   * Whether a viewer (the tree, the dashboard) is on screen. Figures are read
   * while any is, and not at all while none is: a hidden dashboard costs nothing.
   */
  setViewVisible(visible: boolean, viewer: Viewer = 'tree'): void {
    if (visible) this.viewers.add(viewer);
    else this.viewers.delete(viewer);
    const any = this.viewers.size > 0;
    if (any === this.visible) return;
    this.visible = any;
    if (any && Date.now() - this.lastRefresh > STALE_AFTER_MS) void this.refreshNow();
    this.schedule();
  }

  /** Lists every host, then probes health, so a view that just opened fills in quickly. */
  refreshNow(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.watchEngines();
    this.refreshing = (async () => {
      try {
        this.lastRefresh = Date.now();
        await this.swarm.refresh();
        await this.healthNow();
        if (this.visible) void this.statsNow();
      } catch (e) {
        // Per-host failures are reflected as reachability by the core; this is the store or a bug.
        this.log.error(`Refresh failed: ${toSwarmError(e).oneLine()}`, e);
      } finally {
        this.refreshing = undefined;
        // Uptimes move even when nothing else does.
        void this.swarmState.reload();
      }
    })();
    return this.refreshing;
  }

  healthNow(): Promise<void> {
    if (this.checking) return this.checking;
    this.watchEngines();
    this.checking = this.swarm
      .healthRound()
      .then(
        () => undefined,
        (e: unknown) => this.log.error(`Health round failed: ${toSwarmError(e).oneLine()}`, e),
      )
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  /** One resource round (every running instance's use, every host's capacity); never two at a time. */
  statsNow(): Promise<void> {
    if (this.measuring) return this.measuring;
    this.measuring = this.swarm
      .resourceRound()
      .then(
        () => undefined,
        (e: unknown) => this.log.error(`Stats round failed: ${toSwarmError(e).oneLine()}`, e),
      )
      .finally(() => {
        this.measuring = undefined;
      });
    return this.measuring;
  }

  /** (Re)starts the timers from the current settings and visibility. */
  schedule(): void {
    this.clearTimers();
    if (this.disposed) return;
    const { refreshIntervalSeconds, healthIntervalSeconds, watchEngineEvents } = this.settings();
    if (!watchEngineEvents) this.stopWatching();
    // Turned back on: it starts with the next refresh or health round, which is network work anyway.
    if (this.visible && refreshIntervalSeconds > 0) {
      this.refreshTimer = setInterval(() => void this.refreshNow(), refreshIntervalSeconds * 1000);
    }
    if (healthIntervalSeconds > 0) {
      this.healthTimer = setInterval(() => this.healthTick(), healthIntervalSeconds * 1000);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimers();
    this.stopWatching();
  }

  /**
   * Opens the engines' event streams, on the first refresh or health round
   * (never on activation: that is the first moment the hosts are asked
   * anyway). An event lists that host again, so a container stopped, crashed
   * or removed outside Code Swarm shows at once, not at the next timed refresh.
   */
  private watchEngines(): void {
    if (this.disposed || this.engines || !this.settings().watchEngineEvents) return;
    const engines = this.swarm.engineWatcher({
      // A down host is shown by the refresh; here it is only retried.
      onError: (host, e) => this.log.debug(`Engine events of ${host}: ${toSwarmError(e).oneLine()}`),
      onOpen: (host) => this.log.debug(`Following the engine events of ${host}`),
    });
    const sync = () => void engines.sync().catch((e: unknown) => this.log.error('Could not follow the hosts list', e));
    this.engines = engines;
    // Once open, the streams follow hosts being added or removed, not every round.
    this.offHosts = this.swarm.on('hosts', sync);
    sync();
  }

  private stopWatching(): void {
    this.offHosts?.();
    this.offHosts = undefined;
    this.engines?.dispose();
    this.engines = undefined;
  }

  private healthTick(): void {
    if (this.refreshing) return;
    const { statusBarEnabled } = this.settings();
    const live = this.swarmState.current.instances.some((i) => i.state === 'running' || i.state === 'starting');
    if (!live || !(this.visible || statusBarEnabled)) return;
    // Figures nobody sees are not read: stats wait for the tree.
    void this.healthNow().then(() => (this.visible && !this.disposed ? this.statsNow() : undefined));
  }

  private clearTimers(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.refreshTimer = undefined;
    this.healthTimer = undefined;
  }
}
