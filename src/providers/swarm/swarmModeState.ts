import { z } from 'zod';
import type { InstanceState, MountSpec } from '../../shared/model.js';
import { CODE_SERVER_PORT } from '../common/codeServer.js';
import { ownName } from '../common/instanceName.js';
import { LABEL, parseSpecLabel, tagsFromLabels } from '../common/labels.js';
import type { ClusterNode, ObservedInstance } from '../provider.js';
import { GATEWAY_NAME_LABEL } from './swarmModeNames.js';
import { GATEWAY_LABEL, PROJECT_DIR } from './swarmModeSpec.js';

const Labels = z.record(z.string(), z.string()).nullable().optional();

/** A service's mounts as the manager stores them (its `ContainerSpec.Mounts`). */
export const ServiceMountsSchema = z
  .array(z.object({ Type: z.string().optional(), Source: z.string().optional(), Target: z.string(), ReadOnly: z.boolean().optional() }))
  .nullish();

/** The fields of `GET /services` we read. */
export const ServiceListSchema = z.array(
  z.object({
    ID: z.string(),
    CreatedAt: z.string().optional(),
    Spec: z.object({
      Name: z.string(),
      Labels,
      Mode: z.object({ Replicated: z.object({ Replicas: z.number().optional() }).optional() }).optional(),
      TaskTemplate: z
        .object({
          ContainerSpec: z
            .object({
              Image: z.string().optional(),
              Mounts: ServiceMountsSchema,
            })
            .optional(),
          Placement: z.object({ Constraints: z.array(z.string()).nullable().optional() }).optional(),
        })
        .optional(),
    }),
  }),
);
export type ServiceRow = z.infer<typeof ServiceListSchema>[number];

/** The fields of `GET /tasks` we read. */
export const TaskListSchema = z.array(
  z.object({
    ID: z.string(),
    ServiceID: z.string(),
    NodeID: z.string().optional(),
    DesiredState: z.string(),
    CreatedAt: z.string().optional(),
    Status: z.object({
      State: z.string(),
      Timestamp: z.string().optional(),
      Message: z.string().optional(),
      Err: z.string().optional(),
      ContainerStatus: z.object({ ContainerID: z.string().optional(), ExitCode: z.number().optional() }).optional(),
    }),
  }),
);
export type TaskRow = z.infer<typeof TaskListSchema>[number];

/** The fields of `GET /nodes` we read. */
export const NodeListSchema = z.array(
  z.object({
    ID: z.string(),
    Spec: z.object({ Role: z.string().optional(), Availability: z.string().optional(), Labels }),
    Description: z.object({ Hostname: z.string().optional() }).optional(),
    Status: z.object({ State: z.string().optional(), Addr: z.string().optional() }).optional(),
    ManagerStatus: z.object({ Leader: z.boolean().optional(), Reachability: z.string().optional() }).optional(),
  }),
);
export type NodeRow = z.infer<typeof NodeListSchema>[number];

/** The gateway containers' rows (container lists filtered by GATEWAY_LABEL, and by POOL_LABEL for taken slots). */
export const GatewayListSchema = z.array(
  z.object({
    Id: z.string(),
    Names: z.array(z.string()).nullable().optional(),
    State: z.string(),
    Labels,
    Ports: z
      .array(z.object({ PrivatePort: z.number(), PublicPort: z.number().optional(), IP: z.string().optional() }))
      .nullable()
      .optional(),
  }),
);
export type GatewayRow = z.infer<typeof GatewayListSchema>[number];

/** The nodes as `hosts test --json` prints them, by name. */
export function nodeViews(rows: readonly NodeRow[]): ClusterNode[] {
  return rows
    .map((n) => ({
      name: n.Description?.Hostname ?? n.ID,
      role: n.Spec.Role ?? 'unknown',
      state: n.Status?.State ?? 'unknown',
      availability: n.Spec.Availability ?? 'unknown',
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Task states before Swarm has a running container. */
const STARTING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

/**
 * The task that says how the service is doing: the newest one Swarm wants
 * running, else the newest of all (it tells why the last one ended).
 */
export function currentTask(tasks: readonly TaskRow[]): TaskRow | undefined {
  const newest = [...tasks].sort((a, b) =>
    (b.Status.Timestamp ?? b.CreatedAt ?? '').localeCompare(a.Status.Timestamp ?? a.CreatedAt ?? ''),
  );
  return newest.find((t) => t.DesiredState === 'running') ?? newest[0];
}

/**
 * Swarm's words for a one-replica service, in ours. A task Swarm cannot place
 * stays `pending` with the scheduler's reason in Status.Err ("no suitable node
 * (insufficient resources on 3 nodes)"): that reason is shown, never a silent wait.
 */
export function mapServiceState(replicas: number, task: TaskRow | undefined): { state: InstanceState; error?: string } {
  if (replicas === 0) return { state: 'stopped' };
  if (!task) return { state: 'starting' };
  const s = task.Status.State;
  const why = task.Status.Err || undefined;
  if (task.DesiredState === 'running' && s === 'running') return { state: 'running' };
  if (task.DesiredState === 'running' && STARTING.has(s)) return why ? { state: 'starting', error: why } : { state: 'starting' };
  if (s === 'failed' || s === 'rejected') {
    const code = task.Status.ContainerStatus?.ExitCode;
    return { state: 'failed', error: why ?? (code ? `code-server exited with code ${code}` : `the task is ${s}`) };
  }
  if (s === 'orphaned') return { state: 'starting', error: why ?? 'its node is unavailable' };
  // Shut down or finished while the service still wants a replica: Swarm is replacing it.
  return { state: 'starting' };
}

/** Everything one list needs, fetched at once. */
export interface SwarmSnapshot {
  readonly services: readonly ServiceRow[];
  readonly tasks: readonly TaskRow[];
  readonly nodes: readonly NodeRow[];
  readonly gateways: readonly GatewayRow[];
}

/** Our instances on the swarm, from one snapshot of services, tasks, nodes and gateways. */
export function observedFromSwarm(snap: SwarmSnapshot): ObservedInstance[] {
  const tasksOf = new Map<string, TaskRow[]>();
  for (const t of snap.tasks) tasksOf.set(t.ServiceID, [...(tasksOf.get(t.ServiceID) ?? []), t]);
  // An instance's own gateway names it in a label; a taken slot's, made before the instance, is named in the service's labels.
  const byLabel = new Map(snap.gateways.flatMap((g) => (g.Labels?.[GATEWAY_LABEL] ? [[g.Labels[GATEWAY_LABEL], g] as const] : [])));
  const byName = new Map(snap.gateways.map((g) => [(g.Names?.[0] ?? '').replace(/^\//, ''), g]));
  const gatewayOf = (svc: ServiceRow, id: string) => byLabel.get(id) ?? byName.get(svc.Spec.Labels?.[GATEWAY_NAME_LABEL] ?? '');
  return snap.services.map((svc) => observedService(svc, tasksOf.get(svc.ID) ?? [], snap.nodes, gatewayOf));
}

/** The node a service is pinned to (`node.id==` or `node.hostname==`), if one. */
export function pinnedNode(svc: ServiceRow, nodes: readonly NodeRow[]): NodeRow | undefined {
  for (const c of svc.Spec.TaskTemplate?.Placement?.Constraints ?? []) {
    const m = /^node\.(id|hostname)\s*==\s*(\S+)$/.exec(c);
    if (!m) continue;
    const found = nodes.find((n) => (m[1] === 'id' ? n.ID : n.Description?.Hostname) === m[2]);
    if (found) return found;
  }
  return undefined;
}

/**
 * A pinned instance whose node is down or drained waits for it (its
 * workspace is there): its state says so in our words, with Swarm's reason
 * for the waiting task after them, instead of a bare "no suitable node".
 */
function waitingForNode(
  mapped: { state: InstanceState; error?: string },
  node: NodeRow | undefined,
): { state: InstanceState; error?: string } {
  if (!node || mapped.state === 'stopped') return mapped;
  const name = node.Description?.Hostname ?? node.ID;
  const state = node.Status?.State ?? 'unknown';
  const why = mapped.error !== undefined ? ` (Swarm: ${mapped.error})` : '';
  if (state !== 'ready') return { state: 'starting', error: `its node ${name} is ${state}; it waits there for its workspace${why}` };
  if (node.Spec.Availability === 'drain' && mapped.state !== 'running') {
    return { state: 'starting', error: `its node ${name} is drained; it waits there for its workspace${why}` };
  }
  return mapped;
}

function observedService(
  svc: ServiceRow,
  tasks: readonly TaskRow[],
  nodes: readonly NodeRow[],
  gatewayOf: (svc: ServiceRow, id: string) => GatewayRow | undefined,
): ObservedInstance {
  const labels = svc.Spec.Labels ?? {};
  const id = labels[LABEL.instance] ?? svc.ID;
  const spec = parseSpecLabel(labels[LABEL.spec]);
  const task = currentTask(tasks);
  const pinned = pinnedNode(svc, nodes);
  const mapped = waitingForNode(mapServiceState(svc.Spec.Mode?.Replicated?.Replicas ?? 1, task), pinned);
  const gateway = gatewayOf(svc, id);
  const gatewayPort =
    gateway?.State === 'running'
      ? gateway.Ports?.find((p) => p.PrivatePort === CODE_SERVER_PORT && p.PublicPort && p.IP === '127.0.0.1')?.PublicPort
      : undefined;
  // The gateway's port is known before the task runs (a start reads back
  // while Swarm still places it): health waits probe it from the first moment.
  const port = mapped.state === 'stopped' ? undefined : gatewayPort;
  // Running, but its way in is not: say so rather than show a healthy-looking instance nobody can open.
  const error = mapped.state === 'running' && gatewayPort === undefined ? 'its gateway on the manager is not running' : mapped.error;
  const taskNode = task?.NodeID ? nodes.find((n) => n.ID === task.NodeID) : undefined;
  // A task waiting for its pinned node has no node yet: the pinned one is where it will run.
  const placed = taskNode ?? pinned;
  const node = placed ? (placed.Description?.Hostname ?? placed.ID) : undefined;
  const tags = tagsFromLabels(labels);
  const mounts = serviceMounts(svc);
  return {
    id,
    name: labels[LABEL.name] ?? ownName(svc.Spec.Name) ?? svc.Spec.Name,
    containerId: svc.ID,
    image: spec.image ?? svc.Spec.TaskTemplate?.ContainerSpec?.Image ?? '',
    state: mapped.state,
    port,
    storeId: labels[LABEL.store],
    cookieSuffix: labels[LABEL.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt: svc.CreatedAt,
    startedAt: mapped.state === 'running' ? task?.Status.Timestamp : undefined,
    error,
    ...(node !== undefined ? { node } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
  };
}

/** The service's mounts besides the workspace, as the manager stored them (each made on the task's node). */
function serviceMounts(svc: ServiceRow): MountSpec[] {
  const out: MountSpec[] = [];
  for (const m of svc.Spec.TaskTemplate?.ContainerSpec?.Mounts ?? []) {
    if (m.Target === PROJECT_DIR || !m.Source || (m.Type !== 'volume' && m.Type !== 'bind')) continue;
    out.push({ type: m.Type, source: m.Source, target: m.Target, readOnly: m.ReadOnly === true });
  }
  return out;
}
