import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { InstanceRef, ObservedInstance, ProgressSink, Provider } from '../providers/provider.js';
import { SwarmError, toSwarmError, type SwarmErrorCode } from '../shared/errors.js';
import type { HostRecord, InstanceRecord, StoppedReason } from '../shared/model.js';
import type { BusyMarks } from './busyMarks.js';
import type { HealthMonitor } from './healthMonitor.js';
import type { HostUpkeep } from './hostUpkeep.js';
import type { InstanceSecrets } from './instanceSecrets.js';
import { parseIdleTimeout } from './idleTimeout.js';
import { generateCookieSuffix, generatePassword, hashPassword } from './password.js';
import { applyObservation, refOf, requireHost, requireInstance } from './records.js';
import type { Store } from './store.js';
import { parseCpus, parseDisk, parseMemory, validateImageRef, validateInstanceName } from './validate.js';
import { validatePlacement } from './validatePlacement.js';
import { validateInstanceOptions, type InstanceOptions, type OptionsInput } from './validateOptions.js';
import { type BuildInput, validateBuild } from './validateBuild.js';
import { BuildFailedError } from '../providers/common/buildFailedError.js';
import type { BuildSpec } from '../providers/provider.js';
import { readBuildContext } from '../providers/docker/buildContext.js';
import { builtImageName } from '../providers/docker/dockerNames.js';
import type { InstanceView } from './views.js';
import { readDevcontainer } from './devcontainerFile.js';
import { devcontainerFields, withDevcontainer } from './withDevcontainer.js';
import { postCreateOrUndo, requireExec } from './postCreateCommand.js';
import { DEFAULT_CPUS } from '../providers/common/defaultResources.js';
import { requireDiskQuota } from './diskQuota.js';
import { requireHostPaths } from './requireHostPaths.js';

export const DEFAULT_IMAGE = 'codercom/code-server:latest';
export { DEFAULT_CPUS };
export const DEFAULT_MEMORY = '2g';
export const DEFAULT_PIDS_LIMIT = 1024;
/** Errors that mean the host never let a request through to its engine. */
const REFUSALS: ReadonlySet<SwarmErrorCode> = new Set([
  'auth',
  'host-key-unknown',
  'host-key-changed',
  'permission-denied',
  'engine-missing',
]);

export interface CreateInput extends OptionsInput {
  readonly name: string;
  readonly host: string;
  readonly image?: string;
  readonly cpus?: string | number;
  readonly memory?: string;
  /** `--disk SIZE`: refused where the host cannot enforce it. */
  readonly disk?: string;
  /** Where a Swarm host may run it: a node's name, or a constraint (`node.labels.gpu==true`). Swarm hosts only. */
  readonly node?: string;
  readonly constraint?: string;
  /** `30m`, `2h`, `off` (docs/IDLE.md); default the swarm's default, else off. */
  readonly idleTimeout?: string;
  /** Where code-server comes from when the image has none (docs/ANY-IMAGE.md); else the host's newest code-server image. */
  readonly codeServerImage?: string;
  /** Build the image on the host from this Dockerfile (and context, build arguments) instead of naming one. */
  readonly build?: BuildInput;
  /** A devcontainer.json on this machine (docs/DEVCONTAINER.md): its image or build, env, mounts and limits. */
  readonly devcontainer?: string;
}

export interface OperationOptions {
  readonly onProgress?: ProgressSink;
  /** Every line of a build's output (a create from a Dockerfile). */
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface InstanceLifecycleOptions {
  readonly store: Store;
  readonly secrets: InstanceSecrets;
  readonly health: HealthMonitor;
  readonly busy: BusyMarks;
  /** The host's provider, on its shared link. */
  readonly providerOf: (host: HostRecord) => Provider;
  /** Something about this host's instances changed. */
  readonly changed: (host: string) => void;
  /** What a create owes its host afterwards (a swarm host's next ready slot), started once the instance is healthy. */
  readonly upkeep?: HostUpkeep;
  readonly defaults?:
    { image?: string; cpus?: number; memory?: string; disk?: string; idleTimeout?: string; codeServerImage?: string } | undefined;
}

type Operation = (p: Provider, ref: InstanceRef) => Promise<void>;

/**
 * Creating, starting, stopping, restarting and deleting instances: each one
 * holds a busy mark while the host works on it, and leaves the store, the
 * secrets and the health as the host left the instance. A create that fails
 * leaves no trace unless something of it may exist on the host.
 */
export class InstanceLifecycle {
  constructor(private readonly opts: InstanceLifecycleOptions) {}

  async create(asked: CreateInput, options: OperationOptions = {}): Promise<InstanceView> {
    const { store, secrets, defaults } = this.opts;
    const name = validateInstanceName(asked.name);
    const host = await requireHost(store, asked.host);
    // A devcontainer.json becomes the options the other paths take; its file is read and checked here, before any host is asked.
    const dc = asked.devcontainer !== undefined ? readDevcontainer(asked.devcontainer) : undefined;
    const input = dc ? withDevcontainer(asked, dc) : asked;
    const build = input.build ? buildFor(input, host) : undefined;
    const image = build ? builtImageName(name) : validateImageRef(input.image ?? defaults?.image ?? DEFAULT_IMAGE);
    const cpus = parseCpus(input.cpus ?? defaults?.cpus ?? DEFAULT_CPUS);
    const memoryBytes = parseMemory(input.memory ?? defaults?.memory ?? DEFAULT_MEMORY);
    // An empty default setting means no quota; an empty --disk is bad input.
    const diskText = input.disk ?? (defaults?.disk || undefined);
    const diskBytes = diskText === undefined ? undefined : parseDisk(diskText);
    const placement = validatePlacement(input, host);
    const idleTimeoutSeconds = parseIdleTimeout(input.idleTimeout ?? defaults?.idleTimeout ?? 'off');
    const codeServerFrom = input.codeServerImage ?? (defaults?.codeServerImage || undefined);
    const codeServerImage = codeServerFrom === undefined ? undefined : validateImageRef(codeServerFrom);
    const extra = validateInstanceOptions(input, host);
    // A context this machine cannot read is the user's to fix: said before any host is asked.
    if (build) await readBuildContext(build);
    // Only once the input is known good: the provider opens the host's link.
    const provider = this.opts.providerOf(host);
    // Engines whose code-server can be given the timeout get it; on the others Code Swarm's rounds stop the instance.
    const byCodeServer = idleTimeoutSeconds !== undefined && provider.setIdleTimeout !== undefined;
    if (dc) requireExec(dc, provider, host);
    // Last: the checks that ask the host, once everything else is known good.
    await requireHostPaths(host, provider, extra);
    if (diskBytes !== undefined) await requireDiskQuota(host, provider);
    const password = generatePassword();
    const hashedPassword = hashPassword(password);
    const id = randomUUID();
    const cookieSuffix = generateCookieSuffix();
    const now = new Date().toISOString();
    // The record goes in before the host is asked for anything, as `starting`:
    // if this process dies half way, the next refresh finds either the
    // container (adopted) or nothing (marked missing), never an untracked
    // container. The secrets are another file with its own lock, so they go in
    // at the same time (~10 ms less per create); a secret whose record could
    // not go in is taken out again, and a record whose secrets could not.
    const [stored, saved] = await Promise.allSettled([
      store.update((draft) => {
        // A renamed instance's engine objects keep its old name: that name is taken too.
        const clash = draft.instances.find((i) => i.name === name || i.engineName === name);
        if (clash) {
          throw new SwarmError(
            `An instance named ${name} already exists on ${clash.host}${clash.name !== name ? ` (${clash.name}, renamed)` : ''}`,
            {
              code: 'conflict',
              hint: 'Pick another name, or delete the existing instance first',
            },
          );
        }
        draft.instances.push({
          id,
          name,
          host: host.name,
          provider: host.provider,
          image,
          state: 'starting',
          createdAt: now,
          cpus,
          memoryBytes,
          ...(diskBytes !== undefined ? { diskBytes } : {}),
          cookieSuffix,
          ...(idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds } : {}),
          ...(idleTimeoutSeconds !== undefined && !byCodeServer ? { idleEnforcedBy: 'code-swarm' as const } : {}),
          updatedAt: now,
          ...recordOptions(extra),
          ...(dc ? devcontainerFields(dc) : {}),
          ...(build ? { rebuildFrom: dc ? { devcontainer: resolve(asked.devcontainer!) } : build } : {}),
        });
        return draft.storeId;
      }),
      secrets.save(id, password, hashedPassword),
    ]);
    if (stored.status === 'rejected' || saved.status === 'rejected') {
      await this.undoRecord(id, stored.status === 'fulfilled', saved.status === 'fulfilled');
      throw stored.status === 'rejected' ? stored.reason : (saved as PromiseRejectedResult).reason;
    }
    const storeId = stored.value;
    this.opts.changed(host.name);
    const done = this.opts.busy.mark(id, name);
    try {
      const observed = await provider.create(
        {
          id,
          name,
          image,
          cpus,
          memoryBytes,
          ...(diskBytes !== undefined ? { diskBytes } : {}),
          pidsLimit: DEFAULT_PIDS_LIMIT,
          cookieSuffix,
          hashedPassword,
          storeId,
          ...(placement ? { placement } : {}),
          ...(byCodeServer ? { idleTimeoutSeconds } : {}),
          env: extra.env,
          tags: extra.tags,
          mounts: extra.mounts,
          ...(extra.gpus !== undefined ? { gpus: extra.gpus } : {}),
          ...(codeServerImage ? { codeServerImage } : {}),
          ...(build ? { build } : {}),
        },
        options,
      );
      this.opts.upkeep?.owe(id, { host, storeId, image });
      if (dc) await postCreateOrUndo(provider, { id, name, containerId: observed.containerId }, dc, options);
      const record = await applyObservation(store, id, observed);
      this.opts.health.noteStarted(id, observed.startedAt);
      this.opts.changed(host.name);
      return this.opts.health.viewOf(record);
    } catch (e) {
      const err = toSwarmError(e);
      await this.forgetFailedCreate(id, host, err);
      this.opts.upkeep?.now({ host, storeId, image });
      this.opts.changed(host.name);
      throw err;
    } finally {
      done();
    }
  }

  start(name: string): Promise<InstanceView> {
    return this.run(name, 'start', (p, ref) => p.start(ref));
  }

  /** Stops it; `reason` is what the tree says afterwards ("stopped: idle for 30 min" for `idle`). */
  stop(name: string, reason: StoppedReason = 'user'): Promise<InstanceView> {
    return this.run(name, 'stop', (p, ref) => p.stop(ref), reason);
  }

  /**
   * A new idle timeout (undefined: off). Where code-server applies it, the
   * engine gets it too (Docker recreates the container from a commit of
   * itself, so a running instance restarts); elsewhere the record is enough.
   */
  async setIdleTimeout(name: string, text: string): Promise<InstanceView> {
    const seconds = parseIdleTimeout(text);
    const rec = await requireInstance(this.opts.store, name);
    const host = await requireHost(this.opts.store, rec.host);
    const provider = this.opts.providerOf(host);
    const done = this.opts.busy.mark(rec.id, rec.name);
    try {
      const observed = provider.setIdleTimeout ? await provider.setIdleTimeout(refOf(rec), seconds) : undefined;
      if (observed && observed.state === 'running') this.opts.health.noteRestored(rec.id, true);
      const record = await this.opts.store.update((draft) => {
        const r = draft.instances.find((i) => i.id === rec.id);
        if (!r) throw new SwarmError('The instance was deleted meanwhile', { code: 'not-found' });
        if (seconds === undefined) delete r.idleTimeoutSeconds;
        else r.idleTimeoutSeconds = seconds;
        // A recreated container's code-server is asked again whether it takes the timeout.
        if (seconds !== undefined && !provider.setIdleTimeout) r.idleEnforcedBy = 'code-swarm';
        else delete r.idleEnforcedBy;
        if (observed) {
          r.containerId = observed.containerId;
          r.state = observed.state;
          if (observed.port !== undefined) r.port = observed.port;
          else delete r.port;
        }
        r.updatedAt = new Date().toISOString();
        return { ...r };
      });
      this.opts.changed(rec.host);
      return this.opts.health.viewOf(record);
    } finally {
      done();
    }
  }

  restart(name: string): Promise<InstanceView> {
    return this.run(name, 'restart', (p, ref) => p.restart(ref));
  }

  async delete(name: string, options: { purge?: boolean } = {}): Promise<void> {
    const rec = await requireInstance(this.opts.store, name);
    const host = await requireHost(this.opts.store, rec.host);
    const done = this.opts.busy.mark(rec.id, rec.name);
    try {
      await this.opts.providerOf(host).remove(refOf(rec), { purge: options.purge === true });
      await this.opts.store.update((draft) => {
        draft.instances = draft.instances.filter((i) => i.id !== rec.id);
      });
    } finally {
      done();
    }
    await this.opts.secrets.forget(rec.id);
    this.opts.health.forget(rec.id);
    this.opts.changed(rec.host);
  }

  /** Runs a start, stop or restart, then reads back what the host made of it. */
  private async run(name: string, verb: string, op: Operation, reason?: StoppedReason): Promise<InstanceView> {
    const rec = await requireInstance(this.opts.store, name);
    const host = await requireHost(this.opts.store, rec.host);
    const provider = this.opts.providerOf(host);
    const done = this.opts.busy.mark(rec.id, rec.name);
    try {
      await op(provider, refOf(rec));
      if (verb === 'stop') this.opts.health.noteStopped(rec.id);
      else this.opts.health.noteStarted(rec.id);
      const observed = (await provider.list()).find((o) => o.id === rec.id);
      if (!observed) {
        throw new SwarmError(`${rec.name} vanished from ${host.name} during ${verb}`, {
          code: 'not-found',
          hint: 'Refresh to see what is left',
        });
      }
      const record = await applyObservation(this.opts.store, rec.id, observed, reason);
      this.opts.changed(rec.host);
      return this.opts.health.viewOf(record);
    } finally {
      done();
    }
  }

  /** Takes out what went in of a create that failed before the host was asked (best effort: the first error is the one to report). */
  private async undoRecord(id: string, recordIn: boolean, secretsIn: boolean): Promise<void> {
    if (recordIn) {
      await this.opts.store
        .update((draft) => {
          draft.instances = draft.instances.filter((i) => i.id !== id);
        })
        .catch(() => undefined);
    }
    if (secretsIn) await this.opts.secrets.forget(id).catch(() => undefined);
  }

  private async forgetFailedCreate(id: string, host: HostRecord, err: SwarmError): Promise<void> {
    // If the provider could not clean up, the container is still labelled:
    // keep the record as failed so it stays visible and deletable.
    let leftover: ObservedInstance | undefined;
    let unknown = false;
    try {
      leftover = (await this.opts.providerOf(host).list()).find((o) => o.id === id);
    } catch (e) {
      // The host is gone (a dropped link is the usual reason a create fails
      // half way): the container may exist. Dropping the record and secrets
      // now would let the next refresh adopt it with no password; a failed
      // record keeps them, and that refresh shows its container or `missing`.
      // A host that refuses us outright (its key, our credentials, the
      // engine's socket) never ran anything we sent: nothing can exist there.
      unknown = !REFUSALS.has(toSwarmError(e).code);
    }
    // A failed build keeps its record, with the log's tail, so the reason stays readable.
    const built = err instanceof BuildFailedError;
    const keep = leftover !== undefined || unknown || built;
    await this.opts.store.update((draft) => {
      const r: InstanceRecord | undefined = draft.instances.find((i) => i.id === id);
      if (!r) return;
      if (keep) {
        r.state = 'failed';
        if (leftover) r.containerId = leftover.containerId;
        r.error = err.oneLine();
        if (built) r.buildLogTail = err.logTail;
        r.updatedAt = new Date().toISOString();
      } else {
        draft.instances = draft.instances.filter((i) => i.id !== id);
      }
    });
    if (!keep) await this.opts.secrets.forget(id);
  }
}

/** What the record keeps of the options: tags, mounts and GPUs as asked; of the environment its names only (values may be secrets). */
function recordOptions(o: InstanceOptions): Partial<InstanceRecord> {
  const envNames = Object.keys(o.env);
  return {
    ...(Object.keys(o.tags).length > 0 ? { tags: o.tags } : {}),
    ...(envNames.length > 0 ? { envNames } : {}),
    ...(o.mounts.length > 0 ? { mounts: o.mounts } : {}),
    ...(o.gpus !== undefined ? { gpus: o.gpus } : {}),
  };
}

/** Engines that build from a Dockerfile through their API. */
const BUILDERS: ReadonlySet<string> = new Set(['docker', 'podman']);

function buildFor(input: CreateInput, host: HostRecord): BuildSpec {
  if (input.image !== undefined) {
    throw new SwarmError('Give --image or --dockerfile, not both', { code: 'invalid-input', hint: 'A build names its own image' });
  }
  if (!BUILDERS.has(host.provider)) {
    throw new SwarmError(`${host.name} is a ${host.provider} host, which cannot build from a Dockerfile`, {
      code: 'invalid-input',
      hint: 'Build on a Docker or Podman host, or give an --image that the host has',
    });
  }
  return validateBuild(input.build!);
}
