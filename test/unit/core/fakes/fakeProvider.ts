import { Readable } from 'node:stream';
import type {
  EngineChange,
  EngineEvents,
  EngineInfo,
  HostCapacity,
  InstanceRef,
  InstanceSpec,
  InstanceStats,
  ObservedInstance,
  Provider,
} from '../../../../src/providers/provider.js';
import type { SwarmError } from '../../../../src/shared/errors.js';

/**
 * An engine in memory, behind the Provider interface: the instances it runs,
 * the failures the test wants next, the events it reports, and a gate that
 * holds a delete half way so the test can look at the Swarm meanwhile.
 */
export class FakeProvider implements Provider {
  readonly kind = 'docker' as const;
  readonly instances = new Map<string, ObservedInstance>();
  /** Thrown by these calls until cleared. */
  readonly failures: { list?: SwarmError; create?: SwarmError; engineInfo?: SwarmError; stats?: SwarmError; capacity?: SwarmError } = {};
  /** What stats() reports, by instance name (default: idle). */
  readonly usage = new Map<string, InstanceStats>();
  /** What diskUsage() reports, by instance name, and the instances it was asked about. */
  readonly diskUsed = new Map<string, number>();
  readonly diskUsageAsked: string[] = [];
  /** Why --disk would be refused here (default: it is enforced). */
  quotaProblem: string | undefined = undefined;
  /** What capacity() reports. */
  hostCapacity: HostCapacity = {
    cpus: 4,
    memoryBytes: 8 * 1024 ** 3,
    memoryAvailableBytes: 6 * 1024 ** 3,
    diskFreeBytes: 50 * 1024 ** 3,
    diskTotalBytes: 100 * 1024 ** 3,
    diskLocation: '/var/lib/docker',
  };
  /** A failing create leaves its container behind, labelled, as when its clean-up failed too. */
  leaveFailedContainer = false;
  listCalls = 0;
  /** Set once a remove has taken the container away (and reported it), before its gate opens. */
  removing = false;
  private nextPort = 41_000;
  private removeGate: Promise<void> | undefined;
  private readonly watchers = new Set<(c: EngineChange) => void>();

  async engineInfo(): Promise<EngineInfo> {
    if (this.failures.engineInfo) throw this.failures.engineInfo;
    return { provider: 'docker', engineVersion: '27.0-fake' };
  }

  async list(): Promise<ObservedInstance[]> {
    this.listCalls++;
    if (this.failures.list) throw this.failures.list;
    return [...this.instances.values()];
  }

  async create(spec: InstanceSpec): Promise<ObservedInstance> {
    if (this.failures.create) {
      if (this.leaveFailedContainer)
        this.instances.set(spec.id, { ...this.observed(spec), state: 'failed', port: undefined, error: 'clean-up failed' });
      throw this.failures.create;
    }
    const o = this.observed(spec);
    this.instances.set(spec.id, o);
    return o;
  }

  async start(ref: InstanceRef): Promise<void> {
    this.patch(ref.id, { state: 'running', port: this.nextPort++, startedAt: new Date().toISOString() });
  }

  async stop(ref: InstanceRef): Promise<void> {
    this.patch(ref.id, { state: 'stopped', port: undefined });
  }

  async restart(ref: InstanceRef): Promise<void> {
    this.patch(ref.id, { state: 'running', startedAt: new Date().toISOString() });
  }

  /** Takes the container away and reports it as Docker does, then waits for the gate (if held) before returning. */
  async remove(ref: InstanceRef): Promise<void> {
    this.instances.delete(ref.id);
    this.removing = true;
    // Docker names the container by id and name; LXD's events carry only the name.
    this.report({ id: ref.id, name: undefined, action: 'destroy' });
    this.report({ id: undefined, name: ref.name, action: 'instance-deleted' });
    await this.removeGate;
  }

  async logs(): Promise<Readable> {
    return Readable.from([]);
  }

  async stats(ref: InstanceRef): Promise<InstanceStats> {
    if (this.failures.stats) throw this.failures.stats;
    return this.usage.get(ref.name) ?? { cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: undefined };
  }

  async diskUsage(ref: InstanceRef): Promise<number | undefined> {
    this.diskUsageAsked.push(ref.name);
    return this.diskUsed.get(ref.name);
  }

  async diskQuotaProblem(): Promise<string | undefined> {
    return this.quotaProblem;
  }

  async capacity(): Promise<HostCapacity> {
    if (this.failures.capacity) throw this.failures.capacity;
    return this.hostCapacity;
  }

  async watch(onChange: (change: EngineChange) => void): Promise<EngineEvents> {
    this.watchers.add(onChange);
    let close: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      close = () => {
        this.watchers.delete(onChange);
        resolve();
      };
    });
    return { ended, close };
  }

  /** The engine reports a change to everyone watching. */
  report(change: EngineChange): void {
    for (const w of [...this.watchers]) w(change);
  }

  /** Holds every remove after taking the container away, until the returned function is called. */
  holdRemoves(): () => void {
    let release: () => void = () => undefined;
    this.removeGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.removeGate = undefined;
      release();
    };
  }

  /** Docker restarted the instance after a crash, on another loopback port. */
  movePort(id: string, port: number): void {
    this.patch(id, { port, startedAt: new Date(Date.now() - 3_600_000).toISOString() });
  }

  /** The engine cannot run it (a task Swarm cannot place): starting, with the engine's reason. */
  strand(id: string, error: string): void {
    this.patch(id, { state: 'starting', error });
  }

  private patch(id: string, change: Partial<ObservedInstance>): void {
    const o = this.instances.get(id);
    if (!o) throw new Error(`no instance ${id} on the fake engine`);
    this.instances.set(id, { ...o, ...change });
  }

  private observed(spec: InstanceSpec): ObservedInstance {
    return {
      id: spec.id,
      name: spec.name,
      containerId: `ctr-${spec.name}`,
      image: spec.image,
      state: 'running',
      port: this.nextPort++,
      storeId: spec.storeId,
      cookieSuffix: spec.cookieSuffix,
      cpus: spec.cpus,
      memoryBytes: spec.memoryBytes,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      error: undefined,
    };
  }
}
