import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { SwarmError, toSwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';
import { nameTakenError, throwIfAborted } from '../common/providerErrors.js';
import type { HostCheck } from '../hostCheck.js';
import type {
  CreateOptions,
  EngineChange,
  EngineEvents,
  EngineInfo,
  HostCapacity,
  InstanceRef,
  InstanceSpec,
  InstanceStats,
  LogOptions,
  ObservedInstance,
  ProgressSink,
  Provider,
  Snapshot,
} from '../provider.js';
import { firstStartFiles } from './codeServerConfig.js';
import { instanceBody } from './instanceConfig.js';
import { lxdChecks } from './lxdChecks.js';
import { ensureVolumes } from './lxdOptions.js';
import { stageFirstStartFiles } from './lxdFirstStart.js';
import { missingHostPaths } from '../common/hostPaths.js';
import { LxdApiError } from './lxdClient.js';
import { isNotFound, LxdDaemon } from './lxdDaemon.js';
import { watchLxd } from './lxdEvents.js';
import { checkImage, checkStartedImage } from './lxdImageCheck.js';
import { LXD_KEY } from './lxdKeys.js';
import { quotaProblemOf, rootPool } from './lxdQuota.js';
import { qgroupProblem } from './lxdQgroups.js';
import { forceStop, startInstance, stopInstance } from './lxdLifecycle.js';
import { readLxdLogs } from './lxdLogs.js';
import { instancePath, lxdInstanceName, lxdNameOf } from './lxdPaths.js';
import { PORT_RANGE, PortAllocator, type PortRange } from './lxdPorts.js';
import { LxdFullInstanceSchema, LxdInstanceSchema, LxdServerSchema, LxdStateSchema } from './lxdSchemas.js';
import { LxdSnapshots } from './lxdSnapshots.js';
import { lxdCapacity, readLxdBlockIo, statsFromLxd } from './lxdStats.js';
import { fromLxdInstance, parseLxdMemory } from './lxdState.js';

const STATS_SAMPLE_MS = 250;
/** dir-backed pools copy the whole root file system: creating and deleting take a while. */
const SLOW_OP_S = 900;

export interface LxdProviderOptions {
  /** Host loopback ports proxy devices may listen on. */
  readonly portRange?: PortRange;
  /** Source of randomness for port picking (tests make it predictable). */
  readonly random?: () => number;
}

/**
 * LXD (or Incus) through its REST API on the host's unix socket, reached
 * over the HostLink. code-server runs under systemd inside a system
 * container and is published on the host's loopback by a proxy device.
 */
export class LxdProvider implements Provider {
  readonly kind = 'lxd';
  private readonly daemon: LxdDaemon;
  private readonly ports: PortAllocator;
  private readonly snaps: LxdSnapshots;

  constructor(link: HostLink, socketPath?: string, options: LxdProviderOptions = {}) {
    this.daemon = new LxdDaemon(link, socketPath);
    this.ports = new PortAllocator(link.label, options.portRange ?? PORT_RANGE, options.random ?? Math.random);
    this.snaps = new LxdSnapshots(this.daemon, this.ports);
  }

  checks(): readonly HostCheck[] {
    return lxdChecks(this.daemon);
  }

  async engineInfo(): Promise<EngineInfo> {
    const info = await this.daemon.call('reach the daemon', (api) => api.get('/1.0', LxdServerSchema));
    const server = info.environment?.server === 'incus' || (await this.daemon.isIncus()) ? 'Incus' : 'LXD';
    return { provider: 'lxd', engineVersion: `${server} ${info.environment?.server_version ?? '(version unknown)'}` };
  }

  async list(): Promise<ObservedInstance[]> {
    // recursion=1 already carries status, config and devices: one call per host.
    const rows = await this.daemon.call('list instances', (api) => api.get('/1.0/instances?recursion=1', z.array(LxdInstanceSchema)));
    return rows.filter((r) => r.config?.[LXD_KEY.instance]).map(fromLxdInstance);
  }

  watch(onChange: (change: EngineChange) => void): Promise<EngineEvents> {
    return watchLxd(this.daemon, onChange);
  }

  missingHostPaths(paths: readonly string[]): Promise<string[]> {
    return missingHostPaths(this.daemon.link, paths);
  }

  /** The pool's driver first; on btrfs, also whether the kernel still enforces its quota groups. */
  /** The pool's driver first; on btrfs, also whether the kernel still enforces its quota groups (lxdQgroups.ts). */
  async diskQuotaProblem(): Promise<string | undefined> {
    const root = await this.daemon.call('read the root pool', (api) => rootPool(api));
    const problem = quotaProblemOf(root);
    if (problem !== undefined || root?.driver !== 'btrfs') return problem;
    return qgroupProblem((argv) => this.daemon.link.exec(argv), await this.daemon.resolveSocket(), root.pool);
  }

  async create(spec: InstanceSpec, options: CreateOptions = {}): Promise<ObservedInstance> {
    const progress = options.onProgress ?? (() => undefined);
    const name = lxdInstanceName(spec.name);
    const ref: InstanceRef = { id: spec.id, name: spec.name, containerId: name };
    throwIfAborted(options.signal);
    const port = await this.daemon.call('list instances', (api) => this.ports.take(api));
    let made = false;
    try {
      progress(`Creating ${name} from ${spec.image}`, 0.05);
      await this.daemon.call('create the mounted volumes', (api) => ensureVolumes(api, spec.mounts));
      const pool = spec.diskBytes === undefined ? undefined : await this.daemon.call('read the root pool', (api) => rootPool(api));
      await this.daemon.call('create the instance', async (api) => {
        try {
          await api.run('POST', '/1.0/instances', { body: instanceBody(name, spec, port, pool?.pool), waitS: SLOW_OP_S });
        } catch (e) {
          throw this.createError(e, spec, name);
        }
      });
      made = true;
      // An LXD operation cannot be cut short safely, so cancelling takes effect between steps.
      throwIfAborted(options.signal);
      progress('Writing the code-server configuration', 0.6);
      const unstage = await this.daemon.call(
        'write the code-server configuration',
        (api) => stageFirstStartFiles(api, name, firstStartFiles(spec)),
        ref,
      );
      throwIfAborted(options.signal);
      progress('Starting code-server', 0.7);
      await this.startNew(name, spec, progress, ref);
      progress('Checking code-server in the image', 0.9);
      // While it boots: the image's check, the staged files taken out again, and what it looks like now.
      const [, , observed] = await Promise.all([
        this.daemon.call('inspect the image', (api) => checkStartedImage(api, name, spec.image), ref),
        this.daemon.call('clean up the code-server configuration', () => unstage(), ref),
        this.observe(name),
      ]);
      throwIfAborted(options.signal);
      progress('Started', 1);
      return observed;
    } catch (e) {
      if (made) await this.undoCreate(name);
      else this.ports.release(port);
      throw toSwarmError(e);
    }
  }

  async start(ref: InstanceRef): Promise<void> {
    await this.daemon.call('start', (api) => startInstance(api, lxdNameOf(ref), this.ports), ref);
  }

  async stop(ref: InstanceRef): Promise<void> {
    await this.daemon.call('stop', (api) => stopInstance(api, lxdNameOf(ref)), ref);
  }

  async restart(ref: InstanceRef): Promise<void> {
    // Stop and start ourselves rather than LXD's restart: a start may have to move the port.
    await this.stop(ref);
    await this.start(ref);
  }

  /** The workspace lives in the instance's root file system, and snapshots belong to the instance: both go with it, `purge` or not. */
  async remove(ref: InstanceRef, _options: { purge: boolean }): Promise<void> {
    const name = lxdNameOf(ref);
    await this.daemon.call('remove', async (api) => {
      try {
        await forceStop(api, name);
        await api.run('DELETE', instancePath(name), { waitS: SLOW_OP_S });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }

  logs(ref: InstanceRef, options: LogOptions): Promise<Readable> {
    return readLxdLogs(this.daemon, ref, options);
  }

  async stats(ref: InstanceRef): Promise<InstanceStats> {
    const name = lxdNameOf(ref);
    const path = instancePath(name);
    const first = await this.daemon.call('read stats', (api) => api.get(`${path}?recursion=1`, LxdFullInstanceSchema), ref);
    const limit = parseLxdMemory(first.config?.['limits.memory']);
    if (first.status !== 'Running') return { cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: limit, pids: 0 };
    const readState = () => this.daemon.call('read stats', (api) => api.get(`${path}/state`, LxdStateSchema), ref);
    // Releases before instance_get_full leave the state out of the instance.
    const before = first.state ?? (await readState());
    const t0 = performance.now();
    const [block] = await Promise.all([readLxdBlockIo(this.daemon.link, name), sleep(STATS_SAMPLE_MS)]);
    const second = await readState();
    return statsFromLxd(before, second, (performance.now() - t0) * 1e6, limit, block);
  }

  capacity(): Promise<HostCapacity> {
    return this.daemon.call('read the host resources', (api) => lxdCapacity(api));
  }

  snapshot(ref: InstanceRef, label: string | undefined): Promise<Snapshot> {
    return this.snaps.take(ref, label);
  }

  snapshots(ref: InstanceRef): Promise<Snapshot[]> {
    return this.snaps.list(ref);
  }

  async restore(ref: InstanceRef, snapshot: string): Promise<ObservedInstance> {
    await this.snaps.restore(ref, snapshot);
    return this.observe(lxdNameOf(ref));
  }

  deleteSnapshot(ref: InstanceRef, snapshot: string): Promise<void> {
    return this.snaps.delete(ref, snapshot);
  }

  /** Current observation of one instance, by its LXD name. */
  async observe(lxdName: string): Promise<ObservedInstance> {
    const inst = await this.daemon.call('inspect the instance', (api) => api.get(instancePath(lxdName), LxdInstanceSchema));
    return fromLxdInstance(inst);
  }

  /**
   * The first start. One that fails is explained by the image where the
   * image is the reason (an image without init or code-server cannot start):
   * its check runs then, on the stopped instance.
   */
  private async startNew(name: string, spec: InstanceSpec, progress: ProgressSink, ref: InstanceRef): Promise<void> {
    try {
      await this.daemon.call('start', (api) => startInstance(api, name, this.ports), ref);
    } catch (e) {
      progress('Checking code-server in the image', 0.9);
      await this.daemon.call('inspect the image', (api) => checkImage(api, name, spec.image), ref);
      throw e;
    }
  }

  /** Best-effort cleanup after a failed create; what cannot be removed keeps its labels. */
  private async undoCreate(name: string): Promise<void> {
    try {
      const api = await this.daemon.api();
      await forceStop(api, name).catch(() => undefined);
      await api.run('DELETE', instancePath(name), { waitS: SLOW_OP_S });
    } catch {
      // It stays labelled and shows up in list() as what it is.
    }
  }

  private createError(e: unknown, spec: InstanceSpec, name: string): unknown {
    if (!(e instanceof LxdApiError)) return e;
    if (/image alias not found|image not found|not found.*image/i.test(e.message) || (e.status === 404 && e.path === '/1.0/instances')) {
      return new SwarmError(`The image ${spec.image} is not on ${this.daemon.link.label} (no LXD image alias of that name)`, {
        code: 'image-missing',
        hint: 'Import it there (lxc image import METADATA ROOTFS --alias NAME) or copy it from a remote (lxc image copy REMOTE:IMAGE local: --alias NAME), or pick an alias from lxc image list',
        cause: e,
      });
    }
    if (/already exists/i.test(e.message)) return nameTakenError(`An LXD instance named ${name}`, this.daemon.link.label, e);
    return e;
  }
}
