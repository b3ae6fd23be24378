import type Docker from 'dockerode';
import { CODE_SERVER_PORT } from '../common/codeServer.js';
import { instanceLabels, LABEL } from '../common/labels.js';
import type { InstanceSpec } from '../provider.js';
import { forwarderProgram } from './swarmModeForwarder.js';
import { GATEWAY_NAME_LABEL, INSTANCE_ALIAS, PASSWORD_SECRET_FILE, serviceName, swarmVolumeName } from './swarmModeNames.js';

/** The workspace volume's mount point, where code-server opens (as on a plain Docker host). */
export const PROJECT_DIR = '/home/coder/project';

/** Marks the manager's gateway container of an instance (its value: the instance id). */
export const GATEWAY_LABEL = 'code-swarm.gateway-of';

/** Where an instance may run: a node by name, or any Swarm constraint expression. */
export interface Placement {
  readonly node?: string;
  readonly constraint?: string;
}

/** What the service needs beyond the spec, read from the engine. */
export interface ServiceContext {
  /** The image's entrypoint and command, which the wrapper runs after setting things up. */
  readonly entry: readonly string[];
  /** The user code-server runs as: never root. */
  readonly user: string;
  readonly secretId: string;
  readonly secretName: string;
  readonly network: string;
  readonly placement?: Placement;
  /** The gateway's container name when it is a taken slot's (an instance's own is named after it). */
  readonly gateway?: string;
}

/**
 * The task's entrypoint wrapper. Swarm's service API (1.41) has no
 * no-new-privileges field, so the task sets it on itself before it runs
 * anything of the image's: `setpriv --no-new-privs` then execs the image's
 * entrypoint, and the bit holds for every process after (NoNewPrivs 1 in
 * /proc/1/status). An image without setpriv fails closed, with a reason in
 * the task's logs. The password hash comes from the Swarm secret file, so
 * neither it nor the password is in the service spec.
 */
export const TASK_WRAPPER = [
  'set -eu',
  'command -v setpriv >/dev/null || { echo "code-swarm: the image has no setpriv (util-linux), so no-new-privileges cannot be enforced" >&2; exit 78; }',
  `HASHED_PASSWORD=$(cat /run/secrets/${PASSWORD_SECRET_FILE})`,
  'export HASHED_PASSWORD',
  'exec setpriv --no-new-privs -- "$@"',
].join('\n');

/** The constraints a placement becomes: a node is matched by its hostname, as `docker node ls` shows it. */
export function placementConstraints(placement: Placement | undefined): string[] {
  if (!placement) return [];
  if (placement.node !== undefined) return [`node.hostname==${placement.node}`];
  if (placement.constraint !== undefined) return [placement.constraint];
  return [];
}

/** The one place an instance's service is described. */
export function serviceSpec(spec: InstanceSpec, ctx: ServiceContext): Docker.CreateServiceOptions {
  const labels = instanceLabels(spec);
  const nanoCpus = Math.round(spec.cpus * 1e9);
  return {
    Name: serviceName(spec.name),
    Labels: ctx.gateway !== undefined ? { ...labels, [GATEWAY_NAME_LABEL]: ctx.gateway } : labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        // Task containers carry the same labels as a plain Docker instance's container.
        Labels: labels,
        Command: ['/bin/sh', '-c', TASK_WRAPPER, 'code-swarm-entry', ...ctx.entry],
        Args: [],
        User: ctx.user,
        Dir: PROJECT_DIR,
        // Ours last, so a repeated name cannot replace it (core refuses them before).
        Env: [...Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`), `CODE_SERVER_COOKIE_SUFFIX=${spec.cookieSuffix}`],
        Mounts: [
          {
            Type: 'volume',
            Source: swarmVolumeName(spec.name),
            Target: PROJECT_DIR,
            VolumeOptions: {
              NoCopy: false,
              DriverConfig: { Name: 'local', Options: {} },
              Labels: { [LABEL.instance]: spec.id, [LABEL.name]: spec.name, [LABEL.store]: spec.storeId },
            },
          },
          // Named volumes only (core refuses host paths on Swarm): each is made on the node the task runs on.
          ...(spec.mounts ?? []).map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
        ],
        Secrets: [
          {
            SecretID: ctx.secretId,
            SecretName: ctx.secretName,
            File: { Name: PASSWORD_SECRET_FILE, UID: uidOf(ctx.user), GID: gidOf(ctx.user), Mode: 0o400 },
          },
        ],
        CapabilityDrop: ['ALL'],
        StopGracePeriod: 5e9,
      },
      Resources: {
        Limits: { NanoCPUs: nanoCpus, MemoryBytes: spec.memoryBytes, Pids: spec.pidsLimit },
        // Reserved as much as allowed, so Swarm places an instance only where it fits.
        Reservations: { NanoCPUs: nanoCpus, MemoryBytes: spec.memoryBytes },
      },
      RestartPolicy: { Condition: 'any', Delay: 1e9 },
      Placement: { Constraints: placementConstraints(ctx.placement) },
      // The alias is what every gateway dials (one made before its instance cannot know the name).
      Networks: [{ Target: ctx.network, Aliases: [INSTANCE_ALIAS] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    // Nothing published: no routing-mesh port on any node. The gateway is the one way in.
    // DNS round robin: the service's name resolves to its task's address, with no
    // virtual IP (which needs IPVS in every node's kernel; this lab's has none).
    EndpointSpec: { Mode: 'dnsrr', Ports: [] },
  };
}

/** Who a gateway is: its container name and labels, and the image whose node runs the forwarder. */
export interface GatewayIdentity {
  readonly name: string;
  readonly image: string;
  readonly labels: Record<string, string>;
}

/** An instance's own gateway (made with it when no ready slot was left): labelled with the instance's id. */
export function instanceGateway(spec: InstanceSpec, name: string): GatewayIdentity {
  return { name, image: spec.image, labels: { [GATEWAY_LABEL]: spec.id, [LABEL.name]: spec.name, [LABEL.store]: spec.storeId } };
}

/**
 * The gateway: a plain container on the manager, on the instance's overlay
 * only, forwarding the manager's loopback port to the service's task (by
 * the alias the service has there: dnsrr, swarmModeForwarder). Gateways
 * made before the alias dial the service's name, in their own configuration.
 * It runs a code-server image (which always has node).
 */
export function gatewayOptions(who: GatewayIdentity, network: string, user: string): Docker.ContainerCreateOptions {
  const forward = forwarderProgram(INSTANCE_ALIAS, CODE_SERVER_PORT, CODE_SERVER_PORT);
  return {
    name: who.name,
    Image: who.image,
    User: user,
    Entrypoint: ['/bin/sh', '-c', 'exec "$(command -v node || echo /usr/lib/code-server/lib/node)" -e "$0"', forward],
    Cmd: [],
    Labels: who.labels,
    ExposedPorts: { [`${CODE_SERVER_PORT}/tcp`]: {} },
    HostConfig: {
      // Loopback only: the SSH connection to the manager is the one way in.
      PortBindings: { [`${CODE_SERVER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      NetworkMode: network,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: 96 * 1024 ** 2,
      MemorySwap: 96 * 1024 ** 2,
      NanoCpus: 5e8,
      PidsLimit: 64,
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    },
  };
}

/**
 * The instance's attachable overlay (attachable so the gateway, a plain
 * container, can join), IPsec-encrypted between nodes unless the host was
 * added with a plain overlay (a kernel without ESP, see docs/ARCHITECTURE.md).
 */
export function overlayOptions(name: string, labels: Record<string, string>, encrypted: boolean): Docker.NetworkCreateOptions {
  return {
    Name: name,
    Driver: 'overlay',
    Attachable: true,
    CheckDuplicate: true,
    Options: encrypted ? { encrypted: '' } : {},
    Labels: labels,
  };
}

/** The uid of a `uid:gid` user; a name is taken as code-server's usual uid. */
function uidOf(user: string): string {
  const uid = user.split(':')[0] ?? '';
  return /^\d+$/.test(uid) ? uid : '1000';
}

function gidOf(user: string): string {
  const gid = user.split(':')[1];
  return gid !== undefined && /^\d+$/.test(gid) ? gid : uidOf(user);
}
