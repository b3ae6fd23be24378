import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { z } from 'zod';
import { SwarmError, toSwarmError } from '../shared/errors.js';
import type { InstanceState } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import { createDockerClient } from './dockerClient.js';
import { readEventLines } from './readEventLines.js';
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

export const CODE_SERVER_PORT = 8080;
export const PROJECT_DIR = '/home/coder/project';
const STOP_TIMEOUT_S = 5;
/** A stop waits STOP_TIMEOUT_S for code-server, so requests get well more than that. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Exit codes of a container that was asked to stop (SIGTERM/SIGKILL/^C). */
const CLEAN_EXIT = new Set([0, 130, 137, 143]);
/** Events that can change what a list shows (state, port, existence, name); not exec or health noise. */
const WATCHED_ACTIONS = ['create', 'start', 'restart', 'stop', 'die', 'destroy', 'pause', 'unpause', 'rename', 'oom'];
const EventSchema = z.object({
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).nullish() }).nullish(),
});
/** Docker's tag grammar: a snapshot name is a tag, and nothing else may reach an image reference. */
const SNAPSHOT_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Image label naming the instance a snapshot belongs to; purge finds untagged snapshot layers by it. */
const SNAPSHOT_OF_LABEL = `${LABEL.instance}-snapshot-of`;
const SNAPSHOT_CREATED_LABEL = `${LABEL.instance}-snapshot-created`;
/** A commit takes the container's file system only: Docker never puts volumes in an image. */
export const DOCKER_SNAPSHOT_WARNING = `the workspace volume ${PROJECT_DIR} is not part of a Docker snapshot`;

const VersionSchema = z.object({ Version: z.string(), ApiVersion: z.string() });
const ContainerListSchema = z.array(
  z.object({
    Id: z.string(),
    State: z.string(),
    Created: z.number(),
    Image: z.string(),
    Labels: z.record(z.string(), z.string()).nullable().optional(),
    Ports: z.array(z.object({ PrivatePort: z.number(), PublicPort: z.number().optional(), IP: z.string().optional() })).nullable().optional(),
  }),
);

/** One line of Docker's /events; a line we cannot read still says "something changed" (a list will tell what). */
export function dockerChangeOf(line: string): EngineChange {
  const e = EventSchema.safeParse(JSON.parse(line));
  const labels = e.success ? e.data.Actor?.Attributes : undefined;
  const action = e.success ? e.data.Action : 'unknown';
  return { id: labels?.[LABEL.instance], name: labels?.[LABEL.name], action, ...(action === 'die' ? { settling: true } : {}) };
}

export function containerName(name: string): string {
  return `code-swarm-${name}`;
}

export function volumeName(name: string): string {
  return `code-swarm-${name}-project`;
}

interface SpecLabel {
  image: string;
  cpus: number;
  memoryBytes: number;
}

/** Docker, reached through a HostLink (SSH stream-local forward or local socket). */
export class DockerProvider implements Provider {
  readonly kind = 'docker';
  /** For API calls: each must answer within REQUEST_TIMEOUT_MS. */
  private readonly docker: Docker;
  /** For calls that legitimately stream or idle for long: pulls, log follows, commits. */
  private readonly streams: Docker;
  private readonly deadlineMs: number;

  constructor(
    private readonly link: HostLink,
    private readonly socketPath: string,
    requestTimeoutMs = REQUEST_TIMEOUT_MS,
  ) {
    this.docker = createDockerClient(link, socketPath, requestTimeoutMs);
    this.deadlineMs = requestTimeoutMs * 2;
    this.streams = createDockerClient(link, socketPath);
  }

  async engineInfo(): Promise<EngineInfo> {
    let raw: unknown;
    try {
      raw = await this.call('reach the Docker engine', () => this.docker.version());
    } catch (e) {
      // Another service on the socket (e.g. LXD) answers /version with an HTTP error.
      if (statusOf((e as SwarmError).cause) !== undefined) raw = undefined;
      else throw e;
    }
    const v = this.checked(VersionSchema, raw, 'version');
    return { provider: 'docker', engineVersion: `Docker ${v.Version} (API ${v.ApiVersion})` };
  }

  async list(): Promise<ObservedInstance[]> {
    const rows = await this.call('list containers', () =>
      this.docker.listContainers({ all: true, filters: { label: [LABEL.instance] } }),
    );
    this.checked(ContainerListSchema, rows, 'container list');
    return fromListRows(rows, Date.now());
  }

  /**
   * Docker's /events, filtered by the engine to our containers' lifecycle:
   * one idle stream on the host's connection, silent until something changes.
   */
  async watch(onChange: (change: EngineChange) => void): Promise<EngineEvents> {
    const abort = new AbortController();
    const stream = (await this.call('watch container events', () =>
      this.streams.getEvents({ filters: { type: ['container'], label: [LABEL.instance], event: WATCHED_ACTIONS }, abortSignal: abort.signal }),
    )) as unknown as Readable;
    return readEventLines(stream, abort, `Docker events on ${this.link.label}`, dockerChangeOf, onChange);
  }

  /** The engine's JSON is an edge like any other: check the fields we use. */
  private checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw new SwarmError(`${this.link.label}'s ${this.socketPath} did not answer like a Docker engine (bad ${what})`, {
      code: 'engine-missing',
      hint: 'Check that the socket path is the Docker API socket (docker version on the host should work)',
    });
  }

  async create(spec: InstanceSpec, options: CreateOptions = {}): Promise<ObservedInstance> {
    const progress = options.onProgress ?? (() => undefined);
    const user = await this.ensureImage(spec.image, options);
    throwIfAborted(options.signal);
    progress('Creating the workspace volume');
    await this.call('create the workspace volume', () =>
      this.docker.createVolume({ Name: volumeName(spec.name), Labels: { [LABEL.instance]: spec.id, [LABEL.name]: spec.name, [LABEL.store]: spec.storeId } }),
    );
    progress('Creating the container');
    let container: Docker.Container | undefined;
    try {
      container = await this.call('create the container', () =>
        this.docker.createContainer(containerOptions(spec, { name: containerName(spec.name), image: spec.image, user, volume: volumeName(spec.name) })),
      );
      throwIfAborted(options.signal);
      progress('Starting code-server');
      await this.call('start the container', () => (container as Docker.Container).start());
      return await this.observe(container.id);
    } catch (e) {
      await this.undoCreate(container, spec);
      throw toSwarmError(e);
    }
  }

  async start(ref: InstanceRef): Promise<void> {
    await this.call('start', () => this.container(ref).start(), ref, [304]);
  }

  async stop(ref: InstanceRef): Promise<void> {
    await this.call('stop', () => this.container(ref).stop({ t: STOP_TIMEOUT_S }), ref, [304]);
  }

  async restart(ref: InstanceRef): Promise<void> {
    await this.call('restart', () => this.container(ref).restart({ t: STOP_TIMEOUT_S }), ref);
  }

  async remove(ref: InstanceRef, options: { purge: boolean }): Promise<void> {
    await this.call('remove', () => this.container(ref).remove({ force: true, v: false }), ref, [404]);
    if (!options.purge) return;
    await this.call('remove the workspace volume', () => this.docker.getVolume(volumeName(ref.name)).remove(), undefined, [404]);
    await this.removeSnapshotImages(ref);
  }

  async logs(ref: InstanceRef, options: LogOptions): Promise<Readable> {
    const container = this.streams.getContainer(ref.containerId ?? containerName(ref.name));
    const tail = options.tail ?? 200;
    const out = new PassThrough();
    if (!options.follow) {
      const buf = (await this.call('read logs', () => container.logs({ stdout: true, stderr: true, follow: false, tail }), ref)) as Buffer;
      out.end(demuxBuffer(buf));
      return out;
    }
    // The first attach happens before we return, so a missing container fails the call.
    const first = (await this.call('read logs', () => container.logs({ stdout: true, stderr: true, follow: true, tail }), ref)) as unknown as Readable;
    void this.followAcrossRestarts(container, first, out, options.signal);
    return out;
  }

  /**
   * Docker ends a follow when the container stops; a user watching the log
   * of an instance they restart expects it to go on, so re-attach once the
   * container runs again (until aborted or the container is gone).
   */
  private async followAcrossRestarts(container: Docker.Container, first: Readable, out: PassThrough, signal: AbortSignal | undefined): Promise<void> {
    let stream: Readable | undefined = first;
    const onAbort = () => stream?.destroy();
    signal?.addEventListener('abort', onAbort);
    try {
      while (stream && !signal?.aborted && !out.destroyed) {
        const current: Readable = stream;
        this.streams.modem.demuxStream(current, out, out);
        await new Promise<void>((resolve) => {
          current.once('end', resolve);
          current.once('close', resolve);
          current.once('error', resolve);
        });
        stream = undefined;
        const since = Math.floor(Date.now() / 1000);
        while (!signal?.aborted && !out.destroyed) {
          let running: boolean;
          try {
            running = (await container.inspect()).State.Running;
          } catch {
            return; // removed, or the host is gone: the log ends here
          }
          if (running) {
            stream = (await container.logs({ stdout: true, stderr: true, follow: true, since })) as unknown as Readable;
            break;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } catch (e) {
      out.destroy(toSwarmError(e));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!out.destroyed) out.end();
    }
  }

  async stats(ref: InstanceRef): Promise<InstanceStats> {
    const s = (await this.call('read stats', () => this.container(ref).stats({ stream: false }), ref)) as Docker.ContainerStats;
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
    const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
    const cache = (s.memory_stats.stats as Record<string, number> | undefined)?.['inactive_file'] ?? 0;
    return {
      cpuPercent: sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0,
      memoryBytes: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
      memoryLimitBytes: s.memory_stats.limit,
    };
  }

  /**
   * Commits the container's file system to `code-swarm-snapshot/NAME:snap-…`.
   * The workspace volume is not in it (Docker never commits volumes), which
   * the returned warning says, so a restore brings back installed packages
   * and settings but leaves /home/coder/project as it is then.
   */
  async snapshot(ref: InstanceRef, label: string | undefined): Promise<Snapshot> {
    const createdAt = new Date().toISOString();
    const base = `snap-${createdAt.replace(/[-:.TZ]/g, '').slice(0, 14)}`;
    // Two snapshots in one second would share a tag, and the first would silently lose it.
    const taken = new Set((await this.snapshotImages(ref)).map((t) => t.slice(t.lastIndexOf(':') + 1)));
    let tag = base;
    for (let i = 2; taken.has(tag); i++) tag = `${base}-${i}`;
    await this.call(
      'commit a snapshot',
      () =>
        this.streams.getContainer(ref.containerId ?? containerName(ref.name)).commit({
          repo: snapshotRepo(ref),
          tag,
          pause: true,
          // Values Code Swarm made (a UUID, an ISO time): nothing a Dockerfile parser would expand.
          changes: [`LABEL ${SNAPSHOT_OF_LABEL}=${ref.id}`, `LABEL ${SNAPSHOT_CREATED_LABEL}=${createdAt}`],
          // The user's label travels as the image comment: unlike a LABEL change it is never parsed.
          comment: label ?? '',
        }),
      ref,
    );
    // An empty label reads back as none (an empty comment), as with LXD.
    return { name: tag, createdAt, label: label ? label : undefined, warning: DOCKER_SNAPSHOT_WARNING };
  }

  async snapshots(ref: InstanceRef): Promise<Snapshot[]> {
    const images = await this.call('list snapshots', () => this.docker.listImages({ filters: { reference: [`${snapshotRepo(ref)}:*`] } }));
    // The label is the image comment, which only an inspect returns; an instance has a handful of snapshots.
    const comments = await Promise.all(
      images.map((i) =>
        this.call('read a snapshot', () => this.docker.getImage(i.Id).inspect(), undefined, [404]).then((info: Docker.ImageInspectInfo | undefined) => info?.Comment),
      ),
    );
    return images
      .flatMap((i, n) =>
        (i.RepoTags ?? []).map((t) => ({
          name: t.slice(t.lastIndexOf(':') + 1),
          createdAt: i.Labels?.[SNAPSHOT_CREATED_LABEL] ?? new Date(i.Created * 1000).toISOString(),
          label: comments[n] ? comments[n] : undefined,
        })),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * A new container from the snapshot image with the old one's name, labels,
   * password, volume, limits and port policy. It is made under a temporary
   * name first and the old container is removed only once it exists, so a
   * failure on the way leaves the instance with a container (the old one, or
   * the new one under its temporary name, both labelled). It runs afterwards
   * if the old one ran, as an LXD restore does.
   */
  async restore(ref: InstanceRef, snapshot: string): Promise<ObservedInstance> {
    const image = `${snapshotRepo(ref)}:${checkedSnapshotTag(snapshot)}`;
    const old = await this.call('inspect the container', () => this.container(ref).inspect(), ref);
    await this.requireSnapshot(ref, image, snapshot);
    const spec = specFromInspect(old, ref);
    const wasRunning = old.State.Running || old.State.Restarting;
    const mount = old.Mounts.find((m) => m.Destination === PROJECT_DIR && m.Type === 'volume');
    const temporary = `${containerName(ref.name)}-restoring-${randomBytes(3).toString('hex')}`;
    const created = await this.call('create the restored container', () =>
      this.docker.createContainer(
        containerOptions(spec, { name: temporary, image, user: old.Config.User, volume: mount?.Name ?? volumeName(ref.name) }),
      ),
    );
    const oldContainer = this.docker.getContainer(old.Id);
    try {
      // A graceful stop first: code-server gets to finish what it writes to the volume.
      if (wasRunning) await this.call('stop the old container', () => oldContainer.stop({ t: STOP_TIMEOUT_S }), undefined, [304, 404]);
      await this.call('remove the old container', () => oldContainer.remove({ force: true, v: false }), undefined, [404]);
    } catch (e) {
      await created.remove({ force: true }).catch(() => undefined);
      if (wasRunning) await oldContainer.start().catch(() => undefined);
      throw toSwarmError(e);
    }
    try {
      await this.call('rename the restored container', () => created.rename({ name: containerName(ref.name) }));
    } catch (e) {
      throw new SwarmError(`${ref.name} was restored to ${snapshot}, but its new container kept the temporary name ${temporary}`, {
        code: 'internal',
        hint: `Rename it on ${this.link.label} (docker rename ${temporary} ${containerName(ref.name)}), then start the instance`,
        cause: e,
      });
    }
    if (wasRunning) await this.call('start the restored container', () => created.start());
    return this.observe(created.id);
  }

  async deleteSnapshot(ref: InstanceRef, snapshot: string): Promise<void> {
    const image = `${snapshotRepo(ref)}:${checkedSnapshotTag(snapshot)}`;
    await this.requireSnapshot(ref, image, snapshot);
    // Forced, because a container restored from this snapshot uses the image:
    // the tag goes, the layers stay for as long as that container does (purge removes them).
    await this.call('delete a snapshot', () => this.docker.getImage(image).remove({ force: true }), undefined, [404]);
  }

  /** Current observation of one container. */
  async observe(containerId: string): Promise<ObservedInstance> {
    const info = await this.call('inspect the container', () => this.docker.getContainer(containerId).inspect());
    return fromInspect(info);
  }

  private async snapshotImages(ref: InstanceRef): Promise<string[]> {
    const images = await this.call('list snapshots', () => this.docker.listImages({ filters: { reference: [`${snapshotRepo(ref)}:*`] } }));
    return images.flatMap((i) => i.RepoTags ?? []);
  }

  /**
   * The instance's snapshot images, tagged or not: a snapshot deleted while a
   * restored container used it, or the parent of a later snapshot, lives on
   * untagged and is found by its label. A parent cannot go before its child:
   * newest first, and what still has a child is tried again in a later pass.
   */
  private async removeSnapshotImages(ref: InstanceRef): Promise<void> {
    const [byTag, byLabel] = await Promise.all([
      this.call('list snapshots', () => this.docker.listImages({ filters: { reference: [`${snapshotRepo(ref)}:*`] } })),
      this.call('list snapshots', () => this.docker.listImages({ filters: { label: [`${SNAPSHOT_OF_LABEL}=${ref.id}`] } })),
    ]);
    const created = new Map([...byTag, ...byLabel].map((i) => [i.Id, i.Created]));
    let pending = [...created.keys()].sort((a, b) => (created.get(b) ?? 0) - (created.get(a) ?? 0));
    // Each pass removes at least one image or gives up, so this ends.
    while (pending.length > 0) {
      const left: string[] = [];
      let lastError: unknown;
      for (const id of pending) {
        try {
          await this.call('remove a snapshot image', () => this.docker.getImage(id).remove({ force: true }), undefined, [404]);
        } catch (e) {
          left.push(id);
          lastError = e;
        }
      }
      if (left.length === pending.length) throw lastError;
      pending = left;
    }
  }

  /** Tells a missing snapshot from a missing instance. */
  private async requireSnapshot(ref: InstanceRef, image: string, snapshot: string): Promise<void> {
    const found = await this.call('read a snapshot', () => this.docker.getImage(image).inspect(), undefined, [404]);
    if (found) return;
    throw new SwarmError(`${ref.name} has no snapshot named ${snapshot} on ${this.link.label}`, {
      code: 'not-found',
      hint: 'List its snapshots and pick one of them',
    });
  }

  private container(ref: InstanceRef): Docker.Container {
    return this.docker.getContainer(ref.containerId ?? containerName(ref.name));
  }

  /** Makes sure the image is on the host (pulling if needed); returns the user to run as. */
  private async ensureImage(image: string, options: CreateOptions): Promise<string> {
    const progress = options.onProgress ?? (() => undefined);
    let info: Docker.ImageInspectInfo | undefined;
    try {
      info = await this.docker.getImage(image).inspect();
    } catch (e) {
      if (statusOf(e) !== 404) throw this.wrap(e, 'inspect the image');
    }
    if (!info) {
      progress(`Pulling ${image}`);
      await this.pull(image, options);
      info = await this.call('inspect the image', () => this.docker.getImage(image).inspect());
    }
    const user = info.Config?.User ?? '';
    return user === '' || user === 'root' || user === '0' || user.startsWith('0:') ? '1000:1000' : user;
  }

  private async pull(image: string, options: CreateOptions): Promise<void> {
    const progress = options.onProgress ?? (() => undefined);
    try {
      const stream = await this.streams.pull(image);
      await new Promise<void>((resolve, reject) => {
        const layers = new Map<string, { current: number; total: number }>();
        options.signal?.addEventListener('abort', () => (stream as Readable).destroy(new Error('cancelled')));
        this.streams.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (event: { id?: string; status?: string; progressDetail?: { current?: number; total?: number }; error?: string }) => {
            if (event.error) reject(new Error(event.error));
            if (event.id && event.progressDetail?.total) {
              layers.set(event.id, { current: event.progressDetail.current ?? 0, total: event.progressDetail.total });
              let cur = 0;
              let tot = 0;
              for (const l of layers.values()) {
                cur += l.current;
                tot += l.total;
              }
              progress(`Pulling ${image}: ${event.status ?? ''}`, tot > 0 ? cur / tot : undefined);
            }
          },
        );
      });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (statusOf(e) === 404 || /not found|manifest unknown|pull access denied/i.test(msg)) {
        throw new SwarmError(`The image ${image} does not exist in its registry`, {
          code: 'image-missing',
          hint: 'Check the image name and tag',
          cause: e,
        });
      }
      throw new SwarmError(`The image ${image} is not on ${this.link.label} and could not be pulled (${firstLine(msg)})`, {
        code: 'image-missing',
        hint: 'The host may be offline: load the image there (docker load / docker import), or pick an image it already has',
        cause: e,
      });
    }
  }

  /** Best-effort cleanup after a failed create; what cannot be removed keeps its labels. */
  private async undoCreate(container: Docker.Container | undefined, spec: InstanceSpec): Promise<void> {
    try {
      await (container ?? this.docker.getContainer(containerName(spec.name))).remove({ force: true });
    } catch {
      // Either it was never made, or it stays labelled and shows up as failed.
    }
    try {
      await this.docker.getVolume(volumeName(spec.name)).remove();
    } catch {
      // A volume in use by an older container of the same name is kept on purpose.
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>, ref?: InstanceRef, okStatuses: number[] = []): Promise<T> {
    try {
      return await this.withDeadline(fn(), what);
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && okStatuses.includes(status)) return undefined as T;
      if (status === 404 && ref) {
        throw new SwarmError(`${ref.name} no longer exists on ${this.link.label} (its container was removed outside Code Swarm)`, {
          code: 'not-found',
          hint: 'Delete it from Code Swarm, or create it again',
          cause: e,
        });
      }
      if (status === 409 && /already in use/i.test(messageOf(e))) {
        throw new SwarmError(`A container named ${ref ? containerName(ref.name) : 'like this'} already exists on ${this.link.label}`, {
          code: 'conflict',
          hint: 'Pick another name, or delete the old instance first',
          cause: e,
        });
      }
      throw await this.explain(e, what);
    }
  }

  /**
   * docker-modem never settles a request whose response is cut short (it
   * waits for 'end'), so every call also has an overall deadline.
   */
  private withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = Object.assign(new Error(`no complete answer to "${what}"`), { code: 'ECONNRESET' });
        reject(e);
      }, this.deadlineMs);
      timer.unref();
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }

  private wrap(e: unknown, what: string): SwarmError {
    if (e instanceof SwarmError) return e;
    if ((e as NodeJS.ErrnoException | null)?.code === 'ECONNRESET') {
      // docker-modem ends a request that outlived its timeout this way.
      return new SwarmError(`Docker on ${this.link.label} did not answer in time (could not ${what})`, {
        code: 'timeout',
        hint: 'The engine may be hung or overloaded; check it on the host (systemctl status docker)',
        cause: e,
      });
    }
    return new SwarmError(`Docker on ${this.link.label} could not ${what}: ${firstLine(messageOf(e))}`, { code: 'internal', cause: e });
  }

  /** Turns a failed socket open into "not installed" or "not allowed". */
  private async explain(e: unknown, what: string): Promise<SwarmError> {
    if (!(e instanceof SwarmError) || e.code !== 'permission-denied') return this.wrap(e, what);
    let exists = true;
    try {
      const r = await this.link.exec(['test', '-S', this.socketPath], { timeoutMs: 5_000 });
      exists = r.code === 0;
    } catch {
      // Keep the original diagnosis.
    }
    if (!exists) {
      return new SwarmError(`Docker is not installed or not running on ${this.link.label} (no socket at ${this.socketPath})`, {
        code: 'engine-missing',
        hint: 'Install and start Docker there, or add the host with the LXD provider',
        cause: e,
      });
    }
    return new SwarmError(`Permission denied on the Docker socket ${this.socketPath} of ${this.link.label}`, {
      code: 'permission-denied',
      hint: 'Add your SSH user to the docker group on that host (usermod -aG docker USER), then test the host again',
      cause: e,
    });
  }
}

function labelsFor(spec: InstanceSpec): Record<string, string> {
  const specLabel: SpecLabel = { image: spec.image, cpus: spec.cpus, memoryBytes: spec.memoryBytes };
  return {
    [LABEL.instance]: spec.id,
    [LABEL.name]: spec.name,
    [LABEL.store]: spec.storeId,
    [LABEL.spec]: JSON.stringify(specLabel),
    [LABEL.cookieSuffix]: spec.cookieSuffix,
  };
}

/** What createContainer needs beyond the spec: where the instance runs from. */
export interface ContainerPlacement {
  /** The container's name (the instance's, or a temporary one during a restore). */
  readonly name: string;
  /** The spec's image on create, a snapshot image on restore. */
  readonly image: string;
  readonly user: string;
  /** The workspace volume mounted at PROJECT_DIR. */
  readonly volume: string;
}

/** The one place an instance's container is described: create and restore must not drift apart. */
export function containerOptions(spec: InstanceSpec, at: ContainerPlacement): Docker.ContainerCreateOptions {
  return {
    name: at.name,
    Image: at.image,
    // The image's own user unless it is root: code-server never runs as root here.
    User: at.user,
    // The image's default argument "." then opens the workspace volume.
    WorkingDir: PROJECT_DIR,
    Env: [`HASHED_PASSWORD=${spec.hashedPassword}`, `CODE_SERVER_COOKIE_SUFFIX=${spec.cookieSuffix}`],
    Labels: labelsFor(spec),
    ExposedPorts: { [`${CODE_SERVER_PORT}/tcp`]: {} },
    HostConfig: {
      // Loopback only: the SSH tunnel is the one way in.
      PortBindings: { [`${CODE_SERVER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Mounts: [{ Type: 'volume', Source: at.volume, Target: PROJECT_DIR }],
      NanoCpus: Math.round(spec.cpus * 1e9),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    },
  };
}

/**
 * The spec a container was made from, read back from its inspect: labels for
 * the identity, the environment for the password hash (it is on the host
 * already; the plain text never is), HostConfig for the limits.
 */
export function specFromInspect(info: Docker.ContainerInspectInfo, ref: InstanceRef): InstanceSpec {
  const labels = info.Config.Labels ?? {};
  const env = new Map(
    (info.Config.Env ?? []).map((e) => {
      const eq = e.indexOf('=');
      return [eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1)] as const;
    }),
  );
  const hashedPassword = env.get('HASHED_PASSWORD');
  const cookieSuffix = env.get('CODE_SERVER_COOKIE_SUFFIX') ?? labels[LABEL.cookieSuffix];
  const storeId = labels[LABEL.store];
  if (!hashedPassword || !cookieSuffix || storeId === undefined) {
    // Without them the new container would open without the instance's password, or not log the tunnel in.
    throw new SwarmError(`${ref.name}'s container lacks its password hash, cookie suffix or store label, so it cannot be recreated`, {
      code: 'internal',
      hint: 'It was changed outside Code Swarm; delete the instance and create it again',
    });
  }
  const saved = parseSpec(labels[LABEL.spec]);
  const host = info.HostConfig;
  return {
    id: labels[LABEL.instance] ?? ref.id,
    name: labels[LABEL.name] ?? ref.name,
    image: saved.image ?? info.Config.Image,
    cpus: host.NanoCpus ? host.NanoCpus / 1e9 : (saved.cpus ?? 1),
    memoryBytes: host.Memory || (saved.memoryBytes ?? 0),
    pidsLimit: host.PidsLimit ?? 0,
    cookieSuffix,
    hashedPassword,
    storeId,
  };
}

function checkedSnapshotTag(snapshot: string): string {
  if (SNAPSHOT_TAG.test(snapshot)) return snapshot;
  throw new SwarmError(`"${snapshot.slice(0, 80)}" is not a snapshot name`, {
    code: 'invalid-input',
    hint: 'Snapshot names look like snap-20250101120000; list the snapshots to see them',
  });
}

function snapshotRepo(ref: InstanceRef): string {
  return `code-swarm-snapshot/${ref.name}`;
}

function parseSpec(label: string | undefined): Partial<SpecLabel> {
  try {
    const v = JSON.parse(label || '{}') as Partial<SpecLabel>;
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

/** Docker's words for a container, in ours. */
export function mapDockerState(state: string, exitCode: number | undefined, error?: string): { state: InstanceState; error?: string } {
  switch (state) {
    case 'created':
      return { state: 'created' };
    case 'running':
      return { state: 'running' };
    case 'restarting':
      return { state: 'starting' };
    case 'paused':
    case 'removing':
      return { state: 'stopped' };
    case 'exited':
      if (exitCode === undefined || CLEAN_EXIT.has(exitCode)) return { state: 'stopped' };
      return { state: 'failed', error: error || `code-server exited with code ${exitCode}` };
    case 'dead':
      return { state: 'failed', error: error || 'the container is dead' };
    default:
      return { state: 'failed', error: `unknown container state "${state}"` };
  }
}

/**
 * A list's rows share one clock, and most share their status ("Up 5
 * minutes"), their spec label and often their creation second: each distinct
 * one is parsed or formatted once per list, not once per row. On a 500-row
 * refresh that was ~4 ms of CPU (docs/PERFORMANCE.md).
 */
function fromListRows(rows: readonly Docker.ContainerInfo[], now: number): ObservedInstance[] {
  const started = memo((status: string) => startedFromStatus(status, now));
  const created = memo((seconds: number) => new Date(seconds * 1000).toISOString());
  const spec = memo((label: string) => parseSpec(label));
  return rows.map((c) => fromListRow(c, spec(c.Labels?.[LABEL.spec] ?? ''), created(c.Created), started(c.Status ?? '')));
}

function memo<K, V>(f: (k: K) => V): (k: K) => V {
  const seen = new Map<K, V>();
  return (k) => {
    if (seen.has(k)) return seen.get(k) as V;
    const v = f(k);
    seen.set(k, v);
    return v;
  };
}

function fromListRow(c: Docker.ContainerInfo, spec: Partial<SpecLabel>, createdAt: string, startedAt: string | undefined): ObservedInstance {
  const exit = /Exited \((\d+)\)/.exec(c.Status ?? '');
  const mapped = mapDockerState(c.State, exit ? Number(exit[1]) : undefined);
  const port = c.Ports?.find((p) => p.PrivatePort === CODE_SERVER_PORT && p.PublicPort && p.IP === '127.0.0.1')?.PublicPort;
  return {
    id: c.Labels?.[LABEL.instance] ?? c.Id,
    name: c.Labels?.[LABEL.name] ?? (c.Names?.[0] ?? '').replace(/^\/(code-swarm-)?/, ''),
    containerId: c.Id,
    image: spec.image ?? c.Image,
    state: mapped.state,
    port,
    storeId: c.Labels?.[LABEL.store],
    cookieSuffix: c.Labels?.[LABEL.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt,
    startedAt,
    error: mapped.error,
  };
}

function fromInspect(info: Docker.ContainerInspectInfo): ObservedInstance {
  const labels = info.Config.Labels ?? {};
  const mapped = mapDockerState(info.State.Status, info.State.ExitCode, info.State.OOMKilled ? 'killed: out of memory' : info.State.Error);
  const spec = parseSpec(labels[LABEL.spec]);
  const binding = info.NetworkSettings.Ports?.[`${CODE_SERVER_PORT}/tcp`]?.find((b) => b.HostIp === '127.0.0.1');
  return {
    id: labels[LABEL.instance] ?? info.Id,
    name: labels[LABEL.name] ?? info.Name.replace(/^\/(code-swarm-)?/, ''),
    containerId: info.Id,
    image: spec.image ?? info.Config.Image,
    state: mapped.state,
    port: binding ? Number(binding.HostPort) : undefined,
    storeId: labels[LABEL.store],
    cookieSuffix: labels[LABEL.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt: info.Created,
    startedAt: info.State.StartedAt,
    error: mapped.error,
  };
}

const UNIT_MS: Record<string, number> = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 604800e3, month: 2592000e3, year: 31536000e3 };

/**
 * The list call carries no start time, only Docker's "Up 5 minutes"; turning
 * that into an approximate start keeps uptime visible without one inspect
 * call per container.
 */
export function startedFromStatus(status: string | undefined, now: number): string | undefined {
  const m = /^Up (Less than a second|About an? (\w+)|(\d+) (\w+?)s?)\b/.exec(status ?? '');
  if (!m) return undefined;
  let ms = 0;
  if (m[2]) ms = UNIT_MS[m[2]] ?? 0;
  else if (m[3] && m[4]) ms = Number(m[3]) * (UNIT_MS[m[4]] ?? 0);
  return new Date(now - ms).toISOString();
}

/** Docker's multiplexed log format: 8-byte frame headers, then payload. */
export function demuxBuffer(buf: Buffer): Buffer {
  if (buf.length < 8 || buf[0]! > 2 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) return buf;
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts);
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function messageOf(e: unknown): string {
  const j = (e as { json?: { message?: unknown } } | null)?.json?.message;
  if (typeof j === 'string') return j;
  return e instanceof Error ? e.message : String(e);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SwarmError('Cancelled', { code: 'cancelled' });
}
