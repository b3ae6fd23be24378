import type { EngineChange, EngineEvents, ObservedInstance, Provider } from '../providers/provider.js';
import { toSwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import type { BusyMarks } from './busyMarks.js';
import type { HealthMonitor } from './healthMonitor.js';
import type { ReachabilityTracker } from './reachabilityTracker.js';
import { reconcileHosts } from './reconcile.js';
import { requireHost } from './records.js';
import type { Store } from './store.js';

export interface RefresherOptions {
  readonly store: Store;
  readonly reachability: ReachabilityTracker;
  readonly health: HealthMonitor;
  readonly busy: BusyMarks;
  readonly providerOf: (host: HostRecord) => Provider;
  /** Something about these instances changed (undefined: any host's). */
  readonly changed: (host: string | undefined) => void;
}

/**
 * Keeps the store in line with what the hosts report: a refresh lists each
 * host once, and an engine's events tell when to list again.
 */
export class Refresher {
  constructor(private readonly opts: RefresherOptions) {}

  /** Asks every host (in parallel, one list call each), or only `hostName`, and brings the store in line. */
  async refresh(hostName?: string): Promise<void> {
    const { store, reachability } = this.opts;
    const file = await store.read();
    const hosts = file.hosts.filter((h) => hostName === undefined || h.name === hostName);
    if (hostName !== undefined && hosts.length === 0) await requireHost(store, hostName);
    const results = await Promise.all(
      hosts.map(async (h): Promise<{ host: HostRecord; observed: ObservedInstance[] | undefined }> => {
        try {
          const observed = await this.opts.providerOf(h).list();
          reachability.listed(h.name);
          return { host: h, observed };
        } catch (e) {
          reachability.failed(h.name, toSwarmError(e));
          return { host: h, observed: undefined };
        }
      }),
    );
    for (const r of results) this.opts.health.noteListed(r.observed ?? []);
    const reachable = results.filter((r) => r.observed !== undefined);
    // Most refreshes change nothing: check against the latest read first
    // and take the write lock (and its fsyncs) only when there is news.
    if (reachable.length > 0 && reconcileHosts(await store.read(), reachable, true)) {
      const changed = await store.update((draft) => reconcileHosts(draft, reachable, false));
      if (changed) this.opts.changed(hostName);
    }
  }

  /**
   * Subscribes to a host engine's events (undefined when its provider has
   * none; its instances are then only seen by refresh). Changes to an
   * instance under an operation of this Swarm are left out: the operation
   * reports its own outcome (see BusyMarks).
   */
  async watch(hostName: string, onChange: (change: EngineChange) => void): Promise<EngineEvents | undefined> {
    const provider = this.opts.providerOf(await requireHost(this.opts.store, hostName));
    if (!provider.watch) return undefined;
    return provider.watch((c) => {
      if (!this.opts.busy.covers(c)) onChange(c);
    });
  }
}
