import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { SwarmError, toSwarmError } from '../shared/errors.js';
import type { InstanceState } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import { LxdApiError, LxdClient } from './lxdClient.js';
import {
  LABEL,
  type CreateOptions,
  type EngineChange,
  type EngineEvents,
  type EngineInfo,
  type InstanceRef,
  type InstanceSpec,
  type InstanceStats,
  type LogOptions,
  type ObservedInstance,
  type Provider,
  type Snapshot,
} from './provider.js';

/** Where LXD (Debian package, snap) and Incus put their socket, tried in this order. */
export const LXD_SOCKETS = ['/var/lib/lxd/unix.socket', '/var/snap/lxd/common/lxd/unix.socket', '/var/lib/incus/unix.socket'] as const;
export const PROXY_DEVICE = 'code-swarm-http';
export const PORT_RANGE: PortRange = { min: 20_000, max: 39_999 };
const CODE_SERVER_PORT = 8080;
const CODER_UID = 1000;
const CODE_SERVER_UNIT = 'code-server@coder';
const CONFIG_DIR = '/home/coder/.config';
const CONFIG_PATH = `${CONFIG_DIR}/code-server/config.yaml`;
const CODE_SERVER_PATHS = ['/usr/bin/code-server', '/usr/lib/code-server'];
const UNIT_PATHS = ['/etc/systemd/system/code-server@.service', '/usr/lib/systemd/system/code-server@.service', '/lib/systemd/system/code-server@.service'];
const UNIT_WANTS = `/etc/systemd/system/multi-user.target.wants/${CODE_SERVER_UNIT}.service`;
/** Seconds systemd in the container gets to shut down before the stop is forced. */
const STOP_TIMEOUT_S = 10;
const START_ATTEMPTS = 5;
const STATS_SAMPLE_MS = 250;
/** dir-backed pools copy the whole root file system: creating, snapshotting and deleting take a while. */
const SLOW_OP_S = 900;

/** `user.*` keys are the only config keys LXD lets us invent. */
export const LXD_KEY = {
  instance: `user.${LABEL.instance}`,
  name: `user.${LABEL.name}`,
  store: `user.${LABEL.store}`,
  spec: `user.${LABEL.spec}`,
  cookieSuffix: `user.${LABEL.cookieSuffix}`,
  snapshotLabel: 'user.code-swarm.snapshot-label',
} as const;

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export interface LxdProviderOptions {
  /** Host loopback ports proxy devices may listen on. */
  readonly portRange?: PortRange;
  /** Source of randomness for port picking (tests make it predictable). */
  readonly random?: () => number;
}

interface SpecLabel {
  image: string;
  cpus: number;
  memoryBytes: number;
}

const StringMap = z.record(z.string(), z.string());
const LxdInstanceSchema = z.object({
  name: z.string(),
  status: z.string(),
  config: StringMap.nullish(),
  devices: z.record(z.string(), StringMap).nullish(),
  expanded_devices: z.record(z.string(), StringMap).nullish(),
  created_at: z.string().optional(),
  last_used_at: z.string().optional(),
});
export type LxdInstance = z.infer<typeof LxdInstanceSchema>;

const LxdStateSchema = z.object({
  status: z.string(),
  cpu: z.object({ usage: z.number() }).nullish(),
  memory: z.object({ usage: z.number() }).nullish(),
});
const LxdFullInstanceSchema = LxdInstanceSchema.extend({ state: LxdStateSchema.nullish() });
const LxdSnapshotSchema = z.object({ name: z.string(), created_at: z.string(), config: StringMap.nullish() });
const LxdServerSchema = z.object({
  environment: z.object({ server: z.string().optional(), server_version: z.string().optional() }).nullish(),
});

export function lxdInstanceName(name: string): string {
  return `code-swarm-${name}`;
}

/** Lifecycle actions that can change what a list shows; not file, log or exec traffic. */
const WATCHED_ACTIONS = new Set([
  'instance-created',
  'instance-started',
  'instance-stopped',
  'instance-shutdown',
  'instance-restarted',
  'instance-deleted',
  'instance-renamed',
  'instance-paused',
  'instance-resumed',
  'instance-restored',
  'instance-updated',
]);
const LifecycleSchema = z.object({
  type: z.literal('lifecycle'),
  metadata: z.object({ action: z.string(), source: z.string() }),
});

/**
 * The change a lifecycle event reports, if it is about one of our instances
 * ("/1.0/instances/code-swarm-web?project=default" is web's).
 */
export function lxdChangeOf(text: string): EngineChange | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { id: undefined, name: undefined, action: 'unknown' };
  }
  const e = LifecycleSchema.safeParse(json);
  if (!e.success || !WATCHED_ACTIONS.has(e.data.metadata.action)) return undefined;
  const m = /^\/1\.0\/instances\/([^/?]+)/.exec(e.data.metadata.source);
  let instance: string | undefined;
  try {
    instance = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  } catch {
    // A malformed escape is not a name of ours (ours are [a-z0-9-]); it must not throw in the message handler.
    return undefined;
  }
  if (instance === undefined || !instance.startsWith(lxdInstanceName(''))) return undefined;
  return { id: undefined, name: instance.slice(lxdInstanceName('').length), action: e.data.metadata.action };
}

/**
 * LXD (or Incus) through its REST API on the host's unix socket, reached
 * over the HostLink. code-server runs under systemd inside a system
 * container and is published on the host's loopback by a proxy device.
 */
export class LxdProvider implements Provider {
  readonly kind = 'lxd';
  private socket: Promise<string> | undefined;
  private client: { path: string; api: LxdClient } | undefined;
  private cli: Promise<string[]> | undefined;
  /**
   * Ports handed out by this provider. Two creates at once list the host
   * before either has its device, so the listing alone cannot keep them apart.
   */
  private readonly reserved = new Set<number>();
  private readonly portRange: PortRange;
  private readonly random: () => number;

  constructor(
    private readonly link: HostLink,
    private readonly socketPath?: string,
    options: LxdProviderOptions = {},
  ) {
    this.portRange = options.portRange ?? PORT_RANGE;
    this.random = options.random ?? Math.random;
  }

  async engineInfo(): Promise<EngineInfo> {
    const info = await this.call('reach the daemon', (api) => api.get('/1.0', LxdServerSchema));
    const server = info.environment?.server === 'incus' || (await this.isIncus()) ? 'Incus' : 'LXD';
    return { provider: 'lxd', engineVersion: `${server} ${info.environment?.server_version ?? '(version unknown)'}` };
  }

  async list(): Promise<ObservedInstance[]> {
    // recursion=1 already carries status, config and devices: one call per host.
    const rows = await this.call('list instances', (api) => api.get('/1.0/instances?recursion=1', z.array(LxdInstanceSchema)));
    return rows.filter((r) => r.config?.[LXD_KEY.instance]).map(fromLxdInstance);
  }

  /**
   * LXD's lifecycle events (/1.0/events, a websocket on the daemon's socket),
   * filtered here to our instances: LXD cannot filter by name or key.
   */
  async watch(onChange: (change: EngineChange) => void): Promise<EngineEvents> {
    return this.call('watch instance events', (api) =>
      api.subscribe('/1.0/events?type=lifecycle', (text) => {
        const change = lxdChangeOf(text);
        if (change) onChange(change);
      }),
    );
  }

  async create(spec: InstanceSpec, options: CreateOptions = {}): Promise<ObservedInstance> {
    const progress = options.onProgress ?? (() => undefined);
    const name = lxdInstanceName(spec.name);
    const ref: InstanceRef = { id: spec.id, name: spec.name, containerId: name };
    throwIfAborted(options.signal);
    const port = await this.reservePort();
    let made = false;
    try {
      progress(`Creating ${name} from ${spec.image}`, 0.05);
      await this.call('create the instance', async (api) => {
        try {
          await api.run('POST', '/1.0/instances', { body: instanceBody(name, spec, port), waitS: SLOW_OP_S });
        } catch (e) {
          throw this.createError(e, spec, name);
        }
      });
      made = true;
      // An LXD operation cannot be cut short safely, so cancelling takes effect between steps.
      throwIfAborted(options.signal);
      progress('Checking code-server in the image', 0.6);
      await this.call('inspect the image', (api) => this.checkImage(api, name, spec.image), ref);
      throwIfAborted(options.signal);
      progress('Writing the code-server configuration', 0.7);
      await this.call('write the code-server configuration', (api) => this.pushConfig(api, name, spec), ref);
      throwIfAborted(options.signal);
      progress('Starting code-server', 0.8);
      await this.call('start', (api) => this.startInstance(api, name), ref);
      progress('Started', 1);
      return await this.observe(name);
    } catch (e) {
      if (made) await this.undoCreate(name);
      else this.reserved.delete(port);
      throw toSwarmError(e);
    }
  }

  async start(ref: InstanceRef): Promise<void> {
    await this.call('start', (api) => this.startInstance(api, nameOf(ref)), ref);
  }

  async stop(ref: InstanceRef): Promise<void> {
    await this.call('stop', (api) => this.stopInstance(api, nameOf(ref)), ref);
  }

  async restart(ref: InstanceRef): Promise<void> {
    // Stop and start ourselves rather than LXD's restart: a start may have to move the port.
    await this.stop(ref);
    await this.start(ref);
  }

  /** The workspace lives in the instance's root file system, and snapshots belong to the instance: both go with it, `purge` or not. */
  async remove(ref: InstanceRef, _options: { purge: boolean }): Promise<void> {
    const name = nameOf(ref);
    await this.call('remove', async (api) => {
      try {
        await forceStop(api, name);
        await api.run('DELETE', instancePath(name), { waitS: SLOW_OP_S });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }

  async logs(ref: InstanceRef, options: LogOptions): Promise<Readable> {
    const name = nameOf(ref);
    const inst = await this.call('read logs', (api) => api.get(instancePath(name), LxdInstanceSchema), ref);
    if (inst.status !== 'Running') {
      throw new SwarmError(`${ref.name} is not running on ${this.link.label}: its code-server log is in the instance's journal, which can be read only while it runs`, {
        code: 'conflict',
        hint: 'Start it, then read the logs again',
      });
    }
    const argv = [
      ...(await this.cliCommand()),
      'exec',
      name,
      '--',
      'journalctl',
      '-u',
      CODE_SERVER_UNIT,
      '--no-pager',
      '-n',
      String(options.tail ?? 200),
      ...(options.follow ? ['-f'] : []),
    ];
    const out = new PassThrough();
    if (options.follow && this.link.execStream) {
      const proc = await this.link.execStream(argv);
      let stderr = '';
      let closed = false;
      proc.stderr.on('data', (c: Buffer) => {
        if (stderr.length < 4096) stderr += c.toString('utf8');
      });
      proc.stdout.pipe(out, { end: false });
      const stop = () => {
        closed = true;
        proc.close();
      };
      options.signal?.addEventListener('abort', stop, { once: true });
      // The reader going away must not leave journalctl -f running in the instance.
      out.on('close', stop);
      void proc.exit.then((code) => {
        options.signal?.removeEventListener('abort', stop);
        if (code !== 0 && !closed && stderr.trim()) out.destroy(this.execError(ref, 'read logs', stderr));
        else out.end();
      });
      return out;
    }
    // Without a streaming exec (test doubles), following degrades to the current tail.
    const r = await this.link.exec(argv, { timeoutMs: 30_000 });
    if (r.code !== 0) throw this.execError(ref, 'read logs', r.stderr || r.stdout);
    out.end(r.stdout);
    return out;
  }

  async stats(ref: InstanceRef): Promise<InstanceStats> {
    const name = nameOf(ref);
    const first = await this.call('read stats', (api) => api.get(`${instancePath(name)}?recursion=1`, LxdFullInstanceSchema), ref);
    const limit = parseMemory(first.config?.['limits.memory']);
    if (first.status !== 'Running') return { cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: limit };
    const readState = () => this.call('read stats', (api) => api.get(`${instancePath(name)}/state`, LxdStateSchema), ref);
    // Releases before instance_get_full leave the state out of the instance.
    const before = first.state ?? (await readState());
    const t0 = performance.now();
    await sleep(STATS_SAMPLE_MS);
    const second = await readState();
    const elapsedNs = (performance.now() - t0) * 1e6;
    const cpuNs = (second.cpu?.usage ?? 0) - (before.cpu?.usage ?? 0);
    return {
      // Percent of one CPU, like `docker stats`: 200 means two CPUs busy.
      cpuPercent: elapsedNs > 0 && cpuNs > 0 ? (cpuNs / elapsedNs) * 100 : 0,
      memoryBytes: second.memory?.usage ?? 0,
      memoryLimitBytes: limit,
    };
  }

  async snapshot(ref: InstanceRef, label: string | undefined): Promise<Snapshot> {
    const name = nameOf(ref);
    return this.call(
      'take a snapshot',
      async (api) => {
        // LXD 5.0 snapshots have no description: the label rides in the config copy the snapshot keeps.
        await api.run('PATCH', instancePath(name), { body: { config: { [LXD_KEY.snapshotLabel]: label ?? '' } } });
        const base = `snap-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}`;
        let snap = base;
        for (let i = 2; ; i++) {
          try {
            await api.run('POST', `${instancePath(name)}/snapshots`, { body: { name: snap, stateful: false }, waitS: SLOW_OP_S });
            break;
          } catch (e) {
            if (!(e instanceof LxdApiError) || !/already exists/i.test(e.message) || i > 20) throw e;
            snap = `${base}-${i}`;
          }
        }
        if (label !== undefined) {
          await api.run('PATCH', instancePath(name), { body: { config: { [LXD_KEY.snapshotLabel]: '' } } }).catch(() => undefined);
        }
        const s = await api.get(snapshotPath(name, snap), LxdSnapshotSchema);
        return toSnapshot(s);
      },
      ref,
    );
  }

  async snapshots(ref: InstanceRef): Promise<Snapshot[]> {
    const name = nameOf(ref);
    const rows = await this.call('list snapshots', (api) => api.get(`${instancePath(name)}/snapshots?recursion=1`, z.array(LxdSnapshotSchema)), ref);
    return rows.map(toSnapshot).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async restore(ref: InstanceRef, snapshot: string): Promise<ObservedInstance> {
    const name = nameOf(ref);
    await this.call(
      'restore a snapshot',
      async (api) => {
        await this.getSnapshot(api, ref, snapshot);
        const inst = await api.get(instancePath(name), LxdInstanceSchema);
        const wasRunning = inst.status === 'Running';
        // Our own graceful stop and start: LXD's restore kills a running instance,
        // and the start may have to move a port someone took since.
        if (wasRunning) await this.stopInstance(api, name);
        await api.run('PUT', instancePath(name), { body: { restore: snapshot }, waitS: SLOW_OP_S });
        if (wasRunning) await this.startInstance(api, name);
      },
      ref,
    );
    return this.observe(name);
  }

  async deleteSnapshot(ref: InstanceRef, snapshot: string): Promise<void> {
    const name = nameOf(ref);
    await this.call(
      'delete a snapshot',
      async (api) => {
        await this.getSnapshot(api, ref, snapshot);
        await api.run('DELETE', snapshotPath(name, snapshot), { waitS: SLOW_OP_S });
      },
      ref,
    );
  }

  /** Current observation of one instance, by its LXD name. */
  async observe(lxdName: string): Promise<ObservedInstance> {
    const inst = await this.call('inspect the instance', (api) => api.get(instancePath(lxdName), LxdInstanceSchema));
    return fromLxdInstance(inst);
  }

  private async getSnapshot(api: LxdClient, ref: InstanceRef, snapshot: string): Promise<void> {
    try {
      await api.get(snapshotPath(nameOf(ref), snapshot), LxdSnapshotSchema);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // Tell a missing snapshot from a missing instance.
      await api.get(instancePath(nameOf(ref)), LxdInstanceSchema);
      throw new SwarmError(`${ref.name} has no snapshot named ${snapshot} on ${this.link.label}`, {
        code: 'not-found',
        hint: 'List its snapshots and pick one of them',
        cause: e,
      });
    }
  }

  /** Starts, moving the proxy device to another port when its port was taken while it was stopped. */
  private async startInstance(api: LxdClient, name: string): Promise<void> {
    const tried = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      try {
        await api.run('PUT', `${instancePath(name)}/state`, { body: { action: 'start' }, waitS: 120 });
        return;
      } catch (e) {
        if (e instanceof LxdApiError && /already running/i.test(e.message)) return;
        if (!isAddressInUse(e) || attempt >= START_ATTEMPTS) throw e;
      }
      const inst = await api.get(instancePath(name), LxdInstanceSchema);
      const current = proxyPort(inst);
      if (current !== undefined) tried.add(current);
      const used = await this.usedPorts(api);
      for (const p of tried) used.add(p);
      const port = this.takePort(used);
      await api.run('PATCH', instancePath(name), { body: { devices: { [PROXY_DEVICE]: proxyDevice(port) } } });
    }
  }

  private async stopInstance(api: LxdClient, name: string): Promise<void> {
    try {
      await api.run('PUT', `${instancePath(name)}/state`, {
        body: { action: 'stop', timeout: STOP_TIMEOUT_S, force: false },
        waitS: STOP_TIMEOUT_S + 60,
      });
    } catch (e) {
      if (!(e instanceof LxdApiError) || isNotFound(e)) throw e;
      if (/already stopped/i.test(e.message)) return;
      // The clean shutdown ran out of time (or was refused): pull the plug, like docker stop does.
      await forceStop(api, name);
    }
  }

  /** Refuses images that cannot run code-server; makes sure its unit starts at boot. */
  private async checkImage(api: LxdClient, name: string, image: string): Promise<void> {
    const exists = async (path: string): Promise<boolean> => {
      const r = await api.head(filesPath(name, path));
      if (r.status === 200) return true;
      if (r.status === 404) return false;
      throw new LxdApiError(r.status, `HEAD ${path} answered HTTP ${r.status}`, 'HEAD', filesPath(name, path));
    };
    const installHint =
      "Install code-server in the image (e.g. with code-server's install script, which also installs the code-server@ systemd unit), add a user coder (uid 1000), then publish it as an alias (lxc publish CONTAINER --alias NAME)";
    if (!(await someAsync(CODE_SERVER_PATHS, exists))) {
      throw new SwarmError(`The image ${image} has no code-server installed`, { code: 'image-missing', hint: installHint });
    }
    const unit = await findAsync(UNIT_PATHS, exists);
    if (!unit) {
      throw new SwarmError(`The image ${image} has code-server but no systemd unit code-server@.service`, { code: 'image-missing', hint: installHint });
    }
    const passwd = (await api.raw('GET', filesPath(name, '/etc/passwd'))).body.toString('utf8');
    if (!passwd.split('\n').some((l) => /^coder:[^:]*:1000:/.test(l))) {
      throw new SwarmError(`The image ${image} has no user coder (uid 1000) for code-server to run as`, { code: 'image-missing', hint: installHint });
    }
    // code-server's own package installs the unit without enabling it.
    if (!(await exists(UNIT_WANTS))) {
      await api.run('POST', filesPath(name, UNIT_WANTS), { rawBody: unit, headers: fileHeaders('symlink', 0, 0o777) });
    }
  }

  private async pushConfig(api: LxdClient, name: string, spec: InstanceSpec): Promise<void> {
    await api.run('POST', filesPath(name, CONFIG_DIR), { headers: fileHeaders('directory', CODER_UID, 0o755) });
    await api.run('POST', filesPath(name, `${CONFIG_DIR}/code-server`), { headers: fileHeaders('directory', CODER_UID, 0o700) });
    await api.run('POST', filesPath(name, CONFIG_PATH), {
      rawBody: renderCodeServerConfig(spec.hashedPassword, spec.cookieSuffix),
      headers: fileHeaders('file', CODER_UID, 0o600),
    });
  }

  /** Best-effort cleanup after a failed create; what cannot be removed keeps its labels. */
  private async undoCreate(name: string): Promise<void> {
    try {
      const api = await this.api();
      await forceStop(api, name).catch(() => undefined);
      await api.run('DELETE', instancePath(name), { waitS: SLOW_OP_S });
    } catch {
      // It stays labelled and shows up in list() as what it is.
    }
  }

  private async reservePort(): Promise<number> {
    const used = await this.call('list instances', (api) => this.usedPorts(api));
    return this.takePort(used);
  }

  private takePort(used: Set<number>): number {
    for (const p of this.reserved) used.add(p);
    const port = pickPort(used, this.random, this.portRange);
    if (port === undefined) {
      throw new SwarmError(`No free port left in ${this.portRange.min}-${this.portRange.max} on ${this.link.label}`, {
        code: 'conflict',
        hint: 'Delete instances you no longer need',
      });
    }
    this.reserved.add(port);
    return port;
  }

  /** Ports of every TCP proxy device on the host, ours or not. */
  private async usedPorts(api: LxdClient): Promise<Set<number>> {
    const rows = await api.get('/1.0/instances?recursion=1', z.array(LxdInstanceSchema));
    const used = new Set<number>();
    for (const r of rows) {
      for (const d of Object.values({ ...(r.expanded_devices ?? {}), ...(r.devices ?? {}) })) {
        const port = d['type'] === 'proxy' ? listenPort(d['listen']) : undefined;
        if (port !== undefined) used.add(port);
      }
    }
    return used;
  }

  private createError(e: unknown, spec: InstanceSpec, name: string): unknown {
    if (!(e instanceof LxdApiError)) return e;
    if (/image alias not found|image not found|not found.*image/i.test(e.message) || (e.status === 404 && e.path === '/1.0/instances')) {
      return new SwarmError(`The image ${spec.image} is not on ${this.link.label} (no LXD image alias of that name)`, {
        code: 'image-missing',
        hint: 'Import it there (lxc image import METADATA ROOTFS --alias NAME) or copy it from a remote (lxc image copy REMOTE:IMAGE local: --alias NAME), or pick an alias from lxc image list',
        cause: e,
      });
    }
    if (/already exists/i.test(e.message)) {
      return new SwarmError(`An LXD instance named ${name} already exists on ${this.link.label}`, {
        code: 'conflict',
        hint: 'Pick another name, or delete the old instance first',
        cause: e,
      });
    }
    return e;
  }

  private execError(ref: InstanceRef, what: string, output: string): SwarmError {
    return new SwarmError(`Could not ${what} of ${ref.name} on ${this.link.label}: ${firstLine(output.trim())}`, { code: 'internal' });
  }

  private async isIncus(): Promise<boolean> {
    return (await this.resolveSocket()).includes('incus');
  }

  private resolveSocket(): Promise<string> {
    if (this.socketPath) return Promise.resolve(this.socketPath);
    if (!this.socket) {
      const detecting = this.detectSocket();
      this.socket = detecting;
      // A host without LXD today may get it tomorrow: do not cache the failure.
      detecting.catch(() => {
        if (this.socket === detecting) this.socket = undefined;
      });
    }
    return this.socket;
  }

  private async detectSocket(): Promise<string> {
    for (const path of LXD_SOCKETS) {
      const r = await this.link.exec(['test', '-S', path], { timeoutMs: 10_000 });
      if (r.code === 0) return path;
    }
    throw new SwarmError(`LXD is not installed or not running on ${this.link.label} (no socket at ${LXD_SOCKETS.join(', ')})`, {
      code: 'engine-missing',
      hint: 'Install and initialise LXD there (apt install lxd, or snap install lxd; then lxd init), or add the host with the Docker provider',
    });
  }

  private async api(): Promise<LxdClient> {
    const path = await this.resolveSocket();
    if (this.client?.path !== path) this.client = { path, api: new LxdClient(() => this.link.openUnixSocket(path)) };
    return this.client.api;
  }

  /** The CLI (for `exec`), pointed at the same daemon socket as the API calls. */
  private cliCommand(): Promise<string[]> {
    if (!this.cli) {
      const finding = this.findCli();
      this.cli = finding;
      finding.catch(() => {
        if (this.cli === finding) this.cli = undefined;
      });
    }
    return this.cli;
  }

  private async findCli(): Promise<string[]> {
    const socket = await this.resolveSocket();
    const incus = socket.includes('incus');
    const candidates = incus ? ['incus'] : ['lxc', '/snap/bin/lxc', 'incus'];
    for (const bin of candidates) {
      let ok = false;
      try {
        ok = (await this.link.exec([bin, '--version'], { timeoutMs: 10_000 })).code === 0;
      } catch (e) {
        if (!(e instanceof SwarmError) || e.code !== 'engine-missing') throw e;
      }
      if (ok) return ['env', `${bin.endsWith('incus') ? 'INCUS_SOCKET' : 'LXD_SOCKET'}=${socket}`, bin];
    }
    throw new SwarmError(`Neither lxc nor incus is installed on ${this.link.label}, and reading an instance's log needs one of them`, {
      code: 'engine-missing',
      hint: 'Install the LXD client there (apt install lxd-client, or the lxd snap)',
    });
  }

  private async call<T>(what: string, fn: (api: LxdClient) => Promise<T>, ref?: InstanceRef): Promise<T> {
    const api = await this.api();
    try {
      return await fn(api);
    } catch (e) {
      if (isNotFound(e) && ref) {
        throw new SwarmError(`${ref.name} no longer exists on ${this.link.label} (its LXD instance was removed outside Code Swarm)`, {
          code: 'not-found',
          hint: 'Delete it from Code Swarm, or create it again',
          cause: e,
        });
      }
      throw await this.explain(e, what);
    }
  }

  /** Turns a failed socket open into "not installed" or "not allowed"; anything else into one line. */
  private async explain(e: unknown, what: string): Promise<SwarmError> {
    const engine = (await this.isIncus().catch(() => false)) ? 'Incus' : 'LXD';
    if (e instanceof SwarmError && (e.code === 'permission-denied' || e.code === 'engine-missing')) {
      const socket = await this.resolveSocket();
      let exists = e.code === 'permission-denied';
      try {
        exists = (await this.link.exec(['test', '-S', socket], { timeoutMs: 5_000 })).code === 0;
      } catch {
        // Keep the first diagnosis.
      }
      if (!exists) {
        return new SwarmError(`${engine} is not installed or not running on ${this.link.label} (no socket at ${socket})`, {
          code: 'engine-missing',
          hint: `Install and start ${engine} there, check the socket path of the host, or add the host with the Docker provider`,
          cause: e,
        });
      }
      const group = engine === 'Incus' ? 'incus-admin' : 'lxd';
      return new SwarmError(`Permission denied on the ${engine} socket ${socket} of ${this.link.label}`, {
        code: 'permission-denied',
        hint: `Add your SSH user to the ${group} group on that host (usermod -aG ${group} USER), then test the host again`,
        cause: e,
      });
    }
    if (e instanceof SwarmError) return e;
    return new SwarmError(`${engine} on ${this.link.label} could not ${what}: ${firstLine(e instanceof Error ? e.message : String(e))}`, {
      code: 'internal',
      cause: e,
    });
  }
}

/** LXD's words for an instance, in ours. */
export function mapLxdStatus(status: string): { state: InstanceState; error?: string } {
  switch (status) {
    case 'Running':
      return { state: 'running' };
    case 'Stopped':
    case 'Frozen':
      return { state: 'stopped' };
    case 'Starting':
    case 'Stopping':
      return { state: 'starting' };
    case 'Error':
      return { state: 'failed', error: 'LXD reports the instance in an error state' };
    default:
      return { state: 'failed', error: `unknown instance status "${status}"` };
  }
}

/**
 * A random free port, so that hosts shared by several stores rarely race;
 * the start retries with another one when they do.
 */
export function pickPort(used: ReadonlySet<number>, random: () => number = Math.random, range: PortRange = PORT_RANGE): number | undefined {
  const size = range.max - range.min + 1;
  if (size <= 0) return undefined;
  const start = Math.min(size - 1, Math.max(0, Math.floor(random() * size)));
  for (let i = 0; i < size; i++) {
    const port = range.min + ((start + i) % size);
    if (!used.has(port)) return port;
  }
  return undefined;
}

/** `tcp:127.0.0.1:PORT` → PORT; anything else (unix sockets, other addresses, ranges) → undefined. */
export function listenPort(listen: string | undefined): number | undefined {
  const m = /^tcp:(?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]):(\d{1,5})$/.exec(listen ?? '');
  const port = m ? Number(m[1]) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

function proxyPort(inst: LxdInstance): number | undefined {
  const d = inst.devices?.[PROXY_DEVICE] ?? inst.expanded_devices?.[PROXY_DEVICE];
  return d?.['type'] === 'proxy' ? listenPort(d['listen']) : undefined;
}

export function proxyDevice(port: number): Record<string, string> {
  // Loopback of the host only: the SSH connection is the one way in.
  return { type: 'proxy', listen: `tcp:127.0.0.1:${port}`, connect: `tcp:127.0.0.1:${CODE_SERVER_PORT}`, bind: 'host' };
}

/**
 * A YAML double-quoted scalar that any YAML parser reads back as exactly `value`:
 * everything outside printable ASCII is escaped, so neither a quote nor a line
 * break (nor U+2028) can end the value and start a key of its own.
 */
export function yamlQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

export function renderCodeServerConfig(hashedPassword: string, cookieSuffix: string): string {
  return [
    `bind-addr: 127.0.0.1:${CODE_SERVER_PORT}`,
    'auth: password',
    `hashed-password: ${yamlQuote(hashedPassword)}`,
    `cookie-suffix: ${yamlQuote(cookieSuffix)}`,
    'disable-telemetry: true',
    'disable-update-check: true',
    '',
  ].join('\n');
}

/** Bytes → what limits.memory takes; whole MiB, rounded up so a limit never shrinks. */
export function memoryLimit(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / 1024 ** 2))}MiB`;
}

/** What LXD's limits.cpu* take for a Docker-style CPU count. */
export function cpuLimits(cpus: number): Record<string, string> {
  const whole = Math.max(1, Math.ceil(cpus));
  // limits.cpu alone would grant whole CPUs; the allowance caps time like docker --cpus.
  return Number.isInteger(cpus) && cpus >= 1
    ? { 'limits.cpu': String(whole) }
    : { 'limits.cpu': String(whole), 'limits.cpu.allowance': `${Math.max(1, Math.round(cpus * 100))}ms/100ms` };
}

function instanceBody(name: string, spec: InstanceSpec, port: number): Record<string, unknown> {
  const specLabel: SpecLabel = { image: spec.image, cpus: spec.cpus, memoryBytes: spec.memoryBytes };
  return {
    name,
    type: 'container',
    source: { type: 'image', alias: spec.image },
    config: {
      ...cpuLimits(spec.cpus),
      'limits.memory': memoryLimit(spec.memoryBytes),
      'limits.processes': String(spec.pidsLimit),
      'security.privileged': 'false',
      'security.nesting': 'false',
      [LXD_KEY.instance]: spec.id,
      [LXD_KEY.name]: spec.name,
      [LXD_KEY.store]: spec.storeId,
      [LXD_KEY.spec]: JSON.stringify(specLabel),
      [LXD_KEY.cookieSuffix]: spec.cookieSuffix,
    },
    devices: { [PROXY_DEVICE]: proxyDevice(port) },
  };
}

export function fromLxdInstance(inst: LxdInstance): ObservedInstance {
  const config = inst.config ?? {};
  const mapped = mapLxdStatus(inst.status);
  const spec = parseSpec(config[LXD_KEY.spec]);
  return {
    id: config[LXD_KEY.instance] ?? inst.name,
    name: config[LXD_KEY.name] ?? inst.name.replace(/^code-swarm-/, ''),
    containerId: inst.name,
    image: spec.image ?? config['image.description'] ?? config['volatile.base_image']?.slice(0, 12) ?? 'unknown',
    state: mapped.state,
    port: proxyPort(inst),
    storeId: config[LXD_KEY.store],
    cookieSuffix: config[LXD_KEY.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt: lxdTime(inst.created_at),
    startedAt: mapped.state === 'running' ? lxdTime(inst.last_used_at) : undefined,
    error: mapped.error,
  };
}

function toSnapshot(s: z.infer<typeof LxdSnapshotSchema>): Snapshot {
  const label = s.config?.[LXD_KEY.snapshotLabel];
  return { name: s.name.split('/').pop() ?? s.name, createdAt: lxdTime(s.created_at) ?? s.created_at, label: label ? label : undefined };
}

function parseSpec(raw: string | undefined): Partial<SpecLabel> {
  try {
    const v = JSON.parse(raw ?? '{}') as unknown;
    if (typeof v !== 'object' || v === null) return {};
    const o = v as Record<string, unknown>;
    return {
      ...(typeof o['image'] === 'string' ? { image: o['image'] } : {}),
      ...(typeof o['cpus'] === 'number' ? { cpus: o['cpus'] } : {}),
      ...(typeof o['memoryBytes'] === 'number' ? { memoryBytes: o['memoryBytes'] } : {}),
    };
  } catch {
    return {};
  }
}

/** LXD writes "0001-01-01T00:00:00Z" for never; nanosecond precision is trimmed to what Date keeps. */
function lxdTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const UNITS: Record<string, number> = { '': 1, B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

function parseMemory(v: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kMGT]i?B|B)?$/.exec(v ?? '');
  const unit = UNITS[m?.[2] ?? ''];
  return m && unit ? Math.round(Number(m[1]) * unit) : undefined;
}

function fileHeaders(type: 'file' | 'directory' | 'symlink', uid: number, mode: number): Record<string, string> {
  return {
    'X-LXD-type': type,
    'X-LXD-uid': String(uid),
    'X-LXD-gid': String(uid),
    'X-LXD-mode': `0${mode.toString(8)}`,
  };
}

async function forceStop(api: LxdClient, name: string): Promise<void> {
  try {
    await api.run('PUT', `${instancePath(name)}/state`, { body: { action: 'stop', force: true }, waitS: 60 });
  } catch (e) {
    if (!(e instanceof LxdApiError) || !/already stopped/i.test(e.message)) throw e;
  }
}

function nameOf(ref: InstanceRef): string {
  return ref.containerId ?? lxdInstanceName(ref.name);
}

function instancePath(name: string): string {
  return `/1.0/instances/${encodeURIComponent(name)}`;
}

function snapshotPath(name: string, snapshot: string): string {
  return `${instancePath(name)}/snapshots/${encodeURIComponent(snapshot)}`;
}

function filesPath(name: string, path: string): string {
  return `${instancePath(name)}/files?path=${encodeURIComponent(path)}`;
}

function isNotFound(e: unknown): boolean {
  return e instanceof LxdApiError && e.status === 404;
}

/**
 * The proxy device could not listen on its port. LXD says so in one of two
 * ways, depending on when forkproxy's listener dies on the taken port: the
 * bind error itself, or "Failed to receive fd from listener process" (seen
 * in CI on the lab's LXD 5.0). Another cause of the second is retried too,
 * at most START_ATTEMPTS times, then reported as it came.
 */
export function isAddressInUse(e: unknown): boolean {
  return e instanceof LxdApiError && /address already in use|failed to receive fd from listener process/i.test(e.message);
}

async function someAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<boolean> {
  return (await findAsync(items, test)) !== undefined;
}

async function findAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<T | undefined> {
  for (const item of items) if (await test(item)) return item;
  return undefined;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SwarmError('Cancelled', { code: 'cancelled' });
}
