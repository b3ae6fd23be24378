import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODE_SERVER_PORT } from '../common/codeServer.js';
import { DEFAULT_CPUS } from '../common/defaultResources.js';
import { instanceLabels, LABEL, parseSpecLabel } from '../common/labels.js';
import type { InstanceRef, InstanceSpec } from '../provider.js';
import { injectionFromLabels, withCodeServer } from './codeServerOptions.js';

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
    Env: [`HASHED_PASSWORD=${spec.hashedPassword}`, `CODE_SERVER_COOKIE_SUFFIX=${spec.cookieSuffix}`],
    Labels: instanceLabels(spec),
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
      // Not the default bridge, where every container can reach every other.
      ...(at.network ? { NetworkMode: at.network } : {}),
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
  const saved = parseSpecLabel(labels[LABEL.spec]);
  const host = info.HostConfig;
  return {
    id: labels[LABEL.instance] ?? ref.id,
    name: labels[LABEL.name] ?? ref.name,
    image: saved.image ?? info.Config.Image,
    cpus: host.NanoCpus ? host.NanoCpus / 1e9 : (saved.cpus ?? DEFAULT_CPUS),
    // 0 is Docker's "no limit": kept as it was rather than invented.
    memoryBytes: host.Memory || (saved.memoryBytes ?? 0),
    pidsLimit: host.PidsLimit ?? 0,
    cookieSuffix,
    hashedPassword,
    storeId,
    ...injectionFromLabels(labels),
  };
}
