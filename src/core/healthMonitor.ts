import type { ObservedInstance } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord, InstanceRecord } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import { NOT_LISTENING, probeHealth, type HealthResult } from './healthProbe.js';
import { probeHealthBatch } from './healthProbeBatch.js';
import type { ReachabilityTracker } from './reachabilityTracker.js';
import { groupByHost } from './reconcile.js';
import { requireHost, requireInstance } from './records.js';
import type { Store } from './store.js';
import { toInstanceView, type HealthSample, type InstanceView } from './views.js';

/** code-server needs a few seconds after a (re)start before /healthz answers. */
const STARTING_GRACE_MS = 60_000;
/** A host is listed again for a refused probe at most this often (see followMovedPorts). */
const RELIST_MIN_MS = 10_000;
const HEALTH_TIMEOUT_MS = 3_000;
/**
 * Between the probes of a wait for healthy. code-server answers at a moment
 * no probe can bring forward, so the wait ends on average half an interval
 * after it: at 150 ms the CLI's create → healthy took ~45 ms longer (median
 * of 10 creates on the local engine, start → seen healthy 806 vs 763 ms). A
 * probe is one connect and one short read, so polling this often costs
 * little, for the second or so a start takes.
 */
const WAIT_PROBE_MS = 50;
/** Between the probes of a wait while the host is unreachable: its link is reconnecting. */
const WAIT_UNREACHABLE_MS = 1_000;

const STARTING: HealthSample = { health: 'starting', latencyMs: undefined, httpStatus: undefined };
const UNREACHABLE: HealthSample = { health: 'unreachable', latencyMs: undefined, httpStatus: undefined };

export interface HealthMonitorOptions {
  readonly store: Store;
  readonly reachability: ReachabilityTracker;
  /** The host's shared link. */
  readonly linkOf: (host: HostRecord) => HostLink;
  /** Lists a host and brings its records in line (a refresh of that host). */
  readonly relist: (host: string) => Promise<unknown>;
  /** Something about this host's instances changed. */
  readonly changed: (host: string) => void;
  readonly timeoutMs?: number;
  /** How long after a start a refused probe still reads as `starting`. */
  readonly startingGraceMs?: number;
  /** A probe found this instance healthy (what waits for its boot may start: HostUpkeep). */
  readonly healthy?: (id: string) => void;
}

/** A health round probes what should be serving. */
function isProbed(i: InstanceRecord): boolean {
  return i.state === 'running' || i.state === 'starting';
}

/**
 * The instances' health as the last probes found it, and when each last
 * started: the only writer of both. Runs the rounds and single probes,
 * follows ports Docker moved, and waits for an instance to become healthy.
 */
export class HealthMonitor {
  private readonly health = new Map<string, HealthSample>();
  /** When each instance last started, as its engine or our own operation said. */
  private readonly started = new Map<string, string>();
  /** When each host was last listed because a probe was refused. */
  private readonly relistedAt = new Map<string, number>();

  constructor(private readonly opts: HealthMonitorOptions) {}

  /** An instance as shown: its record, its last health (unreachable while its host is down) and its start time. */
  viewOf(r: InstanceRecord): InstanceView {
    const sample = this.opts.reachability.isDown(r.host) ? UNREACHABLE : this.health.get(r.id);
    return toInstanceView(r, sample, this.started.get(r.id));
  }

  /** When the instance last started, as far as this process knows. */
  startedAt(id: string): string | undefined {
    return this.started.get(id);
  }

  /** A list's start times: the engine knows when each instance really started. */
  noteListed(observed: readonly ObservedInstance[]): void {
    for (const o of observed) if (o.startedAt) this.started.set(o.id, o.startedAt);
  }

  /** Just (re)started: `starting` until a probe says otherwise; the grace counts from `at`. */
  noteStarted(id: string, at: string = new Date().toISOString()): void {
    this.started.set(id, at);
    this.health.set(id, STARTING);
  }

  /** Stopped: the last probe says nothing any more. */
  noteStopped(id: string): void {
    this.health.delete(id);
  }

  /** Restored: a new container (Docker) or a rebooted one (LXD), so the last probe says nothing about it. */
  noteRestored(id: string, running: boolean): void {
    this.started.set(id, new Date().toISOString());
    if (running) this.health.set(id, STARTING);
    else this.health.delete(id);
  }

  /** Deleted. */
  forget(id: string): void {
    this.health.delete(id);
    this.started.delete(id);
  }

  /** One probe of one instance (a check, a wait): its own channel, no process on the host. */
  async probe(rec: InstanceRecord): Promise<HealthSample> {
    const host = await requireHost(this.opts.store, rec.host);
    const r = rec.port === undefined ? undefined : await probeHealth(this.opts.linkOf(host), rec.port, this.timeoutMs());
    const prev = this.health.get(rec.id)?.health;
    const sample = this.applyProbeResult(rec, host, r);
    if (prev !== sample.health) this.opts.changed(rec.host);
    return sample;
  }

  /** Probes every running instance, all hosts in parallel. */
  async round(): Promise<Map<string, HealthSample>> {
    const file = await this.opts.store.read();
    const targets = file.instances.filter(isProbed);
    const before = new Map(targets.map((t) => [t.id, this.health.get(t.id)?.health]));
    // The hosts come from the same read: one store read per round, not one per probe.
    const hosts = new Map(file.hosts.map((h) => [h.name, h]));
    const byHost = groupByHost(targets);
    await Promise.all([...byHost].map(([name, recs]) => this.probeHost(name, recs, hosts.get(name))));
    await this.followMovedPorts(byHost, hosts);
    const changedHosts = new Set(targets.filter((t) => before.get(t.id) !== this.health.get(t.id)?.health).map((t) => t.host));
    for (const h of changedHosts) this.opts.changed(h);
    const samples = new Map<string, HealthSample>();
    for (const t of targets) {
      const s = this.health.get(t.id);
      if (s) samples.set(t.id, s);
    }
    return samples;
  }

  /** Polls health until healthy, or throws after the deadline. */
  async waitHealthy(name: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<InstanceView> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      if (options.signal?.aborted) throw new SwarmError('Cancelled', { code: 'cancelled' });
      const rec = await requireInstance(this.opts.store, name);
      const last = await this.probe(rec);
      if (last.health === 'healthy') return this.viewOf(rec);
      if (Date.now() > deadline) {
        // What the host says of it now (a task Swarm cannot place, a container that keeps exiting), not what it said at the create.
        await this.opts.relist(rec.host).catch(() => undefined);
        const now = await requireInstance(this.opts.store, name).catch(() => rec);
        throw new SwarmError(`${name} did not become healthy in time (last: ${last.health}${lastProbeDetail(now, last)})`, {
          code: 'timeout',
          hint: `Look at its logs: code-swarm logs ${name}`,
        });
      }
      await new Promise((r) => setTimeout(r, last.health === 'unreachable' ? WAIT_UNREACHABLE_MS : WAIT_PROBE_MS));
    }
  }

  /** A round's probes of one host's instances, batched into one remote command where the host allows it. */
  private async probeHost(name: string, recs: readonly InstanceRecord[], knownHost: HostRecord | undefined): Promise<void> {
    const host = knownHost ?? (await requireHost(this.opts.store, name));
    const ports = recs.flatMap((r) => (r.port === undefined ? [] : [r.port]));
    const results =
      ports.length > 0 ? await probeHealthBatch(this.opts.linkOf(host), ports, this.timeoutMs()) : new Map<number, HealthResult>();
    for (const rec of recs) this.applyProbeResult(rec, host, rec.port === undefined ? undefined : results.get(rec.port));
  }

  /**
   * Docker gives a container that restarts after a crash a new loopback port
   * (the binding asks for any free one), so its record's port goes stale and
   * every probe is refused. A host with a refused probe is listed again, at
   * most once per RELIST_MIN_MS, and the instances whose port moved are
   * probed again in the same round: health is right without waiting for the
   * next refresh, or with refreshes turned off.
   */
  private async followMovedPorts(
    byHost: ReadonlyMap<string, readonly InstanceRecord[]>,
    hosts: ReadonlyMap<string, HostRecord>,
  ): Promise<void> {
    const now = Date.now();
    const suspect = [...byHost.keys()].filter(
      (h) => byHost.get(h)?.some((r) => this.refusedAfterGrace(r.id)) && now - (this.relistedAt.get(h) ?? -Infinity) >= RELIST_MIN_MS,
    );
    if (suspect.length === 0) return;
    for (const h of suspect) this.relistedAt.set(h, now);
    // A host that does not answer the list keeps its probes' answers; the refresh shows it down.
    await Promise.all(suspect.map((h) => this.opts.relist(h).catch(() => undefined)));
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

  private timeoutMs(): number {
    return this.opts.timeoutMs ?? HEALTH_TIMEOUT_MS;
  }

  /** Records the health a probe's result shows (none: the instance has no port), and tells reachability what the probe proved about the host. */
  private applyProbeResult(rec: InstanceRecord, host: HostRecord, r: HealthResult | undefined): HealthSample {
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
      if (health === 'unreachable') this.opts.reachability.probeUnanswered(host.name, r.detail);
      else this.opts.reachability.probeAnswered(host.name);
    }
    this.health.set(rec.id, sample);
    if (sample.health === 'healthy') this.opts.healthy?.(rec.id);
    return sample;
  }
}

/**
 * What the last probe saw, and what the host last said of the instance, for
 * a wait's timeout: "(last: unhealthy; HTTP 502; the probe: connection
 * closed; the host says starting: no suitable node (…))" explains itself.
 */
export function lastProbeDetail(rec: InstanceRecord, last: HealthSample): string {
  const parts = [
    ...(last.httpStatus !== undefined ? [`HTTP ${last.httpStatus}`] : []),
    ...(last.detail !== undefined ? [`the probe: ${last.detail}`] : []),
    ...(rec.port === undefined ? ['no port to probe yet'] : []),
    `the host says ${rec.state}${rec.error !== undefined ? `: ${rec.error}` : ''}`,
  ];
  return `; ${parts.join('; ')}`;
}
