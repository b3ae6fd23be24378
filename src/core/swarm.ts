import type { Readable } from 'node:stream';
import type { ClusterNode, EngineChange, EngineEvents, Provider, Snapshot } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord, InstanceRecord } from '../shared/model.js';
import { TypedEmitter } from '../shared/typedEmitter.js';
import type { UnknownHostKey } from '../transport/sshTypes.js';
import { BusyMarks } from './busyMarks.js';
import { clusterNodes, setNodeAvailability, type ClusterNodeContext } from './clusterNodes.js';
import { EngineWatcher, type EngineWatcherOptions } from './engineWatcher.js';
import type { AddHostInput } from './hostAdmin.js';
import type { DoctorReport, FixStep } from './hostDoctor.js';
import type { HostAccess } from './hostRegistry.js';
import { DEFAULT_IMAGE, type CreateInput, type OperationOptions } from './instanceLifecycle.js';
import { openTunnel, type Tunnel } from './openTunnel.js';
import { ReachabilityTracker } from './reachabilityTracker.js';
import { renameInstance } from './instanceRename.js';
import { refOf, requireHost, requireInstance } from './records.js';
import type { HostResources, InstanceUsage, UsageFailure } from './resourceMonitor.js';
import type { Store } from './store.js';
import { wireSwarm, type SwarmOptions, type SwarmParts } from './swarmWiring.js';
import type { HealthReport, HealthSample, HostTestResult, HostView, InstanceView } from './views.js';

export { DEFAULT_CPUS, DEFAULT_IMAGE, DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT } from './instanceLifecycle.js';
export type { CreateInput, OperationOptions } from './instanceLifecycle.js';
export type { AddHostInput } from './hostAdmin.js';
export type { SwarmOptions } from './swarmWiring.js';
export type { UpkeepTask } from './hostUpkeep.js';
export type { IdleActivity } from './idleMonitor.js';
export type { HostResources, InstanceUsage, UsageFailure } from './resourceMonitor.js';
export type { DoctorReport, FixStep } from './hostDoctor.js';
export type { Finding, Severity } from '../providers/hostCheck.js';
export type { ClusterNode } from '../providers/provider.js';

interface SwarmEvents {
  /** Something about these instances changed (state, health, added, removed). */
  instances: [host: string | undefined];
  /** A host's reachability or details changed. */
  hosts: [];
  /** A resource round read new figures (resourceRound). */
  resources: [];
}

/**
 * The one service the CLI and the extension talk to. It owns the hosts'
 * links (one per host) and raises events when instances or hosts change;
 * the work is done by the pieces it wires together, each the only writer of
 * its own state: host reachability, health, busy marks and trusted keys.
 */
export class Swarm extends TypedEmitter<SwarmEvents> {
  private readonly reachability = new ReachabilityTracker();
  private readonly busy = new BusyMarks();
  private readonly parts: SwarmParts;

  constructor(private readonly opts: SwarmOptions) {
    super();
    this.parts = wireSwarm(opts, {
      reachability: this.reachability,
      busy: this.busy,
      instancesChanged: (host) => this.emit('instances', host),
      hostsChanged: () => this.emit('hosts'),
      reconnect: (name) => this.reconnectHost(name),
    });
    this.parts.resources.on('changed', () => this.emit('resources'));
    this.reachability.on('hosts', () => this.emit('hosts'));
    this.reachability.on('instances', (host) => this.emit('instances', host));
  }

  get store(): Store {
    return this.opts.store;
  }

  // ------------------------------------------------------------- hosts --

  async hosts(): Promise<HostView[]> {
    const file = await this.opts.store.read();
    return file.hosts.map((h) => this.reachability.viewOf(h, file.instances.filter((i) => i.host === h.name).length));
  }

  addHost(input: AddHostInput, options: { onUnknownHostKey?: (key: UnknownHostKey) => boolean } = {}): Promise<HostView> {
    return this.parts.admin.add(input, options);
  }

  /** Persists a host key the user accepted after a `host-key-unknown` error. */
  trustHostKey(key: UnknownHostKey): Promise<void> {
    return this.parts.admin.trust(key);
  }

  testHost(name: string): Promise<HostTestResult> {
    return this.parts.admin.test(name);
  }

  removeHost(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.parts.admin.remove(name, options);
  }

  /**
   * The host doctor's report: every check at once (SSH, system, engine).
   * `image` is the one instances will be made from (default: the swarm's default image).
   */
  checkHost(name: string, options: { image?: string } = {}): Promise<DoctorReport> {
    return this.parts.doctor.check(name, { image: options.image ?? this.opts.defaults?.image ?? DEFAULT_IMAGE });
  }

  /** The doctor's report on a host before it is saved (the Add Host wizard shows it), on a connection of its own. */
  checkNewHost(
    input: AddHostInput,
    options: { image?: string; onUnknownHostKey?: (key: UnknownHostKey) => boolean } = {},
  ): Promise<DoctorReport> {
    const image = options.image ?? this.opts.defaults?.image ?? DEFAULT_IMAGE;
    return this.withProbe(input, options, (record, access) => this.parts.doctor.checkWith(record, access, { image }));
  }

  /** Applies a new host's fixes (as checkNewHost listed them) on a connection of its own; the add that follows logs in anew. */
  fixNewHost(
    input: AddHostInput,
    findings: DoctorReport['findings'],
    onStep: (step: FixStep) => void = () => undefined,
  ): Promise<FixStep[]> {
    return this.withProbe(input, {}, (_record, access) => this.parts.doctor.fixWith(access.link, findings, onStep, undefined));
  }

  /** Applies the fixes `findings` list (as the user saw them), then reopens the connection if groups changed. */
  fixHost(name: string, findings: DoctorReport['findings'], onStep?: (step: FixStep) => void): Promise<FixStep[]> {
    return this.parts.doctor.fix(name, findings, onStep);
  }

  /**
   * Closes the host's persistent connection; the next call logs in anew
   * (and so gets group memberships granted since the last login).
   */
  reconnectHost(name: string): void {
    this.reachability.forget(name);
    this.parts.registry.forget(name);
    this.emit('hosts');
  }

  /** A swarm host's nodes (empty for other hosts). */
  clusterNodes(hostName: string): Promise<ClusterNode[]> {
    return clusterNodes(this.nodeContext, hostName);
  }

  /** Drains a swarm node or makes it active; draining one that runs instances is refused unless `force` (see clusterNodes.ts). */
  setNodeAvailability(hostName: string, node: string, availability: 'active' | 'drain', options: { force?: boolean } = {}): Promise<void> {
    return setNodeAvailability(this.nodeContext, hostName, node, availability, options);
  }

  // --------------------------------------------------------- instances --

  /** Asks every host (in parallel, one list call each) and brings the store in line. */
  async refresh(hostName?: string): Promise<InstanceView[]> {
    await this.parts.refresher.refresh(hostName);
    await this.parts.idle.explainStops(hostName);
    return this.views(hostName);
  }

  /**
   * Subscribes to a host engine's events (undefined when its provider has
   * none; its instances are then only seen by refresh). Changes to an
   * instance this Swarm is operating on are left out: the operation reports
   * its own outcome, and a list in the middle of it would show a passing
   * state (a container being deleted as missing).
   */
  watchEngine(hostName: string, onChange: (change: EngineChange) => void): Promise<EngineEvents | undefined> {
    return this.parts.refresher.watch(hostName, onChange);
  }

  /**
   * An EngineWatcher over this Swarm's hosts: each burst of a host engine's
   * events lists that host (refresh). sync() starts it, and follows the
   * hosts when called again; dispose() stops it.
   */
  engineWatcher(
    options: Omit<EngineWatcherOptions, 'hosts' | 'watch' | 'onChanged'> & {
      /** Only this host (it must exist); default every host in the store. */
      host?: string;
      onListed?: (host: string, views: InstanceView[]) => void;
    } = {},
  ): EngineWatcher {
    const { onListed, host: only, ...rest } = options;
    return new EngineWatcher({
      ...rest,
      hosts: async () => (await this.opts.store.read()).hosts.map((h) => h.name).filter((h) => only === undefined || h === only),
      watch: (host, onChange) => this.watchEngine(host, onChange),
      onChanged: async (host) => {
        const views = await this.refresh(host);
        onListed?.(host, views);
      },
    });
  }

  /** Views from the store and the last health round, without asking the hosts. */
  async views(hostName?: string): Promise<InstanceView[]> {
    const file = await this.opts.store.read();
    return file.instances
      .filter((i) => hostName === undefined || i.host === hostName)
      .map((i) => this.viewOf(i))
      .sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
  }

  create(input: CreateInput, options: OperationOptions = {}): Promise<InstanceView> {
    return this.parts.lifecycle.create(input, options);
  }

  start(name: string): Promise<InstanceView> {
    return this.parts.lifecycle.start(name);
  }

  /** A new idle timeout (`30m`, `2h`, `off`); see docs/IDLE.md for what it costs per engine. */
  setIdleTimeout(name: string, duration: string): Promise<InstanceView> {
    return this.parts.lifecycle.setIdleTimeout(name, duration);
  }

  stop(name: string): Promise<InstanceView> {
    return this.parts.lifecycle.stop(name);
  }

  restart(name: string): Promise<InstanceView> {
    return this.parts.lifecycle.restart(name);
  }

  delete(name: string, options: { purge?: boolean } = {}): Promise<void> {
    return this.parts.lifecycle.delete(name, options);
  }

  /** Renames an instance; it keeps its id, password, workspace and engine objects (core/instanceRename.ts). */
  async rename(oldName: string, newName: string): Promise<InstanceView> {
    const rec = await renameInstance(this.opts.store, this.busy, oldName, newName);
    this.emit('instances', rec.host);
    return this.parts.health.viewOf(rec);
  }

  async password(name: string): Promise<string> {
    const rec = await requireInstance(this.opts.store, name);
    const pw = await this.parts.secrets.password(rec.id);
    if (pw === undefined) {
      throw new SwarmError(`No password is stored for ${name}`, {
        code: 'not-found',
        hint: 'It was created by another Code Swarm store; recreate it to get a password you hold',
      });
    }
    return pw;
  }

  async logs(name: string, options: { tail?: number; follow?: boolean; signal?: AbortSignal } = {}): Promise<Readable> {
    const rec = await requireInstance(this.opts.store, name);
    return (await this.providerOfInstanceHost(rec.host)).logs(refOf(rec), options);
  }

  /** One instance's resource use now (a stopped one reads as idle). */
  stats(name: string): Promise<InstanceUsage> {
    return this.parts.resources.instance(name);
  }

  /** Every running instance's resource use (of one host), hosts in parallel; what failed is said, not thrown. */
  statsAll(hostName?: string): Promise<{ usage: InstanceUsage[]; failures: UsageFailure[] }> {
    return this.parts.resources.running(hostName);
  }

  /** Each host's CPUs, memory and disk room beside its instances' last figures. */
  hostResources(hostName?: string): Promise<HostResources[]> {
    return this.parts.resources.hosts(hostName);
  }

  /** Reads every running instance's use and every host's capacity; raises `resources`. */
  resourceRound(): Promise<void> {
    return this.parts.resources.round();
  }

  /** The figures of the last reads, without asking the hosts. */
  get latestResources(): { usage: ReadonlyMap<string, InstanceUsage>; hosts: ReadonlyMap<string, HostResources> } {
    return { usage: this.parts.resources.latestUsage, hosts: this.parts.resources.latestHosts };
  }

  snapshot(name: string, label?: string): Promise<Snapshot> {
    return this.parts.snapshots.take(name, label);
  }

  snapshots(name: string): Promise<Snapshot[]> {
    return this.parts.snapshots.list(name);
  }

  restore(name: string, snapshot: string): Promise<InstanceView> {
    return this.parts.snapshots.restore(name, snapshot);
  }

  deleteSnapshot(name: string, snapshot: string): Promise<void> {
    return this.parts.snapshots.delete(name, snapshot);
  }

  /** Builds a built instance's image again and runs it, keeping its workspace and password. */
  rebuild(name: string, options: OperationOptions = {}): Promise<InstanceView> {
    return this.parts.rebuild.rebuild(name, options);
  }

  // ------------------------------------------------------------ health --

  async checkHealth(name: string): Promise<HealthReport> {
    const sample = await this.parts.health.probe(await requireInstance(this.opts.store, name));
    return { name, health: sample.health, httpStatus: sample.httpStatus, latencyMs: sample.latencyMs ?? 0 };
  }

  /**
   * Probes every running instance, all hosts in parallel; then reads the
   * heartbeat of those with an idle timeout (and stops the ones due whose
   * code-server cannot stop itself).
   */
  async healthRound(): Promise<Map<string, HealthSample>> {
    const samples = await this.parts.health.round();
    await this.parts.idle.round();
    return samples;
  }

  /** Reads the heartbeat of the instances with an idle timeout, and stops the due ones Code Swarm enforces. */
  idleRound(): Promise<void> {
    return this.parts.idle.round();
  }

  /** Polls health until healthy, or throws after the deadline. */
  waitHealthy(name: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<InstanceView> {
    return this.parts.health.waitHealthy(name, options);
  }

  /**
   * A local tunnel that logs the browser in by itself; close it when done (see
   * openTunnel). A stopped instance is started first and waited for, so Open
   * wakes one its idle timeout stopped.
   */
  async openTunnel(name: string, options: { port?: number } = {}): Promise<Tunnel> {
    const rec = await requireInstance(this.opts.store, name);
    if (rec.state === 'stopped' || rec.state === 'created') {
      await this.parts.lifecycle.start(name);
      await this.parts.health.waitHealthy(name, { timeoutMs: 120_000 });
    }
    const tunnel = await openTunnel(this.parts.tunnels, name, options);
    this.parts.idle.noteTunnel(rec.id, tunnel);
    return tunnel;
  }

  /** An instance as shown: its record, health, start time and, while it runs with an idle timeout, its activity. */
  private viewOf(r: InstanceRecord): InstanceView {
    const view = this.parts.health.viewOf(r);
    const idle = r.state === 'running' ? this.parts.idle.activityOf(r.id) : undefined;
    return idle ? { ...view, idle } : view;
  }

  /**
   * Resolves once the host's background work (a swarm host's refill, which
   * starts once a create's instance is healthy) is done: what keeps the
   * bench's rounds apart.
   */
  settled(hostName: string): Promise<void> {
    return this.parts.registry.settle(hostName);
  }

  /**
   * Tops a host's ready slots up from this image (the CLI's detached child
   * that a create handed its refill to); nothing for a host that keeps none.
   */
  async topUp(hostName: string, image: string): Promise<void> {
    const host = await requireHost(this.opts.store, hostName);
    const { storeId } = await this.opts.store.read();
    const provider = this.parts.accessOf(host).provider;
    try {
      await provider.topUp?.(storeId, image);
    } finally {
      // A `hosts remove` meanwhile swept before this slot was done (it drops
      // the host from the store first, then sweeps): what this made goes too.
      if (!(await this.opts.store.read()).hosts.some((h) => h.name === hostName)) await provider.releaseIdle?.(storeId);
    }
  }

  /**
   * Stops everything; resolves once each host's background work (a swarm
   * host's refill) is done and its link closed. Once: a second call gets the first's.
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.parts.resources.dispose();
      this.reachability.dispose();
      this.removeAllListeners();
      this.parts.upkeep.dispose();
      await this.parts.registry.dispose();
    })();
    return this.disposing;
  }
  private disposing: Promise<void> | undefined;

  private async withProbe<T>(
    input: AddHostInput,
    options: { onUnknownHostKey?: (key: UnknownHostKey) => boolean },
    use: (record: HostRecord, access: HostAccess) => Promise<T>,
  ): Promise<T> {
    const { record, link } = await this.parts.admin.probeNew(input, options);
    try {
      return await use(record, { link, provider: this.parts.registry.providerFor(link, record) });
    } finally {
      link.dispose();
    }
  }

  private get nodeContext(): ClusterNodeContext {
    return { store: this.opts.store, providerOf: (h) => this.parts.accessOf(h).provider, changed: (h) => this.emit('instances', h) };
  }

  private async providerOfInstanceHost(hostName: string): Promise<Provider> {
    return this.parts.accessOf(await requireHost(this.opts.store, hostName)).provider;
  }
}
