import type { HostCapacity, InstanceStats, Provider } from '../providers/provider.js';
import { toSwarmError } from '../shared/errors.js';
import type { HostRecord, InstanceRecord } from '../shared/model.js';
import { TypedEmitter } from '../shared/typedEmitter.js';
import { DiskUsageCache } from './diskUsageCache.js';
import { refOf, requireHost, requireInstance } from './records.js';
import type { Store } from './store.js';

/** One instance's figures, as `code-swarm stats` prints them and the tree shows them. */
export interface InstanceUsage extends InstanceStats {
  readonly name: string;
  readonly host: string;
  /** When it was read (ms since the epoch). */
  readonly sampledAt: number;
  /** The size it is held to (`--disk`): its record says, not the engine. */
  readonly diskLimitBytes?: number;
}

export interface UsageFailure {
  readonly name: string;
  readonly host: string;
  readonly error: string;
}

/** A host's capacity beside what its running instances use. */
export interface HostResources {
  readonly name: string;
  /** Undefined when the engine cannot tell, or the host could not be asked. */
  readonly capacity: HostCapacity | undefined;
  /** Its running instances (the store's word). */
  readonly instances: number;
  /** Sums over its running instances' last figures (those not read yet count as 0). */
  readonly cpuPercent: number;
  readonly memoryBytes: number;
  /** What the memory limits of its running instances promise, together. */
  readonly memoryLimitBytes: number;
  readonly error?: string;
}

export interface ResourceMonitorDeps {
  readonly store: Store;
  readonly providerOf: (host: HostRecord) => Provider;
  /** A host known to be down is not asked: its calls would only wait for the timeout. */
  readonly isDown: (host: string) => boolean;
  /** The clock the disk readings are timed by (tests pass their own). */
  readonly now?: () => number;
}

interface ResourceEvents {
  /** New figures were read. */
  changed: [];
}

/** Instances sampled at once on one host: stats calls wait for the engine's second sample, so they overlap well, but not unboundedly. */
const PER_HOST = 4;

/**
 * Reads instances' resource use and hosts' capacity on demand, and keeps the
 * last figures: it is their only writer. It has no timer of its own; the
 * extension's Poller decides when a round runs, the CLI asks once.
 */
export class ResourceMonitor extends TypedEmitter<ResourceEvents> {
  private readonly usage = new Map<string, InstanceUsage>();
  private readonly hostFigures = new Map<string, HostResources>();
  private readonly disk: DiskUsageCache;

  constructor(private readonly deps: ResourceMonitorDeps) {
    super();
    this.disk = new DiskUsageCache(deps.now);
  }

  /** The last figures of each instance, by name. */
  get latestUsage(): ReadonlyMap<string, InstanceUsage> {
    return this.usage;
  }

  /** The last capacity and totals of each host, by name. */
  get latestHosts(): ReadonlyMap<string, HostResources> {
    return this.hostFigures;
  }

  /** One instance, whatever its state (a stopped one reads as idle): errors are thrown. Its disk use is read even without a quota: it was asked for by name. */
  async instance(name: string): Promise<InstanceUsage> {
    const rec = await requireInstance(this.deps.store, name);
    const usage = await this.sample(rec, await requireHost(this.deps.store, rec.host), true);
    this.usage.set(rec.name, usage);
    return usage;
  }

  /** Every running instance (of one host): what could be read, and why the others could not. */
  async running(hostName?: string): Promise<{ usage: InstanceUsage[]; failures: UsageFailure[] }> {
    if (hostName !== undefined) await requireHost(this.deps.store, hostName);
    const file = await this.deps.store.read();
    const usage: InstanceUsage[] = [];
    const failures: UsageFailure[] = [];
    const hosts = file.hosts.filter((h) => (hostName === undefined || h.name === hostName) && !this.deps.isDown(h.name));
    await Promise.all(
      hosts.map(async (host) => {
        const live = file.instances.filter((i) => i.host === host.name && i.state === 'running');
        await eachLimited(live, PER_HOST, async (rec) => {
          try {
            usage.push(await this.sample(rec, host, false));
          } catch (e) {
            failures.push({ name: rec.name, host: host.name, error: toSwarmError(e).oneLine() });
          }
        });
      }),
    );
    this.remember(usage, hostName, file.instances);
    usage.sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
    return { usage, failures };
  }

  /** Each host's capacity (asked in parallel) beside the totals of the figures last read. */
  async hosts(hostName?: string): Promise<HostResources[]> {
    const file = await this.deps.store.read();
    const all = file.hosts;
    const hosts = hostName === undefined ? all : [await requireHost(this.deps.store, hostName)];
    const out = await Promise.all(hosts.map((h) => this.hostResources(h, file.instances)));
    for (const r of out) this.hostFigures.set(r.name, r);
    for (const name of [...this.hostFigures.keys()]) if (!all.some((h) => h.name === name)) this.hostFigures.delete(name);
    return out;
  }

  /** Every running instance, then every host: what the extension's stats round runs. */
  async round(): Promise<void> {
    await this.running();
    await this.hosts();
    this.emit('changed');
  }

  dispose(): void {
    this.removeAllListeners();
  }

  /**
   * The engine's figures, and the disk use where the engine tells it only at
   * a cost: then for an instance with a quota (or one asked for by name),
   * from the cache that asks at most once a minute. Read beside the stats
   * call, which waits a second for its sample anyway.
   */
  private async sample(rec: InstanceRecord, host: HostRecord, byName: boolean): Promise<InstanceUsage> {
    const provider = this.deps.providerOf(host);
    const ref = refOf(rec);
    const diskUsage = provider.diskUsage?.bind(provider);
    const costly = diskUsage && (byName || rec.diskBytes !== undefined) ? this.disk.read(rec.name, () => diskUsage(ref)) : undefined;
    const [stats, diskUsed] = await Promise.all([provider.stats(ref), costly]);
    return {
      name: rec.name,
      host: rec.host,
      sampledAt: Date.now(),
      ...stats,
      ...(stats.diskUsedBytes === undefined && diskUsed !== undefined ? { diskUsedBytes: diskUsed } : {}),
      ...(rec.diskBytes !== undefined ? { diskLimitBytes: rec.diskBytes } : {}),
    };
  }

  /** Keeps the new figures; instances that stopped or went away lose theirs. */
  private remember(usage: readonly InstanceUsage[], hostName: string | undefined, records: readonly InstanceRecord[]): void {
    for (const [name, u] of [...this.usage]) {
      if (hostName !== undefined && u.host !== hostName) continue;
      if (!records.some((r) => r.name === name && r.state === 'running')) this.usage.delete(name);
    }
    for (const u of usage) this.usage.set(u.name, u);
    this.disk.prune((name) => records.some((r) => r.name === name && r.state === 'running'));
  }

  private async hostResources(host: HostRecord, records: readonly InstanceRecord[]): Promise<HostResources> {
    // What runs and what it was promised come from the store, so they hold before any instance was sampled.
    const running = records.filter((r) => r.host === host.name && r.state === 'running');
    const mine = running.flatMap((r) => this.usage.get(r.name) ?? []);
    const totals = {
      name: host.name,
      instances: running.length,
      cpuPercent: mine.reduce((s, u) => s + u.cpuPercent, 0),
      memoryBytes: mine.reduce((s, u) => s + u.memoryBytes, 0),
      memoryLimitBytes: running.reduce((s, r) => s + r.memoryBytes, 0),
    };
    const provider = this.deps.isDown(host.name) ? undefined : this.deps.providerOf(host);
    if (!provider?.capacity) return { ...totals, capacity: this.hostFigures.get(host.name)?.capacity };
    try {
      return { ...totals, capacity: await provider.capacity() };
    } catch (e) {
      return { ...totals, capacity: undefined, error: toSwarmError(e).oneLine() };
    }
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
