import type { Provider } from '../providers/provider.js';
import { toSwarmError } from '../shared/errors.js';
import type { HostRecord, InstanceRecord, StoppedReason } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import type { Tunnel } from '../transport/tunnel.js';
import { readHeartbeat, type Heartbeat } from './heartbeatProbe.js';
import { idleClock, type IdleClock } from './idleTimeout.js';
import { refOf } from './records.js';
import type { Store } from './store.js';

export interface IdleMonitorOptions {
  readonly store: Store;
  readonly linkOf: (host: HostRecord) => HostLink;
  readonly providerOf: (host: HostRecord) => Provider;
  /** When the instance last started, as the health monitor knows it. */
  readonly startedAt: (id: string) => string | undefined;
  /** Stops an instance as a Stop would, with this reason recorded. */
  readonly stop: (name: string, reason: StoppedReason) => Promise<unknown>;
  /** Something about this host's instances changed. */
  readonly changed: (host: string) => void;
}

/** What the tree and the CLI show of an instance's idle timeout while it runs. */
export interface IdleActivity extends IdleClock {
  /** What kept it from idling, where knowable: this process's tunnel, or a connection from elsewhere. */
  readonly keptAliveBy: 'tunnel' | 'connection' | undefined;
  /** When the heartbeat was read. */
  readonly readAt: string;
}

/**
 * Idle auto-stop as Code Swarm sees it (docs/IDLE.md): reads each running
 * instance's heartbeat from code-server's /healthz (which never counts as
 * activity), stops the instances whose code-server cannot stop itself, and
 * tells why an instance stopped: its idle timeout, a stop, or something else.
 */
export class IdleMonitor {
  private readonly activity = new Map<string, IdleActivity>();
  /** Tunnels this process opened, by instance id: what keeps an instance alive, when it is one of ours. */
  private readonly tunnels = new Map<string, Set<Tunnel>>();
  /** When this process first saw each instance running: the clock's start when no start time is known. */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly opts: IdleMonitorOptions) {}

  /** A tunnel this process opened to the instance: while open, it is what keeps the instance alive. */
  noteTunnel(id: string, tunnel: Tunnel): void {
    const mine = [...(this.tunnels.get(id) ?? [])].filter((t) => t.isOpen);
    this.tunnels.set(id, new Set([...mine, tunnel]));
  }

  activityOf(id: string): IdleActivity | undefined {
    return this.activity.get(id);
  }

  forget(id: string): void {
    this.activity.delete(id);
    this.firstSeen.delete(id);
    this.tunnels.delete(id);
  }

  /** Reads the heartbeat of every running instance with an idle timeout; stops those due that Code Swarm enforces. */
  async round(): Promise<void> {
    const file = await this.opts.store.read();
    const hosts = new Map(file.hosts.map((h) => [h.name, h]));
    const targets = file.instances.filter((i) => i.state === 'running' && i.idleTimeoutSeconds !== undefined && i.port !== undefined);
    const running = new Set(targets.map((t) => t.id));
    for (const id of this.activity.keys()) if (!running.has(id)) this.activity.delete(id);
    for (const id of this.firstSeen.keys()) if (!running.has(id)) this.firstSeen.delete(id);
    for (const id of running) if (!this.firstSeen.has(id)) this.firstSeen.set(id, Date.now());
    await Promise.all(
      targets.map(async (rec) => {
        const host = hosts.get(rec.host);
        if (host) await this.check(rec, host).catch(() => undefined);
      }),
    );
  }

  /**
   * Stopped instances with an idle timeout whose reason is not known yet (it
   * stopped while no Code Swarm ran, or between two rounds): the engine's log
   * says whether code-server exited for idling. Asked once per stop.
   */
  async explainStops(hostName?: string): Promise<void> {
    const file = await this.opts.store.read();
    const hosts = new Map(file.hosts.map((h) => [h.name, h]));
    const unexplained = file.instances.filter(
      (i) =>
        (hostName === undefined || i.host === hostName) &&
        i.state === 'stopped' &&
        i.idleTimeoutSeconds !== undefined &&
        i.stoppedReason === undefined,
    );
    await Promise.all(
      unexplained.map(async (rec) => {
        const host = hosts.get(rec.host);
        const provider = host && this.opts.providerOf(host);
        if (!provider?.stoppedForIdle) return;
        let idle: boolean;
        try {
          idle = await provider.stoppedForIdle(refOf(rec));
        } catch {
          return;
        }
        await this.record(rec.id, (r) => {
          if (r.state === 'stopped' && r.stoppedReason === undefined) r.stoppedReason = idle ? 'idle' : 'external';
        });
        this.opts.changed(rec.host);
      }),
    );
  }

  private async check(rec: InstanceRecord, host: HostRecord): Promise<void> {
    const timeout = rec.idleTimeoutSeconds;
    if (timeout === undefined || rec.port === undefined) return;
    const beat: Heartbeat | undefined = await readHeartbeat(this.opts.linkOf(host), rec.port);
    if (!beat) return;
    const started = Date.parse(this.opts.startedAt(rec.id) ?? '');
    const clock = idleClock(timeout, beat, Number.isNaN(started) ? this.firstSeen.get(rec.id) : started);
    const before = this.activity.get(rec.id);
    const keptAliveBy = clock.active ? ([...(this.tunnels.get(rec.id) ?? [])].some((t) => t.isOpen) ? 'tunnel' : 'connection') : undefined;
    this.activity.set(rec.id, { ...clock, keptAliveBy, readAt: new Date().toISOString() });
    if (before?.active !== clock.active || before?.stopsAt !== clock.stopsAt) this.opts.changed(rec.host);
    const provider = this.opts.providerOf(host);
    let enforcedBy = rec.idleEnforcedBy;
    if (enforcedBy === undefined) {
      // code-server answered, so it has logged its start-up options by now.
      enforcedBy = provider.appliesIdleTimeout && (await provider.appliesIdleTimeout(refOf(rec))) ? 'code-server' : 'code-swarm';
      const found = enforcedBy;
      await this.record(rec.id, (r) => {
        r.idleEnforcedBy = found;
      });
    }
    if (enforcedBy !== 'code-swarm' || clock.stopsAt === undefined || Date.parse(clock.stopsAt) > Date.now()) return;
    try {
      await this.opts.stop(rec.name, 'idle');
      this.activity.delete(rec.id);
    } catch (e) {
      // The next round tries again; a stop that failed has its own reason shown by the refresh.
      void toSwarmError(e);
    }
  }

  private async record(id: string, edit: (r: InstanceRecord) => void): Promise<void> {
    await this.opts.store.update((draft) => {
      const r = draft.instances.find((i) => i.id === id);
      if (r) edit(r);
    });
  }
}
