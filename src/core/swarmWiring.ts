import type { HostRecord, ProviderKind } from '../shared/model.js';
import type { BusyMarks } from './busyMarks.js';
import { HealthMonitor } from './healthMonitor.js';
import { HostAdmin } from './hostAdmin.js';
import { HostDoctor } from './hostDoctor.js';
import { HostUpkeep, type UpkeepTask } from './hostUpkeep.js';
import { HostRegistry, type HostAccess, type HostAccessOptions, type LinkFactory, type ProviderFactory } from './hostRegistry.js';
import { IdleMonitor } from './idleMonitor.js';
import { InstanceLifecycle } from './instanceLifecycle.js';
import { InstanceSecrets } from './instanceSecrets.js';
import { InstanceRebuild } from './instanceRebuild.js';
import { InstanceSnapshots } from './instanceSnapshots.js';
import type { TunnelContext } from './openTunnel.js';
import type { ReachabilityTracker } from './reachabilityTracker.js';
import { Refresher } from './refresher.js';
import { ResourceMonitor } from './resourceMonitor.js';
import type { SecretStore } from './secretStore.js';
import type { Store } from './store.js';

/** How a Swarm is made: its store, secrets, SSH options, defaults and (for tests) fakes. */
export interface SwarmOptions {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly access?: HostAccessOptions;
  readonly defaults?: { image?: string; cpus?: number; memory?: string; disk?: string; idleTimeout?: string; codeServerImage?: string };
  readonly healthTimeoutMs?: number;
  /** How long after a start a refused probe still reads as `starting` (default 60 s). */
  readonly startingGraceMs?: number;
  /** The tunnel worker script (default: the one next to the build; tests point at others). */
  readonly tunnelWorkerScript?: string;
  /** The engines hosts may run (default: Docker and LXD); unit tests pass fakes. */
  readonly providerFactories?: ReadonlyMap<ProviderKind, ProviderFactory>;
  /** How a host's link is opened (default: this machine directly, others over SSH); unit tests pass fakes. */
  readonly linkFactory?: LinkFactory;
  /**
   * Runs a create's top-up (a swarm host's next ready slot) in another
   * process: the CLI's detached child, so the CLI exits once its own work is
   * done. Absent: it runs in this process, and dispose waits for it.
   */
  readonly handOffUpkeep?: (task: UpkeepTask) => void;
}

/** The pieces the Swarm facade delegates to, each the only writer of its own state. */
export interface SwarmParts {
  readonly registry: HostRegistry;
  readonly secrets: InstanceSecrets;
  readonly health: HealthMonitor;
  readonly admin: HostAdmin;
  readonly refresher: Refresher;
  readonly lifecycle: InstanceLifecycle;
  readonly snapshots: InstanceSnapshots;
  readonly rebuild: InstanceRebuild;
  readonly doctor: HostDoctor;
  readonly tunnels: TunnelContext;
  readonly resources: ResourceMonitor;
  readonly idle: IdleMonitor;
  readonly upkeep: HostUpkeep;
  /** A host's shared link and provider; its link's ups and downs are followed from the first use. */
  readonly accessOf: (host: HostRecord) => HostAccess;
}

/** What the facade keeps itself and hands to the pieces. */
export interface SwarmHub {
  readonly reachability: ReachabilityTracker;
  readonly busy: BusyMarks;
  readonly instancesChanged: (host: string | undefined) => void;
  readonly hostsChanged: () => void;
  readonly reconnect: (host: string) => void;
}

/**
 * Builds the Swarm's pieces and wires them to each other. The pieces call
 * each other through closures over `parts`, so the order they are made in
 * does not matter: nothing runs before the Swarm is built.
 */
export function wireSwarm(opts: SwarmOptions, hub: SwarmHub): SwarmParts {
  const { store } = opts;
  const { reachability, busy, instancesChanged: changed } = hub;
  const accessOf = (host: HostRecord): HostAccess => {
    const access = registry.get(host);
    reachability.follow(host, access.link);
    return access;
  };
  const providerOf = (host: HostRecord) => accessOf(host).provider;
  const registry: HostRegistry = new HostRegistry({
    access: opts.access ?? {},
    storeKnownHosts: () => admin.knownHosts(),
    onTrusted: (key) => admin.trustLater(key),
    providerFactories: opts.providerFactories,
    linkFactory: opts.linkFactory,
  });
  const secrets = new InstanceSecrets(opts.secrets);
  const health: HealthMonitor = new HealthMonitor({
    store,
    reachability,
    linkOf: (host) => accessOf(host).link,
    relist: (host) => refresher.refresh(host),
    changed,
    timeoutMs: opts.healthTimeoutMs,
    startingGraceMs: opts.startingGraceMs,
    healthy: (id) => upkeep.release(id),
  });
  const upkeep = new HostUpkeep({
    providerOf,
    keep: (host, work) => registry.keep(host, work),
    ...(opts.handOffUpkeep ? { handOff: opts.handOffUpkeep } : {}),
  });
  const admin: HostAdmin = new HostAdmin({
    store,
    registry,
    reachability,
    secrets,
    accessOf,
    sshConfigPath: opts.access?.sshConfigPath,
    hostsChanged: hub.hostsChanged,
    instancesChanged: changed,
  });
  const pieces = { store, health, busy, providerOf, changed };
  const refresher: Refresher = new Refresher({ ...pieces, reachability });
  const lifecycle = new InstanceLifecycle({
    ...pieces,
    secrets,
    defaults: opts.defaults,
    upkeep,
  });
  const doctor = new HostDoctor({
    store,
    accessOf,
    openProbe: (host, keepaliveIntervalMs) => registry.probe(host, undefined, { keepaliveIntervalMs }),
    reconnect: hub.reconnect,
  });
  const idle = new IdleMonitor({
    store,
    linkOf: (host) => accessOf(host).link,
    providerOf,
    startedAt: (id) => health.startedAt(id),
    stop: (name, reason) => lifecycle.stop(name, reason),
    changed,
  });
  return {
    registry,
    secrets,
    health,
    admin,
    refresher,
    lifecycle,
    snapshots: new InstanceSnapshots(pieces),
    rebuild: new InstanceRebuild(pieces),
    doctor,
    tunnels: { store, secrets, registry, accessOf, workerScript: opts.tunnelWorkerScript },
    resources: new ResourceMonitor({ store, providerOf, isDown: (h) => reachability.isDown(h) }),
    idle,
    upkeep,
    accessOf,
  };
}
