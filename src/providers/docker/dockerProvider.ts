import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { z } from 'zod';
import { type SwarmError, toSwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';
import { missingHostPaths } from '../common/hostPaths.js';
import { dockerQuotaProblem, sizeOption } from './dockerQuota.js';
import { LABEL } from '../common/labels.js';
import { throwIfAborted } from '../common/providerErrors.js';
import type { HostCheck } from '../hostCheck.js';
import type {
  BuildSpec,
  CodeServerInjection,
  CreateOptions,
  EngineChange,
  ExecInOptions,
  EngineEvents,
  EngineInfo,
  HostCapacity,
  InstanceRef,
  InstanceSpec,
  InstanceStats,
  LogOptions,
  ObservedInstance,
  Provider,
  Snapshot,
} from '../provider.js';
import { containerOptions, envPairs } from './containerOptions.js';
import { dockerChecks } from './dockerChecks.js';
import { appliesIdleTimeout, stoppedForIdle } from './dockerIdle.js';
import { DockerEngine, STOP_TIMEOUT_S } from './dockerEngine.js';
import { statusOf } from './dockerErrors.js';
import { watchDocker } from './dockerEvents.js';
import { ensureImageInfo, runAs } from './dockerImages.js';
import { planCodeServer, prepareDirectories } from './bringCodeServer.js';
import { buildImage } from './dockerBuild.js';
import { execInContainer } from './dockerExec.js';
import { readLogs } from './dockerLogs.js';
import { builtImageName, containerName, volumeName } from './dockerNames.js';
import { DockerNetwork, NETWORK_NAME } from './dockerNetwork.js';
import { DockerSnapshots } from './dockerSnapshots.js';
import { dockerCapacity, DockerStatsSchema, statsFromDocker } from './dockerStats.js';
import { writableLayerBytes } from './dockerDiskUsage.js';
import { requireHardened } from './hardeningReadBack.js';
import { ContainerListSchema, observedFromInspect, observedFromList } from './dockerState.js';
import type { EngineDialect } from './engineDialect.js';

const VersionSchema = z.object({ Version: z.string(), ApiVersion: z.string() });

export interface DockerProviderOptions {
  /** The isolated network's name (tests use their own, to watch it being made). */
  readonly network?: string;
  /** Which engine speaks Docker's API on the socket (Docker unless said otherwise). */
  readonly dialect?: EngineDialect;
}

/**
 * Docker, or another engine with Docker's API (Podman), reached through a
 * HostLink (SSH stream-local forward or local socket).
 */
export class DockerProvider implements Provider {
  readonly kind: EngineDialect['kind'];
  protected readonly engine: DockerEngine;
  private readonly snaps: DockerSnapshots;
  private readonly network: DockerNetwork;

  constructor(link: HostLink, socketPath: string, requestTimeoutMs?: number, options: DockerProviderOptions = {}) {
    this.engine = new DockerEngine(link, socketPath, requestTimeoutMs, options.dialect);
    this.kind = this.engine.dialect.kind;
    this.snaps = new DockerSnapshots(this.engine);
    this.network = new DockerNetwork(this.engine, options.network ?? NETWORK_NAME);
  }

  checks(): readonly HostCheck[] {
    return dockerChecks(this.engine);
  }

  async engineInfo(): Promise<EngineInfo> {
    let raw: unknown;
    try {
      raw = await this.engine.call(`reach the ${this.engine.dialect.engine} engine`, () => this.engine.api.version());
    } catch (e) {
      // Another service on the socket (e.g. LXD) answers /version with an HTTP error.
      if (statusOf((e as SwarmError).cause) !== undefined) raw = undefined;
      else throw e;
    }
    const v = this.engine.checked(VersionSchema, raw, 'version');
    return { provider: this.kind, engineVersion: `${this.engine.dialect.engine} ${v.Version} (API ${v.ApiVersion})` };
  }

  async list(): Promise<ObservedInstance[]> {
    const rows = await this.engine.call('list containers', () =>
      this.engine.api.listContainers({ all: true, filters: { label: [LABEL.instance] } }),
    );
    this.engine.checked(ContainerListSchema, rows, 'container list');
    return observedFromList(rows, Date.now());
  }

  watch(onChange: (change: EngineChange) => void): Promise<EngineEvents> {
    return watchDocker(this.engine, onChange);
  }

  execIn(ref: InstanceRef, argv: readonly string[], options?: ExecInOptions): Promise<{ exitCode: number }> {
    return execInContainer(this.engine, ref, argv, options);
  }

  missingHostPaths(paths: readonly string[]): Promise<string[]> {
    return missingHostPaths(this.engine.link, paths);
  }

  diskQuotaProblem(): Promise<string | undefined> {
    return dockerQuotaProblem(this.engine);
  }

  async create(spec: InstanceSpec, options: CreateOptions = {}): Promise<ObservedInstance> {
    const progress = options.onProgress ?? (() => undefined);
    // Both are checks (the network is made once per host): the network's list
    // runs while the image is inspected, not after it. A failed image check
    // leaves the network as it would be after any create.
    const networkId = this.network.ensure();
    networkId.catch(() => undefined);
    if (spec.build) await buildImage(this.engine, spec.build, spec.image, options);
    let info: Docker.ImageInspectInfo;
    let injection: CodeServerInjection | undefined;
    let network: string;
    try {
      info = await ensureImageInfo(this.engine, spec.image, options);
      // An image without code-server gets the host's (or is refused) before anything of the instance exists.
      injection = await planCodeServer(this.engine, spec, info, options);
      network = await networkId;
      throwIfAborted(options.signal);
    } catch (e) {
      await this.removeBuilt(spec);
      throw e;
    }
    const user = injection?.user ?? runAs(info.Config?.User ?? '');
    const full: InstanceSpec = injection ? { ...spec, codeServer: injection } : spec;
    progress('Creating the workspace volume');
    await this.engine.ensureVolume(
      {
        Name: volumeName(spec.name),
        Labels: volumeLabels(spec),
        // --disk: the workspace holds the same size as the writable layer (docs/DISK.md).
        ...(spec.diskBytes !== undefined ? { DriverOpts: { size: sizeOption(spec.diskBytes) } } : {}),
      },
      'create the workspace volume',
    );
    progress('Creating the container');
    let container: Docker.Container | undefined;
    try {
      container = await this.engine.call('create the container', () =>
        this.engine.api.createContainer(
          containerOptions(full, {
            name: containerName(spec.name),
            image: spec.image,
            user,
            volume: volumeName(spec.name),
            network,
            gpuStyle: this.engine.dialect.gpuStyle,
          }),
        ),
      );
      if (injection) await prepareDirectories(this.engine, container, injection);
      throwIfAborted(options.signal);
      // What the engine applied, before anything runs with less than asked for.
      await requireHardened(this.engine, container.id, spec, false);
      progress('Starting code-server');
      const made = container;
      await this.network.start(() => this.engine.call('start the container', () => made.start()));
      return observedFromInspect(await requireHardened(this.engine, container.id, spec, true));
    } catch (e) {
      await this.undoCreate(container, spec);
      throw toSwarmError(e);
    }
  }

  /** Starts it; a container made before isolation moves onto the isolated network first. */
  async start(ref: InstanceRef): Promise<void> {
    const info = await this.engine.call('inspect the container', () => this.engine.container(ref).inspect(), ref);
    if (!info.State.Running) await this.network.migrate(info);
    await this.network.start(() => this.engine.call('start', () => this.engine.api.getContainer(info.Id).start(), ref, [304]));
  }

  async stop(ref: InstanceRef): Promise<void> {
    await this.engine.call('stop', () => this.engine.container(ref).stop({ t: STOP_TIMEOUT_S }), ref, [304]);
  }

  /** Restarts it; a container made before isolation is stopped, moved onto the isolated network and started. */
  async restart(ref: InstanceRef): Promise<void> {
    const info = await this.engine.call('inspect the container', () => this.engine.container(ref).inspect(), ref);
    const container = this.engine.api.getContainer(info.Id);
    if (!this.network.needsMigration(info)) {
      await this.engine.call('restart', () => container.restart({ t: STOP_TIMEOUT_S }), ref);
      return;
    }
    await this.engine.call('stop', () => container.stop({ t: STOP_TIMEOUT_S }), ref, [304]);
    await this.network.migrate(info);
    await this.engine.call('start', () => container.start(), ref, [304]);
  }

  async remove(ref: InstanceRef, options: { purge: boolean }): Promise<void> {
    await this.engine.call('remove', () => this.engine.container(ref).remove({ force: true, v: false }), ref, [404]);
    if (!options.purge) return;
    await this.engine.call('remove the workspace volume', () => this.engine.api.getVolume(volumeName(ref.name)).remove(), undefined, [404]);
    // The image built for it on this host, if it was built here (its layers stay as cache).
    await this.engine.api
      .getImage(builtImageName(ref.name))
      .remove({ noprune: true })
      .catch(() => undefined);
    await this.snaps.deleteAll(ref);
  }

  logs(ref: InstanceRef, options: LogOptions): Promise<Readable> {
    return readLogs(this.engine, ref, options);
  }

  async stats(ref: InstanceRef): Promise<InstanceStats> {
    // stream=false waits for the engine's second sample, so precpu is filled and the CPU figure is real.
    const raw: unknown = await this.engine.call('read stats', () => this.engine.container(ref).stats({ stream: false }), ref);
    return statsFromDocker(this.engine.checked(DockerStatsSchema, raw, 'stats'));
  }

  diskUsage(ref: InstanceRef): Promise<number | undefined> {
    return writableLayerBytes(this.engine, ref);
  }

  capacity(): Promise<HostCapacity> {
    return dockerCapacity(this.engine);
  }

  snapshot(ref: InstanceRef, label: string | undefined): Promise<Snapshot> {
    return this.snaps.take(ref, label);
  }

  snapshots(ref: InstanceRef): Promise<Snapshot[]> {
    return this.snaps.list(ref);
  }

  async restore(ref: InstanceRef, snapshot: string): Promise<ObservedInstance> {
    return this.observe(await this.snaps.restore(ref, snapshot, await this.network.ensure()));
  }

  /**
   * Builds its image again under the same tag (the engine's cache reused),
   * then makes its container again from it as a restore does: workspace
   * volume, password, options and port policy stay. A failed build changes
   * nothing; the image it ran before goes once it runs the new one.
   */
  async rebuild(ref: InstanceRef, build: BuildSpec, options: CreateOptions = {}): Promise<ObservedInstance> {
    const before = await this.engine.call('inspect the container', () => this.engine.container(ref).inspect(), ref);
    const tag = builtImageName(ref.name);
    await buildImage(this.engine, build, tag, options);
    throwIfAborted(options.signal);
    options.onProgress?.('making the container again from the new image');
    // Unlike a snapshot's commit, a new build does not hold the container's env: what the create added to the image's is carried over.
    const imageEnv = new Set(
      (await this.engine.call('inspect the image', () => this.engine.api.getImage(before.Image).inspect())).Config.Env ?? [],
    );
    const env = Object.fromEntries(envPairs((before.Config.Env ?? []).filter((e) => !imageEnv.has(e) && e.indexOf('=') > 0)));
    const id = await this.snaps.recreate(
      ref,
      tag,
      await this.network.ensure(),
      `a new build of ${tag}`,
      (spec) => ({ ...spec, env }),
      async (created, spec) => {
        if (spec.codeServer) await prepareDirectories(this.engine, created, spec.codeServer);
      },
    );
    const after = await this.engine.call('inspect the container', () => this.engine.api.getContainer(id).inspect());
    if (after.Image !== before.Image)
      await this.engine.api
        .getImage(before.Image)
        .remove({ noprune: true })
        .catch(() => undefined);
    return observedFromInspect(after);
  }

  deleteSnapshot(ref: InstanceRef, snapshot: string): Promise<void> {
    return this.snaps.delete(ref, snapshot);
  }

  /**
   * A container's environment and restart policy are fixed at create, so the
   * container is recreated the way a restore does it, from a commit of itself:
   * its file system, volume, password and port policy stay; only the timeout
   * and the policy change. The commit is kept as the container's base image,
   * not as a snapshot (DockerSnapshots.keepAsBase).
   */
  async setIdleTimeout(ref: InstanceRef, seconds: number | undefined): Promise<ObservedInstance> {
    const taken = await this.snaps.take(ref, 'idle timeout change');
    let id: string;
    try {
      id = await this.snaps.restore(ref, taken.name, await this.network.ensure(), (spec) => {
        const { idleTimeoutSeconds: _old, ...rest } = spec;
        return seconds === undefined ? rest : { ...rest, idleTimeoutSeconds: seconds };
      });
    } catch (e) {
      // Nothing runs from the commit: it goes whole.
      await this.snaps.delete(ref, taken.name).catch(() => undefined);
      throw e;
    }
    await this.snaps.keepAsBase(ref, taken.name);
    return this.observe(id);
  }

  stoppedForIdle(ref: InstanceRef): Promise<boolean> {
    return stoppedForIdle(this.engine, ref);
  }

  appliesIdleTimeout(ref: InstanceRef): Promise<boolean> {
    return appliesIdleTimeout(this.engine, ref);
  }

  /** Current observation of one container. */
  async observe(containerId: string): Promise<ObservedInstance> {
    const info = await this.engine.call('inspect the container', () => this.engine.api.getContainer(containerId).inspect());
    return observedFromInspect(info);
  }

  /** Best-effort cleanup after a failed create; what cannot be removed keeps its labels. */
  private async undoCreate(container: Docker.Container | undefined, spec: InstanceSpec): Promise<void> {
    try {
      await (container ?? this.engine.api.getContainer(containerName(spec.name))).remove({ force: true });
    } catch {
      // Either it was never made, or it stays labelled and shows up as failed.
    }
    try {
      await this.engine.api.getVolume(volumeName(spec.name)).remove();
    } catch {
      // A volume in use by an older container of the same name is kept on purpose.
    }
    await this.removeBuilt(spec);
  }

  /** The image built for a create that failed (its layers stay as cache for the next try). */
  private async removeBuilt(spec: InstanceSpec): Promise<void> {
    if (spec.build)
      await this.engine.api
        .getImage(spec.image)
        .remove({ noprune: true })
        .catch(() => undefined);
  }
}

/** A volume carries who it belongs to, not what the instance runs: that is on the container. */
function volumeLabels(spec: InstanceSpec): Record<string, string> {
  return { [LABEL.instance]: spec.id, [LABEL.name]: spec.name, [LABEL.store]: spec.storeId };
}
