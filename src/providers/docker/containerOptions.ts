import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODE_SERVER_MOUNT, CODE_SERVER_PORT } from '../common/codeServer.js';
import { DEFAULT_CPUS } from '../common/defaultResources.js';
import { IDLE_LABEL, IDLE_TIMEOUT_ENV, instanceLabels, LABEL, parseIdleLabel, parseSpecLabel, tagsFromLabels } from '../common/labels.js';

import type { InstanceRef, InstanceSpec } from '../provider.js';
import { envEntries, gpuDevices, gpusFromHostConfig, mountsFromEngine, optionMounts, type GpuStyle } from './instanceOptions.js';

/** What code-server's login reads from the environment: set by us, never taken from an option or an old container. */
const OWN_ENV = new Set(['HASHED_PASSWORD', 'CODE_SERVER_COOKIE_SUFFIX']);
import { injectionFromLabels, withCodeServer } from './codeServerOptions.js';
import { sizeOption } from './dockerQuota.js';

/** The workspace volume's mount point, where code-server opens. */
export const PROJECT_DIR = '/home/coder/project';

/** What createContainer needs beyond the spec: where the instance runs from. */
export interface ContainerPlacement {
  /** The container's name (the instance's, or a temporary one during a restore). */
  readonly name: string;
  /** The spec's image on create, a snapshot image on restore. */
  readonly image: string;
  readonly user: string;
  /** The workspace volume mounted at PROJECT_DIR. */
  readonly volume: string;
  /** The isolated network's id (see dockerNetwork.ts); absent only for callers that place it themselves. */
  readonly network?: string;
  /** How the engine takes GPUs (EngineDialect.gpuStyle); Docker's device requests unless said. */
  readonly gpuStyle?: GpuStyle;
}

/** The one place an instance's container is described: create and restore must not drift apart. */
export function containerOptions(spec: InstanceSpec, at: ContainerPlacement): Docker.ContainerCreateOptions {
  return withCodeServer(baseOptions(spec, at), spec.codeServer);
}

function baseOptions(spec: InstanceSpec, at: ContainerPlacement): Docker.ContainerCreateOptions {
  return {
    name: at.name,
    Image: at.image,
    // The image's own user unless it is root: code-server never runs as root here.
    User: at.user,
    // The image's default argument "." then opens the workspace volume.
    WorkingDir: PROJECT_DIR,
    // Ours last: Docker keeps the last of a repeated name, so nothing before can replace the login's.
    Env: [
      ...envEntries(spec.env, OWN_ENV),
      `HASHED_PASSWORD=${spec.hashedPassword}`,
      `CODE_SERVER_COOKIE_SUFFIX=${spec.cookieSuffix}`,
      // Empty (off) when unset: a container recreated from a commit of one
      // with a timeout would otherwise inherit it from the image's config.
      `${IDLE_TIMEOUT_ENV}=${spec.idleTimeoutSeconds ?? ''}`,
    ],
    Labels: { [IDLE_LABEL]: '', ...instanceLabels(spec) },

    ExposedPorts: { [`${CODE_SERVER_PORT}/tcp`]: {} },
    HostConfig: {
      // Loopback only: the SSH tunnel is the one way in.
      PortBindings: { [`${CODE_SERVER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Mounts: [{ Type: 'volume', Source: at.volume, Target: PROJECT_DIR }, ...optionMounts(spec.mounts)],
      ...gpuDevices(spec.gpus, at.gpuStyle ?? 'device-requests'),
      NanoCpus: Math.round(spec.cpus * 1e9),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      // The writable layer's size (--disk; the workspace volume gets the same, dockerProvider).
      ...(spec.diskBytes !== undefined ? { StorageOpt: { size: sizeOption(spec.diskBytes) } } : {}),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: restartPolicy(spec.idleTimeoutSeconds),
      // Not the default bridge, where every container can reach every other.
      ...(at.network ? { NetworkMode: at.network } : {}),
    },
  };
}

/**
 * `unless-stopped` brings code-server back after any exit but a stop. With an
 * idle timeout, code-server's exit 0 after idling must stay an exit:
 * `on-failure` restarts a crash (non-zero) and nothing else. The price: a
 * container of that kind stopped by its engine's own shutdown (code-server
 * exits 0 on SIGTERM) stays stopped after the engine restarts (docs/IDLE.md).
 */
export function restartPolicy(idleTimeoutSeconds: number | undefined): { Name: string; MaximumRetryCount: number } {
  return idleTimeoutSeconds === undefined ? { Name: 'unless-stopped', MaximumRetryCount: 0 } : { Name: 'on-failure', MaximumRetryCount: 0 };
}

/**
 * The spec a container was made from, read back from its inspect: labels for
 * the identity, the environment for the password hash (it is on the host
 * already; the plain text never is), HostConfig for the limits.
 */
export function specFromInspect(info: Docker.ContainerInspectInfo, ref: InstanceRef): InstanceSpec {
  const labels = info.Config.Labels ?? {};
  const env = new Map(envPairs(info.Config.Env));
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
  const saved = parseSpecLabel(labels[LABEL.spec]);
  const host = info.HostConfig;
  const tags = tagsFromLabels(labels);
  // The code-server volume of an image it was brought into comes back from the labels (injectionFromLabels), not as a mount of the user's.
  const mounts = mountsFromEngine(info.Mounts, PROJECT_DIR).filter((m) => m.target !== CODE_SERVER_MOUNT);
  const gpus = gpusFromHostConfig(host);
  return {
    id: labels[LABEL.instance] ?? ref.id,
    name: labels[LABEL.name] ?? ref.name,
    image: saved.image ?? info.Config.Image,
    cpus: host.NanoCpus ? host.NanoCpus / 1e9 : (saved.cpus ?? DEFAULT_CPUS),
    // 0 is Docker's "no limit": kept as it was rather than invented.
    memoryBytes: host.Memory || (saved.memoryBytes ?? 0),
    pidsLimit: host.PidsLimit ?? 0,
    ...diskOf(host.StorageOpt?.['size']),
    cookieSuffix,
    hashedPassword,
    storeId,
    ...idleOf(env.get(IDLE_TIMEOUT_ENV) ?? labels[IDLE_LABEL]),
    // No env: a snapshot is a commit, and a commit keeps the container's environment in the image.
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...injectionFromLabels(labels),
  };
}

/** A container's or image's `K=V` environment as pairs (an entry without `=` is a name with an empty value). */
export function envPairs(entries: readonly string[] | null | undefined): Array<readonly [string, string]> {
  return (entries ?? []).map((e) => {
    const eq = e.indexOf('=');
    return [eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1)] as const;
  });
}

/** The writable layer's size as the engine keeps it (bytes, or with a unit when set by hand). */
function diskOf(size: string | undefined): { diskBytes?: number } {
  const m = /^(\d+)\s*([kmgt]?)(?:i?b)?$/i.exec(size?.trim() ?? '');
  if (!m) return {};
  const bytes = Number(m[1]) * 1024 ** '_kmgt'.indexOf((m[2] || '_').toLowerCase());
  return Number.isSafeInteger(bytes) && bytes > 0 ? { diskBytes: bytes } : {};
}

function idleOf(raw: string | undefined): { idleTimeoutSeconds?: number } {
  const seconds = parseIdleLabel(raw);
  return seconds === undefined ? {} : { idleTimeoutSeconds: seconds };
}
