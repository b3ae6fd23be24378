import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EngineChange, EngineEvents, InstanceRef, InstanceStats, ObservedInstance, ProgressSink, Snapshot } from '../providers/provider.js';
import type { HostLink } from '../transport/hostLink.js';
import type { KnownHostEntry } from '../transport/knownHosts.js';
import type { UnknownHostKey } from '../transport/sshConnection.js';
import { SessionTunnel } from '../transport/sessionTunnel.js';
import type { Tunnel } from '../transport/tunnel.js';
import { TunnelWorkerHandle } from '../transport/tunnelWorkerHandle.js';
import { TypedEmitter } from '../shared/typedEmitter.js';
import { EngineWatcher, type EngineWatcherOptions } from './engineWatcher.js';
import { SwarmError, toSwarmError, type SwarmErrorCode } from '../shared/errors.js';
import { NOT_LISTENING, probeHealth, type HealthResult } from './healthProbe.js';
import { probeHealthBatch } from './healthProbeBatch.js';
import { HostRegistry, resolveSshAlias, type HostAccessOptions } from './hostRegistry.js';
import type { HostRecord, InstanceRecord, ProviderKind } from '../shared/model.js';
import { generateCookieSuffix, generatePassword, hashPassword } from './password.js';
import { groupByHost, reconcileHosts } from './reconcile.js';
import type { SecretStore } from './secretStore.js';
import type { Store } from './store.js';
import { parseCpus, parseMemory, parseSshTarget, validateHostName, validateImageRef, validateInstanceName } from './validate.js';
import {
  toInstanceView,
  type HealthReport,
  type HealthSample,
  type HostReachability,
  type HostTestResult,
  type HostView,
  type InstanceView,
} from './views.js';

export const DEFAULT_IMAGE = 'codercom/code-server:latest';
export const DEFAULT_CPUS = 2;
export const DEFAULT_MEMORY = '2g';
export const DEFAULT_PIDS_LIMIT = 1024;
/** Errors that mean the host never let a request through to its engine. */
const REFUSALS: ReadonlySet<SwarmErrorCode> = new Set(['auth', 'host-key-unknown', 'host-key-changed', 'permission-denied', 'engine-missing']);
/** code-server needs a few seconds after a (re)start before /healthz answers. */
const STARTING_GRACE_MS = 60_000;
/** A host is listed again for a refused probe at most this often (see followMovedPorts). */
const RELIST_MIN_MS = 10_000;

export interface SwarmOptions {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly access?: HostAccessOptions;
  readonly defaults?: { image?: string; cpus?: number; memory?: string };
  readonly healthTimeoutMs?: number;
  /** How long after a start a refused probe still reads as `starting` (default 60 s). */
  readonly startingGraceMs?: number;
  /** The tunnel worker script (default: the one next to the build; tests point at others). */
  readonly tunnelWorkerScript?: string;
}

export type AddHostInput =
  | { readonly name: string; readonly local: true; readonly dockerSocket?: string }
  | {
      readonly name: string;
      readonly local?: false;
      /** `user@host[:port]` or an ~/.ssh/config alias. */
      readonly ssh: string;
      readonly identityFile?: string;
      readonly provider?: ProviderKind;
      readonly dockerSocket?: string;
      readonly lxdSocket?: string;
      /** `[user@]host[:port][,...]`, like OpenSSH's ProxyJump / ssh -J. */
      readonly proxyJump?: string;
    };

export interface CreateInput {
  readonly name: string;
  readonly host: string;
  readonly image?: string;
  readonly cpus?: string | number;
  readonly memory?: string;
}

export interface OperationOptions {
  readonly onProgress?: ProgressSink;
  readonly signal?: AbortSignal;
}

interface HostStatus {
  reachability: HostReachability;
  engineVersion?: string;
  latencyMs?: number;
  error?: string;
  /**
   * What a `down` is about: the SSH link, or the engine behind a link that
   * works. A health probe or a reconnect proves the link only, so it must not
   * clear an engine's error: the host would flip up and down every round.
   */
  downBy?: 'link' | 'engine';
}

/** A health round probes what should be serving. */
function isProbed(i: InstanceRecord): boolean {
  return i.state === 'running' || i.state === 'starting';
}

/** Errors that say the link itself failed; any other failure of a working link is the engine's. */
const LINK_FAILURES: ReadonlySet<string> = new Set(['unreachable', 'auth', 'host-key-unknown', 'host-key-changed']);

function downStatus(e: SwarmError): HostStatus {
  return { reachability: 'down', error: e.oneLine(), downBy: LINK_FAILURES.has(e.code) ? 'link' : 'engine' };
}

interface SwarmEvents {
  /** Something about these instances changed (state, health, added, removed). */
  instances: [host: string | undefined];
  /** A host's reachability or details changed. */
  hosts: [];
}

const passwordKey = (id: string) => `instance/${id}/password`;
/** The exact argon2 hash given to code-server: its session cookie value. */
const sessionKey = (id: string) => `instance/${id}/session`;

/**
 * The one service the CLI and the extension talk to. It owns the hosts'
 * links (one per host), keeps the store in line with what hosts report, and
 * raises events when instances or hosts change.
 */
export class Swarm extends TypedEmitter<SwarmEvents> {
  private readonly registry: HostRegistry;
  private readonly health = new Map<string, HealthSample>();
  private readonly started = new Map<string, string>();
  /** When each host was last listed because a probe was refused. */
  private readonly relistedAt = new Map<string, number>();
  private readonly hostStatus = new Map<string, HostStatus>();
  private readonly pendingTrust: Promise<void>[] = [];
  private readonly offLink = new Map<string, () => void>();
  /** Instances with an operation of this Swarm in flight (id and name → how many). */
  private readonly busy = new Map<string, number>();

  constructor(private readonly opts: SwarmOptions) {
    super();
    this.registry = new HostRegistry(
      opts.access ?? {},
      () => this.storeKnownHosts(),
      (key) => this.pendingTrust.push(this.trustHostKey(key)),
    );
  }

  get store(): Store {
    return this.opts.store;
  }

  // ------------------------------------------------------------- hosts --

  async hosts(): Promise<HostView[]> {
    const file = await this.opts.store.read();
    return file.hosts.map((h) => this.hostView(h, file.instances.filter((i) => i.host === h.name).length));
  }

  async addHost(input: AddHostInput, options: { onUnknownHostKey?: (key: UnknownHostKey) => boolean } = {}): Promise<HostView> {
    const name = validateHostName(input.name);
    if (await this.opts.store.findHost(name)) {
      throw new SwarmError(`A host named ${name} already exists`, { code: 'conflict', hint: 'Pick another name, or remove the old host first' });
    }
    const record = await this.recordFor(name, input);
    // Probe before saving: a host that cannot be reached, authenticated or
    // used is never written to the store.
    const link = this.registry.probe(record, options.onUnknownHostKey);
    try {
      if (input.local !== true && input.provider === undefined) record.provider = await detectProvider(link, record);
      const info = await this.registry.providerFor(link, record).engineInfo();
      await Promise.all(this.pendingTrust.splice(0));
      await this.opts.store.update((draft) => {
        if (draft.hosts.some((h) => h.name === name)) {
          throw new SwarmError(`A host named ${name} already exists`, { code: 'conflict' });
        }
        draft.hosts.push(record);
      });
      this.hostStatus.set(name, { reachability: 'up', engineVersion: info.engineVersion, latencyMs: link.connectMs });
      this.emit('hosts');
      return this.hostView(record, 0);
    } finally {
      link.dispose();
    }
  }

  /** Persists a host key the user accepted after a `host-key-unknown` error. */
  async trustHostKey(key: UnknownHostKey): Promise<void> {
    await this.opts.store.update((draft) => {
      const known = draft.knownHosts.some((k) => k.host === key.host && k.port === key.port && k.key === key.keyBlob.toString('base64'));
      if (!known) draft.knownHosts.push({ host: key.host, port: key.port, keyType: key.keyType, key: key.keyBlob.toString('base64') });
    });
  }

  async testHost(name: string): Promise<HostTestResult> {
    const host = await this.requireHost(name);
    const { provider } = this.accessFor(host);
    const started = performance.now();
    try {
      const info = await provider.engineInfo();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      this.setHostStatus(name, { reachability: 'up', engineVersion: info.engineVersion, latencyMs });
      return { name, ok: true, provider: host.provider, engineVersion: info.engineVersion, latencyMs };
    } catch (e) {
      const err = toSwarmError(e);
      this.setHostStatus(name, downStatus(err));
      return { name, ok: false, provider: host.provider, engineVersion: undefined, latencyMs: undefined, error: err.oneLine() };
    }
  }

  async removeHost(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.requireHost(name);
    const forgotten = await this.opts.store.update((draft) => {
      const mine = draft.instances.filter((i) => i.host === name);
      if (mine.length > 0 && !options.force) {
        throw new SwarmError(`${name} still has ${mine.length} instance(s): ${mine.map((i) => i.name).join(', ')}`, {
          code: 'conflict',
          hint: 'Delete them first, or remove the host with --force (their containers keep running, unmanaged)',
        });
      }
      draft.hosts = draft.hosts.filter((h) => h.name !== name);
      draft.instances = draft.instances.filter((i) => i.host !== name);
      return mine;
    });
    for (const i of forgotten) await this.forgetSecrets(i.id);
    this.offLink.get(name)?.();
    this.offLink.delete(name);
    this.registry.forget(name);
    this.hostStatus.delete(name);
    this.emit('hosts');
    this.emit('instances', name);
  }

  // --------------------------------------------------------- instances --

  /** Asks every host (in parallel, one list call each) and brings the store in line. */
  async refresh(hostName?: string): Promise<InstanceView[]> {
    const file = await this.opts.store.read();
    const hosts = file.hosts.filter((h) => hostName === undefined || h.name === hostName);
    if (hostName !== undefined && hosts.length === 0) await this.requireHost(hostName);
    const results = await Promise.all(
      hosts.map(async (h) => {
        try {
          const observed = await this.accessFor(h).provider.list();
          this.setHostStatus(h.name, { ...this.hostStatus.get(h.name), reachability: 'up', error: undefined, downBy: undefined } as HostStatus);
          return { host: h, observed };
        } catch (e) {
          this.setHostStatus(h.name, downStatus(toSwarmError(e)));
          return { host: h, observed: undefined };
        }
      }),
    );
    for (const r of results) for (const o of r.observed ?? []) if (o.startedAt) this.started.set(o.id, o.startedAt);
    const reachable = results.filter((r) => r.observed !== undefined);
    // Most refreshes change nothing: check against the latest read first
    // and take the write lock (and its fsyncs) only when there is news.
    if (reachable.length > 0 && reconcileHosts(await this.opts.store.read(), reachable, true)) {
      const changed = await this.opts.store.update((draft) => reconcileHosts(draft, reachable, false));
      if (changed) this.emit('instances', hostName);
    }
    return this.views(hostName);
  }

  /**
   * Subscribes to a host engine's events (undefined when its provider has
   * none; its instances are then only seen by refresh). Changes to an
   * instance this Swarm is operating on are left out: the operation reports
   * its own outcome, and a list in the middle of it would show a passing
   * state (a container being deleted as missing).
   */
  async watchEngine(hostName: string, onChange: (change: EngineChange) => void): Promise<EngineEvents | undefined> {
    const { provider } = this.accessFor(await this.requireHost(hostName));
    if (!provider.watch) return undefined;
    return provider.watch((c) => {
      const busy = (c.id !== undefined && this.busy.has(`id:${c.id}`)) || (c.name !== undefined && this.busy.has(`name:${c.name}`));
      if (!busy) onChange(c);
    });
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

  async create(input: CreateInput, options: OperationOptions = {}): Promise<InstanceView> {
    const name = validateInstanceName(input.name);
    const host = await this.requireHost(input.host);
    const image = validateImageRef(input.image ?? this.opts.defaults?.image ?? DEFAULT_IMAGE);
    const cpus = parseCpus(input.cpus ?? this.opts.defaults?.cpus ?? DEFAULT_CPUS);
    const memoryBytes = parseMemory(input.memory ?? this.opts.defaults?.memory ?? DEFAULT_MEMORY);
    const password = generatePassword();
    const hashedPassword = await hashPassword(password);
    const id = randomUUID();
    const cookieSuffix = generateCookieSuffix();
    const now = new Date().toISOString();
    // The record goes in first, as `starting`: if this process dies half way,
    // the next refresh finds either the container (adopted) or nothing
    // (marked missing), never an untracked container.
    const storeId = await this.opts.store.update((draft) => {
      const clash = draft.instances.find((i) => i.name === name);
      if (clash) {
        throw new SwarmError(`An instance named ${name} already exists on ${clash.host}`, {
          code: 'conflict',
          hint: 'Pick another name, or delete the existing instance first',
        });
      }
      draft.instances.push({ id, name, host: host.name, provider: host.provider, image, state: 'starting', createdAt: now, cpus, memoryBytes, cookieSuffix, updatedAt: now });
      return draft.storeId;
    });
    await this.opts.secrets.set(passwordKey(id), password);
    await this.opts.secrets.set(sessionKey(id), hashedPassword);
    this.emit('instances', host.name);
    const done = this.markBusy(id, name);
    try {
      const observed = await this.accessFor(host).provider.create(
        { id, name, image, cpus, memoryBytes, pidsLimit: DEFAULT_PIDS_LIMIT, cookieSuffix, hashedPassword, storeId },
        options,
      );
      this.started.set(id, observed.startedAt ?? new Date().toISOString());
      const record = await this.applyObservation(id, observed);
      this.health.set(id, { health: 'starting', latencyMs: undefined, httpStatus: undefined });
      this.emit('instances', host.name);
      return this.viewOf(record);
    } catch (e) {
      const err = toSwarmError(e);
      await this.forgetFailedCreate(id, host, err);
      this.emit('instances', host.name);
      throw err;
    } finally {
      done();
    }
  }

  async start(name: string): Promise<InstanceView> {
    return this.lifecycle(name, 'start', (p, ref) => p.start(ref));
  }

  async stop(name: string): Promise<InstanceView> {
    return this.lifecycle(name, 'stop', (p, ref) => p.stop(ref));
  }

  async restart(name: string): Promise<InstanceView> {
    return this.lifecycle(name, 'restart', (p, ref) => p.restart(ref));
  }

  async delete(name: string, options: { purge?: boolean } = {}): Promise<void> {
    const rec = await this.requireInstance(name);
    const host = await this.requireHost(rec.host);
    const done = this.markBusy(rec.id, rec.name);
    try {
      await this.accessFor(host).provider.remove(refOf(rec), { purge: options.purge === true });
      await this.opts.store.update((draft) => {
        draft.instances = draft.instances.filter((i) => i.id !== rec.id);
      });
    } finally {
      done();
    }
    await this.forgetSecrets(rec.id);
    this.health.delete(rec.id);
    this.started.delete(rec.id);
    this.emit('instances', rec.host);
  }

  async password(name: string): Promise<string> {
    const rec = await this.requireInstance(name);
    const pw = await this.opts.secrets.get(passwordKey(rec.id));
    if (pw === undefined) {
      throw new SwarmError(`No password is stored for ${name}`, {
        code: 'not-found',
        hint: 'It was created by another Code Swarm store; recreate it to get a password you hold',
      });
    }
    return pw;
  }

  async logs(name: string, options: { tail?: number; follow?: boolean; signal?: AbortSignal } = {}): Promise<Readable> {
    const rec = await this.requireInstance(name);
    return this.accessFor(await this.requireHost(rec.host)).provider.logs(refOf(rec), options);
  }

  async stats(name: string): Promise<InstanceStats> {
    const rec = await this.requireInstance(name);
    return this.accessFor(await this.requireHost(rec.host)).provider.stats(refOf(rec));
  }

  async snapshot(name: string, label?: string): Promise<Snapshot> {
    const { rec, provider } = await this.withSnapshots(name);
    return provider.snapshot!(refOf(rec), label);
  }

  async snapshots(name: string): Promise<Snapshot[]> {
    const { rec, provider } = await this.withSnapshots(name);
    return provider.snapshots!(refOf(rec));
  }

  async restore(name: string, snapshot: string): Promise<InstanceView> {
    const { rec, provider } = await this.withSnapshots(name);
    const done = this.markBusy(rec.id, rec.name);
    let observed: ObservedInstance;
    try {
      observed = await provider.restore!(refOf(rec), snapshot);
    } finally {
      done();
    }
    // A restored instance is a new container (Docker) or a rebooted one (LXD):
    // the last probe says nothing about it.
    this.started.set(rec.id, new Date().toISOString());
    if (observed.state === 'running') this.health.set(rec.id, { health: 'starting', latencyMs: undefined, httpStatus: undefined });
    else this.health.delete(rec.id);
    const record = await this.applyObservation(rec.id, observed);
    this.emit('instances', rec.host);
    return this.viewOf(record);
  }

  async deleteSnapshot(name: string, snapshot: string): Promise<void> {
    const { rec, provider } = await this.withSnapshots(name);
    await provider.deleteSnapshot!(refOf(rec), snapshot);
  }

  // ------------------------------------------------------------ health --

  async checkHealth(name: string): Promise<HealthReport> {
    const rec = await this.requireInstance(name);
    const sample = await this.probe(rec);
    return { name, health: sample.health, httpStatus: sample.httpStatus, latencyMs: sample.latencyMs ?? 0 };
  }

  /** Probes every running instance, all hosts in parallel. */
  async healthRound(): Promise<Map<string, HealthSample>> {
    const file = await this.opts.store.read();
    const targets = file.instances.filter(isProbed);
    const before = new Map(targets.map((t) => [t.id, this.health.get(t.id)?.health]));
    // The hosts come from the same read: one store read per round, not one per probe.
    const hosts = new Map(file.hosts.map((h) => [h.name, h]));
    const byHost = groupByHost(targets);
    await Promise.all([...byHost].map(([name, recs]) => this.probeHost(name, recs, hosts.get(name))));
    await this.followMovedPorts(byHost, hosts);
    const changedHosts = new Set(targets.filter((t) => before.get(t.id) !== this.health.get(t.id)?.health).map((t) => t.host));
    for (const h of changedHosts) this.emit('instances', h);
    return new Map(targets.map((t) => [t.id, this.health.get(t.id) as HealthSample]));
  }

  /** Polls health until healthy, or throws after the deadline. */
  async waitHealthy(name: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<InstanceView> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      if (options.signal?.aborted) throw new SwarmError('Cancelled', { code: 'cancelled' });
      const rec = await this.requireInstance(name);
      const last = await this.probe(rec);
      if (last.health === 'healthy') return this.viewOf(rec);
      if (Date.now() > deadline) {
        throw new SwarmError(`${name} did not become healthy in time (last: ${last.health})`, {
          code: 'timeout',
          hint: `Look at its logs: code-swarm logs ${name}`,
        });
      }
      await new Promise((r) => setTimeout(r, last.health === 'unreachable' ? 1_000 : 150));
    }
  }

  /**
   * A local tunnel that logs the browser in by itself; close it when done. To
   * an SSH host it runs on a worker thread with a connection of its own
   * (tunnelWorkerHandle.ts); if that cannot start (a key the worker may not ask
   * about, a build without the worker), on this thread over the host's
   * shared connection, and `note` says why.
   */
  async openTunnel(name: string, options: { port?: number } = {}): Promise<Tunnel> {
    const rec = await this.requireInstance(name);
    if (rec.port === undefined || rec.state !== 'running') {
      throw new SwarmError(`${name} is ${rec.state}, not running`, { code: 'conflict', hint: `Start it first: code-swarm start ${name}` });
    }
    const host = await this.requireHost(rec.host);
    const { link } = this.accessFor(host);
    const target = {
      remotePort: rec.port,
      cookieName: `code-server-session-${rec.cookieSuffix}`,
      // With HASHED_PASSWORD, code-server's session cookie is that exact hash.
      sessionCookie: await this.opts.secrets.get(sessionKey(rec.id)),
      ...(options.port !== undefined ? { localPort: options.port } : {}),
    };
    if (link.kind !== 'ssh') return SessionTunnel.open({ link, ...target });
    let note: string;
    try {
      const ask = this.registry.askPassphrase;
      return await TunnelWorkerHandle.open({
        ...(await this.registry.workerConnection(host)),
        ...target,
        ...(ask ? { askPassphrase: ask } : {}),
        ...(this.opts.tunnelWorkerScript !== undefined ? { script: this.opts.tunnelWorkerScript } : {}),
      });
    } catch (e) {
      const err = toSwarmError(e);
      // A taken local port or an unreachable host would fail this thread the same way.
      if (['conflict', 'cancelled', 'unreachable', 'timeout'].includes(err.code)) throw err;
      note = `the tunnel worker could not start (${err.oneLine()})`;
    }
    return SessionTunnel.open({ link, ...target, note });
  }

  dispose(): void {
    for (const off of this.offLink.values()) off();
    this.offLink.clear();
    this.registry.dispose();
    this.removeAllListeners();
  }

  // ----------------------------------------------------------- helpers --

  /** One probe of one instance (a check, a wait): its own channel, no process on the host. */
  private async probe(rec: InstanceRecord, emit = true): Promise<HealthSample> {
    const host = await this.requireHost(rec.host);
    const r = rec.port === undefined ? undefined : await probeHealth(this.accessFor(host).link, rec.port, this.healthTimeoutMs());
    const prev = this.health.get(rec.id)?.health;
    const sample = this.record(rec, host, r);
    if (emit && prev !== sample.health) this.emit('instances', rec.host);
    return sample;
  }

  /** A round's probes of one host's instances, batched into one remote command where the host allows it. */
  private async probeHost(name: string, recs: readonly InstanceRecord[], knownHost: HostRecord | undefined): Promise<void> {
    const host = knownHost ?? (await this.requireHost(name));
    const ports = recs.flatMap((r) => (r.port === undefined ? [] : [r.port]));
    const results = ports.length > 0 ? await probeHealthBatch(this.accessFor(host).link, ports, this.healthTimeoutMs()) : new Map();
    for (const rec of recs) this.record(rec, host, rec.port === undefined ? undefined : results.get(rec.port));
  }

  /**
   * Docker gives a container that restarts after a crash a new loopback port
   * (the binding asks for any free one), so its record's port goes stale and
   * every probe is refused. A host with a refused probe is listed again, at
   * most once per RELIST_MIN_MS, and the instances whose port moved are
   * probed again in the same round: health is right without waiting for the
   * next refresh, or with refreshes turned off.
   */
  private async followMovedPorts(byHost: ReadonlyMap<string, readonly InstanceRecord[]>, hosts: ReadonlyMap<string, HostRecord>): Promise<void> {
    const now = Date.now();
    const suspect = [...byHost.keys()].filter(
      (h) => byHost.get(h)?.some((r) => this.refusedAfterGrace(r.id)) && now - (this.relistedAt.get(h) ?? -Infinity) >= RELIST_MIN_MS,
    );
    if (suspect.length === 0) return;
    for (const h of suspect) this.relistedAt.set(h, now);
    // A host that does not answer the list keeps its probes' answers; the refresh shows it down.
    await Promise.all(suspect.map((h) => this.refresh(h).catch(() => undefined)));
    const file = await this.opts.store.read();
    const moved = new Map<string, InstanceRecord[]>();
    for (const h of suspect) {
      const before = new Map((byHost.get(h) ?? []).map((r) => [r.id, r.port]));
      const recs = file.instances.filter((i) => before.has(i.id) && i.port !== undefined && i.port !== before.get(i.id) && isProbed(i));
      if (recs.length > 0) moved.set(h, recs);
    }
    await Promise.all([...moved].map(([name, recs]) => this.probeHost(name, recs, hosts.get(name))));
  }

  /** Refused past the start-up grace: within it, code-server may simply not listen yet. */
  private refusedAfterGrace(id: string): boolean {
    const s = this.health.get(id);
    return s?.health === 'unhealthy' && s.detail === NOT_LISTENING;
  }

  private healthTimeoutMs(): number {
    return this.opts.healthTimeoutMs ?? 3_000;
  }

  /** The health shown for a probe's result, and the host's reachability it proves. */
  private record(rec: InstanceRecord, host: HostRecord, r: HealthResult | undefined): HealthSample {
    let sample: HealthSample;
    if (r === undefined) {
      sample = { health: rec.state === 'starting' ? 'starting' : 'unknown', latencyMs: undefined, httpStatus: undefined };
    } else {
      let health = r.health;
      if (health === 'unhealthy') {
        const since = Date.parse(this.started.get(rec.id) ?? rec.updatedAt);
        if (Date.now() - since < (this.opts.startingGraceMs ?? STARTING_GRACE_MS)) health = 'starting';
      }
      sample = { health, latencyMs: r.latencyMs, httpStatus: r.httpStatus, ...(r.detail === undefined ? {} : { detail: r.detail }) };
      const status = this.hostStatus.get(host.name);
      if (health === 'unreachable') this.setHostStatus(host.name, { ...status, reachability: 'down', error: r.detail, downBy: 'link' });
      // The host answered the probe: a link that was down is back. An
      // engine that was down waits for the next list to say so.
      else if (status?.reachability === 'down' && status.downBy !== 'engine') {
        this.setHostStatus(host.name, { ...status, reachability: 'up', error: undefined, downBy: undefined } as HostStatus);
      }
    }
    this.health.set(rec.id, sample);
    return sample;
  }

  private async lifecycle(
    name: string,
    verb: string,
    op: (p: ReturnType<HostRegistry['get']>['provider'], ref: InstanceRef) => Promise<void>,
  ): Promise<InstanceView> {
    const rec = await this.requireInstance(name);
    const host = await this.requireHost(rec.host);
    const { provider } = this.accessFor(host);
    const done = this.markBusy(rec.id, rec.name);
    try {
      return await this.runLifecycle(rec, host, provider, verb, op);
    } finally {
      done();
    }
  }

  private async runLifecycle(
    rec: InstanceRecord,
    host: HostRecord,
    provider: ReturnType<HostRegistry['get']>['provider'],
    verb: string,
    op: (p: ReturnType<HostRegistry['get']>['provider'], ref: InstanceRef) => Promise<void>,
  ): Promise<InstanceView> {
    await op(provider, refOf(rec));
    if (verb !== 'stop') {
      this.started.set(rec.id, new Date().toISOString());
      this.health.set(rec.id, { health: 'starting', latencyMs: undefined, httpStatus: undefined });
    } else {
      this.health.delete(rec.id);
    }
    const observed = (await provider.list()).find((o) => o.id === rec.id);
    if (!observed) {
      throw new SwarmError(`${rec.name} vanished from ${host.name} during ${verb}`, { code: 'not-found', hint: 'Refresh to see what is left' });
    }
    const record = await this.applyObservation(rec.id, observed);
    this.emit('instances', rec.host);
    return this.viewOf(record);
  }

  /**
   * Marks an instance (by id and by name: an engine event may carry either)
   * as being operated on until the returned function is called.
   */
  private markBusy(id: string, name: string): () => void {
    const keys = [`id:${id}`, `name:${name}`];
    for (const k of keys) this.busy.set(k, (this.busy.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const k of keys) {
        const left = (this.busy.get(k) ?? 1) - 1;
        if (left > 0) this.busy.set(k, left);
        else this.busy.delete(k);
      }
    };
  }

  private async applyObservation(id: string, o: ObservedInstance): Promise<InstanceRecord> {
    return this.opts.store.update((draft) => {
      const r = draft.instances.find((i) => i.id === id);
      if (!r) throw new SwarmError('The instance was deleted meanwhile', { code: 'not-found' });
      r.state = o.state;
      r.containerId = o.containerId;
      if (o.port !== undefined) r.port = o.port;
      else delete r.port;
      if (o.error !== undefined) r.error = o.error;
      else delete r.error;
      r.updatedAt = new Date().toISOString();
      return { ...r };
    });
  }

  private async forgetFailedCreate(id: string, host: HostRecord, err: SwarmError): Promise<void> {
    // If the provider could not clean up, the container is still labelled:
    // keep the record as failed so it stays visible and deletable.
    let leftover: ObservedInstance | undefined;
    let unknown = false;
    try {
      leftover = (await this.accessFor(host).provider.list()).find((o) => o.id === id);
    } catch (e) {
      // The host is gone (a dropped link is the usual reason a create fails
      // half way): the container may exist. Dropping the record and secrets
      // now would let the next refresh adopt it with no password; a failed
      // record keeps them, and that refresh shows its container or `missing`.
      // A host that refuses us outright (its key, our credentials, the
      // engine's socket) never ran anything we sent: nothing can exist there.
      unknown = !REFUSALS.has(toSwarmError(e).code);
    }
    const keep = leftover !== undefined || unknown;
    await this.opts.store.update((draft) => {
      const r = draft.instances.find((i) => i.id === id);
      if (!r) return;
      if (keep) {
        r.state = 'failed';
        if (leftover) r.containerId = leftover.containerId;
        r.error = err.oneLine();
        r.updatedAt = new Date().toISOString();
      } else {
        draft.instances = draft.instances.filter((i) => i.id !== id);
      }
    });
    if (!keep) await this.forgetSecrets(id);
  }

  private async forgetSecrets(id: string): Promise<void> {
    await this.opts.secrets.delete(passwordKey(id));
    await this.opts.secrets.delete(sessionKey(id));
  }

  private async withSnapshots(name: string) {
    const rec = await this.requireInstance(name);
    const provider = this.accessFor(await this.requireHost(rec.host)).provider;
    if (!provider.snapshot || !provider.snapshots || !provider.restore || !provider.deleteSnapshot) {
      throw new SwarmError(`The ${provider.kind} provider does not support snapshots`, { code: 'invalid-input' });
    }
    return { rec, provider };
  }

  private accessFor(host: HostRecord) {
    const access = this.registry.get(host);
    if (!this.offLink.has(host.name)) {
      this.offLink.set(
        host.name,
        access.link.onStateChange((state, reason) => {
          const status = this.hostStatus.get(host.name);
          // A reconnected link says nothing of an engine that was down behind it.
          if (state === 'up' && status?.downBy === 'engine') return;
          this.setHostStatus(host.name, {
            ...status,
            reachability: state,
            ...(state === 'down' ? { error: reason?.message, downBy: 'link' } : { error: undefined, downBy: undefined }),
          } as HostStatus);
        }),
      );
    }
    return access;
  }

  private setHostStatus(name: string, status: HostStatus): void {
    const prev = this.hostStatus.get(name);
    this.hostStatus.set(name, status);
    if (prev?.reachability !== status.reachability || prev?.engineVersion !== status.engineVersion) this.emit('hosts');
    // Instances of a host that went down or came back change health with it.
    if (prev !== undefined && prev.reachability !== status.reachability) this.emit('instances', name);
  }

  private viewOf(r: InstanceRecord): InstanceView {
    const hostDown = this.hostStatus.get(r.host)?.reachability === 'down';
    const sample = hostDown ? { health: 'unreachable' as const, latencyMs: undefined, httpStatus: undefined } : this.health.get(r.id);
    return toInstanceView(r, sample, this.started.get(r.id));
  }

  private hostView(h: HostRecord, instanceCount: number): HostView {
    const s = this.hostStatus.get(h.name);
    return {
      name: h.name,
      kind: h.kind,
      provider: h.provider,
      address: h.address,
      reachability: s?.reachability ?? 'unknown',
      engineVersion: s?.engineVersion,
      latencyMs: s?.latencyMs,
      error: s?.error,
      instanceCount,
    };
  }

  private async recordFor(name: string, input: AddHostInput): Promise<HostRecord> {
    const addedAt = new Date().toISOString();
    if (input.local === true) {
      return { name, kind: 'local', provider: 'docker', address: 'local', addedAt, ...(input.dockerSocket ? { dockerSocket: input.dockerSocket } : {}) };
    }
    const alias = /^[A-Za-z0-9._-]+$/.test(input.ssh) && !input.ssh.includes('@') ? await resolveSshAlias(input.ssh, this.opts.access?.sshConfigPath) : undefined;
    const rec: HostRecord = alias
      ? {
          name,
          kind: 'ssh',
          provider: input.provider ?? 'docker',
          address: `${alias.user ?? process.env.USER ?? 'root'}@${alias.hostName}:${alias.port}`,
          hostName: alias.hostName,
          port: alias.port,
          sshConfigAlias: input.ssh,
          addedAt,
          ...(alias.user ? { user: alias.user } : {}),
          ...(alias.identityFile ? { identityFile: alias.identityFile } : {}),
          ...(alias.proxyJump ? { proxyJump: alias.proxyJump } : {}),
        }
      : (() => {
          const t = parseSshTarget(input.ssh);
          const user = t.user ?? process.env.USER ?? 'root';
          return {
            name,
            kind: 'ssh' as const,
            provider: input.provider ?? ('docker' as const),
            address: `${user}@${t.host}:${t.port}`,
            hostName: t.host,
            port: t.port,
            user,
            addedAt,
          };
        })();
    if (input.identityFile) rec.identityFile = input.identityFile;
    if (input.proxyJump) {
      // Each hop must be a plain target: the value ends up in ssh2 options, never a shell.
      for (const hop of input.proxyJump.split(',')) parseSshTarget(hop.trim());
      rec.proxyJump = input.proxyJump;
    }
    if (input.dockerSocket) rec.dockerSocket = input.dockerSocket;
    if (input.lxdSocket) rec.lxdSocket = input.lxdSocket;
    return rec;
  }

  private async requireHost(name: string): Promise<HostRecord> {
    // A name that cannot exist is bad input, said briefly, not a long "unknown".
    validateHostName(name);
    const h = await this.opts.store.findHost(name);
    if (!h) {
      const known = (await this.opts.store.hosts()).map((x) => x.name);
      throw new SwarmError(`Unknown host "${name}"`, {
        code: 'not-found',
        hint: known.length ? `Known hosts: ${known.join(', ')}` : 'Add one first: code-swarm hosts add NAME --local (or --ssh USER@HOST)',
      });
    }
    return h;
  }

  private async requireInstance(name: string): Promise<InstanceRecord> {
    const r = await this.opts.store.findInstance(name);
    if (!r) throw new SwarmError(`Unknown instance "${name}"`, { code: 'not-found', hint: 'List them with: code-swarm list' });
    return r;
  }

  private async storeKnownHosts(): Promise<KnownHostEntry[]> {
    const file = await this.opts.store.read();
    return file.knownHosts.map((k) => ({
      hosts: [k.port === 22 ? k.host : `[${k.host}]:${k.port}`],
      keyType: k.keyType,
      key: k.key,
    }));
  }
}

function refOf(r: InstanceRecord): InstanceRef {
  return { id: r.id, name: r.name, containerId: r.containerId };
}

/** Which engine a new SSH host offers: Docker's socket first, then LXD's. */
async function detectProvider(link: HostLink, record: HostRecord): Promise<ProviderKind> {
  const docker = record.dockerSocket ?? '/var/run/docker.sock';
  const lxd = record.lxdSocket ? [record.lxdSocket] : ['/var/lib/lxd/unix.socket', '/var/snap/lxd/common/lxd/unix.socket', '/var/lib/incus/unix.socket'];
  const r = await link.exec(['sh', '-c', 'for p in "$@"; do if [ -S "$p" ]; then echo "$p"; fi; done', 'probe', docker, ...lxd], { timeoutMs: 10_000 });
  const found = r.stdout.split('\n').filter(Boolean);
  if (found.includes(docker)) return 'docker';
  if (found.length > 0) return 'lxd';
  throw new SwarmError(`Neither Docker nor LXD was found on ${record.name}`, {
    code: 'engine-missing',
    hint: 'Install Docker or LXD there (or give the socket path), then add the host again',
  });
}

