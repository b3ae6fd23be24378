import type { Readable } from 'node:stream';
import type { EngineChange, EngineEvents, Provider, Snapshot } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord, ProviderKind } from '../shared/model.js';
import { TypedEmitter } from '../shared/typedEmitter.js';
import type { UnknownHostKey } from '../transport/sshTypes.js';
import { BusyMarks } from './busyMarks.js';
import { EngineWatcher, type EngineWatcherOptions } from './engineWatcher.js';
import { HealthMonitor } from './healthMonitor.js';
import { HostAdmin, type AddHostInput } from './hostAdmin.js';
import { HostDoctor, type DoctorReport, type FixStep } from './hostDoctor.js';
import { HostRegistry, type HostAccess, type HostAccessOptions, type LinkFactory, type ProviderFactory } from './hostRegistry.js';
import { DEFAULT_IMAGE, InstanceLifecycle, type CreateInput, type OperationOptions } from './instanceLifecycle.js';
import { InstanceSecrets } from './instanceSecrets.js';
import { InstanceSnapshots } from './instanceSnapshots.js';
import { openTunnel, type Tunnel, type TunnelContext } from './openTunnel.js';
import { ReachabilityTracker } from './reachabilityTracker.js';
import { refOf, requireHost, requireInstance } from './records.js';
import { ResourceMonitor, type HostResources, type InstanceUsage, type UsageFailure } from './resourceMonitor.js';
import { Refresher } from './refresher.js';
import type { SecretStore } from './secretStore.js';
import type { Store } from './store.js';
import type { HealthReport, HealthSample, HostTestResult, HostView, InstanceView } from './views.js';

export { DEFAULT_CPUS, DEFAULT_IMAGE, DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT } from './instanceLifecycle.js';
export type { CreateInput, OperationOptions } from './instanceLifecycle.js';
export type { AddHostInput } from './hostAdmin.js';
export type { HostResources, InstanceUsage, UsageFailure } from './resourceMonitor.js';
export type { DoctorReport, FixStep } from './hostDoctor.js';
export type { Finding, Severity } from '../providers/hostCheck.js';

export interface SwarmOptions {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly access?: HostAccessOptions;
  readonly defaults?: { image?: string; cpus?: number; memory?: string; codeServerImage?: string };
  readonly healthTimeoutMs?: number;
  /** How long after a start a refused probe still reads as `starting` (default 60 s). */
  readonly startingGraceMs?: number;
  /** The tunnel worker script (default: the one next to the build; tests point at others). */
  readonly tunnelWorkerScript?: string;
  /** The engines hosts may run (default: Docker and LXD); unit tests pass fakes. */
  readonly providerFactories?: ReadonlyMap<ProviderKind, ProviderFactory>;
  /** How a host's link is opened (default: this machine directly, others over SSH); unit tests pass fakes. */
  readonly linkFactory?: LinkFactory;
}

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
  private readonly registry: HostRegistry;
  private readonly reachability = new ReachabilityTracker();
  private readonly busy = new BusyMarks();
  private readonly secrets: InstanceSecrets;
  private readonly health: HealthMonitor;
  private readonly admin: HostAdmin;
  private readonly refresher: Refresher;
  private readonly lifecycle: InstanceLifecycle;
  private readonly snapshotsOf: InstanceSnapshots;
  private readonly doctor: HostDoctor;
  private readonly tunnels: TunnelContext;
  private readonly resources: ResourceMonitor;

  constructor(private readonly opts: SwarmOptions) {
    super();
    const { store } = opts;
    const changed = (host: string | undefined) => this.emit('instances', host);
    const accessOf = (host: HostRecord) => this.accessOf(host);
    const providerOf = (host: HostRecord) => this.accessOf(host).provider;
    this.registry = new HostRegistry({
      access: opts.access ?? {},
      storeKnownHosts: () => this.admin.knownHosts(),
      onTrusted: (key) => this.admin.trustLater(key),
      providerFactories: opts.providerFactories,
      linkFactory: opts.linkFactory,
    });
    this.secrets = new InstanceSecrets(opts.secrets);
    this.health = new HealthMonitor({
      store,
      reachability: this.reachability,
      linkOf: (host) => this.accessOf(host).link,
      relist: (host) => this.refresher.refresh(host),
      changed,
      timeoutMs: opts.healthTimeoutMs,
      startingGraceMs: opts.startingGraceMs,
    });
    this.admin = new HostAdmin({
      store,
      registry: this.registry,
      reachability: this.reachability,
      secrets: this.secrets,
      accessOf,
      sshConfigPath: opts.access?.sshConfigPath,
      hostsChanged: () => this.emit('hosts'),
      instancesChanged: changed,
    });
    const pieces = { store, health: this.health, busy: this.busy, providerOf, changed };
    this.refresher = new Refresher({ ...pieces, reachability: this.reachability });
    this.lifecycle = new InstanceLifecycle({ ...pieces, secrets: this.secrets, defaults: opts.defaults });
    this.snapshotsOf = new InstanceSnapshots(pieces);
    this.doctor = new HostDoctor({
      store,
      accessOf,
      openProbe: (host, keepaliveIntervalMs) => this.registry.probe(host, undefined, { keepaliveIntervalMs }),
      reconnect: (name) => this.reconnectHost(name),
    });
    this.tunnels = { store, secrets: this.secrets, registry: this.registry, accessOf, workerScript: opts.tunnelWorkerScript };
    this.resources = new ResourceMonitor({ store, providerOf, isDown: (h) => this.reachability.isDown(h) });
    this.resources.on('changed', () => this.emit('resources'));
    this.reachability.on('hosts', () => this.emit('hosts'));
    this.reachability.on('instances', changed);
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
    return this.admin.add(input, options);
  }

  /** Persists a host key the user accepted after a `host-key-unknown` error. */
  trustHostKey(key: UnknownHostKey): Promise<void> {
    return this.admin.trust(key);
  }

  testHost(name: string): Promise<HostTestResult> {
    return this.admin.test(name);
  }

  removeHost(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.admin.remove(name, options);
  }

  /**
   * The host doctor's report: every check at once (SSH, system, engine).
   * `image` is the one instances will be made from (default: the swarm's default image).
   */
  checkHost(name: string, options: { image?: string } = {}): Promise<DoctorReport> {
    return this.doctor.check(name, { image: options.image ?? this.opts.defaults?.image ?? DEFAULT_IMAGE });
  }

  /** The doctor's report on a host before it is saved (the Add Host wizard shows it), on a connection of its own. */
  checkNewHost(
    input: AddHostInput,
    options: { image?: string; onUnknownHostKey?: (key: UnknownHostKey) => boolean } = {},
  ): Promise<DoctorReport> {
    const image = options.image ?? this.opts.defaults?.image ?? DEFAULT_IMAGE;
    return this.withProbe(input, options, (record, access) => this.doctor.checkWith(record, access, { image }));
  }

  /** Applies a new host's fixes (as checkNewHost listed them) on a connection of its own; the add that follows logs in anew. */
  fixNewHost(
    input: AddHostInput,
    findings: DoctorReport['findings'],
    onStep: (step: FixStep) => void = () => undefined,
  ): Promise<FixStep[]> {
    return this.withProbe(input, {}, (_record, access) => this.doctor.fixWith(access.link, findings, onStep, undefined));
  }

  /** Applies the fixes `findings` list (as the user saw them), then reopens the connection if groups changed. */
  fixHost(name: string, findings: DoctorReport['findings'], onStep?: (step: FixStep) => void): Promise<FixStep[]> {
    return this.doctor.fix(name, findings, onStep);
  }

  /**
   * Closes the host's persistent connection; the next call logs in anew
   * (and so gets group memberships granted since the last login).
   */
  reconnectHost(name: string): void {
    this.reachability.forget(name);
    this.registry.forget(name);
    this.emit('hosts');
  }

  // --------------------------------------------------------- instances --

  /** Asks every host (in parallel, one list call each) and brings the store in line. */
  async refresh(hostName?: string): Promise<InstanceView[]> {
    await this.refresher.refresh(hostName);
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
    return this.refresher.watch(hostName, onChange);
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
      .map((i) => this.health.viewOf(i))
      .sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
  }

  create(input: CreateInput, options: OperationOptions = {}): Promise<InstanceView> {
    return this.lifecycle.create(input, options);
  }

  start(name: string): Promise<InstanceView> {
    return this.lifecycle.start(name);
  }

  stop(name: string): Promise<InstanceView> {
    return this.lifecycle.stop(name);
  }

  restart(name: string): Promise<InstanceView> {
    return this.lifecycle.restart(name);
  }

  delete(name: string, options: { purge?: boolean } = {}): Promise<void> {
    return this.lifecycle.delete(name, options);
  }

  async password(name: string): Promise<string> {
    const rec = await requireInstance(this.opts.store, name);
    const pw = await this.secrets.password(rec.id);
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
    return this.resources.instance(name);
  }

  /** Every running instance's resource use (of one host), hosts in parallel; what failed is said, not thrown. */
  statsAll(hostName?: string): Promise<{ usage: InstanceUsage[]; failures: UsageFailure[] }> {
    return this.resources.running(hostName);
  }

  /** Each host's CPUs, memory and disk room beside its instances' last figures. */
  hostResources(hostName?: string): Promise<HostResources[]> {
    return this.resources.hosts(hostName);
  }

  /** Reads every running instance's use and every host's capacity; raises `resources`. */
  resourceRound(): Promise<void> {
    return this.resources.round();
  }

  /** The figures of the last reads, without asking the hosts. */
  get latestResources(): { usage: ReadonlyMap<string, InstanceUsage>; hosts: ReadonlyMap<string, HostResources> } {
    return { usage: this.resources.latestUsage, hosts: this.resources.latestHosts };
  }

  snapshot(name: string, label?: string): Promise<Snapshot> {
    return this.snapshotsOf.take(name, label);
  }

  snapshots(name: string): Promise<Snapshot[]> {
    return this.snapshotsOf.list(name);
  }

  restore(name: string, snapshot: string): Promise<InstanceView> {
    return this.snapshotsOf.restore(name, snapshot);
  }

  deleteSnapshot(name: string, snapshot: string): Promise<void> {
    return this.snapshotsOf.delete(name, snapshot);
  }

  // ------------------------------------------------------------ health --

  async checkHealth(name: string): Promise<HealthReport> {
    const sample = await this.health.probe(await requireInstance(this.opts.store, name));
    return { name, health: sample.health, httpStatus: sample.httpStatus, latencyMs: sample.latencyMs ?? 0 };
  }

  /** Probes every running instance, all hosts in parallel. */
  healthRound(): Promise<Map<string, HealthSample>> {
    return this.health.round();
  }

  /** Polls health until healthy, or throws after the deadline. */
  waitHealthy(name: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<InstanceView> {
    return this.health.waitHealthy(name, options);
  }

  /** A local tunnel that logs the browser in by itself; close it when done (see openTunnel). */
  openTunnel(name: string, options: { port?: number } = {}): Promise<Tunnel> {
    return openTunnel(this.tunnels, name, options);
  }

  dispose(): void {
    this.resources.dispose();
    this.reachability.dispose();
    this.registry.dispose();
    this.removeAllListeners();
  }

  private async withProbe<T>(
    input: AddHostInput,
    options: { onUnknownHostKey?: (key: UnknownHostKey) => boolean },
    use: (record: HostRecord, access: HostAccess) => Promise<T>,
  ): Promise<T> {
    const { record, link } = await this.admin.probeNew(input, options);
    try {
      return await use(record, { link, provider: this.registry.providerFor(link, record) });
    } finally {
      link.dispose();
    }
  }

  /** A host's shared link and provider; its link's ups and downs are followed from the first use. */
  private accessOf(host: HostRecord): HostAccess {
    const access = this.registry.get(host);
    this.reachability.follow(host, access.link);
    return access;
  }

  private async providerOfInstanceHost(hostName: string): Promise<Provider> {
    return this.accessOf(await requireHost(this.opts.store, hostName)).provider;
  }
}
