import type { ClusterNode } from '../providers/provider.js';
import type {
  GpuRequest,
  Health,
  HostKind,
  InstanceRecord,
  InstanceState,
  MountSpec,
  ProviderKind,
  StoppedReason,
} from '../shared/model.js';
import type { IdleActivity } from './idleMonitor.js';

/** An instance as the CLI prints it (--json) and the tree shows it. */
export interface InstanceView {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly provider: ProviderKind;
  readonly state: InstanceState;
  readonly health: Health;
  readonly image: string;
  readonly createdAt: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Its disk quota (`--disk`), when it has one. */
  readonly diskBytes?: number;
  readonly port: number | undefined;
  readonly startedAt: string | undefined;
  readonly error: string | undefined;
  readonly healthLatencyMs: number | undefined;
  /** The cluster node it runs on (Swarm hosts). */
  readonly node?: string;
  /** Its idle timeout (docs/IDLE.md), when it has one. */
  readonly idleTimeoutSeconds?: number;
  /** Who stops it when idle: code-server itself, or Code Swarm's rounds. */
  readonly idleEnforcedBy?: 'code-server' | 'code-swarm';
  /** Why it is stopped, when known. */
  readonly stoppedReason?: StoppedReason;
  readonly stoppedAt?: string;
  /** While it runs with an idle timeout: what its last heartbeat read said. */
  readonly idle?: IdleActivity;
  readonly tags?: Readonly<Record<string, string>>;
  /** The names of its `--env` variables (never their values). */
  readonly envNames?: readonly string[];
  readonly mounts?: readonly MountSpec[];
  readonly gpus?: GpuRequest;
  /** The end of a failed build's (or postCreateCommand's) log. */
  readonly buildLogTail?: string;
  /** A devcontainer.json's forwardPorts. */
  readonly forwardPorts?: readonly number[];
  /** What its devcontainer.json asked that was not done, by name. */
  readonly unsupported?: readonly string[];
}

export type HostReachability = 'unknown' | 'up' | 'down';

export interface HostView {
  readonly name: string;
  readonly kind: HostKind;
  readonly provider: ProviderKind;
  readonly address: string;
  readonly reachability: HostReachability;
  readonly engineVersion: string | undefined;
  readonly latencyMs: number | undefined;
  readonly error: string | undefined;
  readonly instanceCount: number;
  /** Something the user should know about the host just added (e.g. a Swarm manager added as plain Docker). */
  readonly note?: string;
}

export interface HostTestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly provider: ProviderKind;
  readonly engineVersion: string | undefined;
  readonly latencyMs: number | undefined;
  readonly error?: string;
  /** A cluster's nodes (Swarm hosts). */
  readonly nodes?: readonly ClusterNode[];
}

export interface HealthReport {
  readonly name: string;
  readonly health: Health;
  readonly httpStatus: number | undefined;
  readonly latencyMs: number;
}

export interface HealthSample {
  readonly health: Health;
  readonly latencyMs: number | undefined;
  readonly httpStatus: number | undefined;
  /** Why a probe did not find it healthy ("nothing is listening", "no answer within 3000 ms"), when it did not. */
  readonly detail?: string;
}

export function toInstanceView(r: InstanceRecord, sample: HealthSample | undefined, startedAt: string | undefined): InstanceView {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    provider: r.provider,
    state: r.state,
    health: r.state === 'running' || r.state === 'starting' ? (sample?.health ?? 'unknown') : 'unknown',
    image: r.image,
    createdAt: r.createdAt,
    cpus: r.cpus,
    memoryBytes: r.memoryBytes,
    ...(r.diskBytes !== undefined ? { diskBytes: r.diskBytes } : {}),
    port: r.port,
    startedAt,
    error: r.error,
    healthLatencyMs: sample?.latencyMs,
    ...(r.node !== undefined ? { node: r.node } : {}),
    ...(r.idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds: r.idleTimeoutSeconds } : {}),
    ...(r.idleEnforcedBy !== undefined ? { idleEnforcedBy: r.idleEnforcedBy } : {}),
    ...(r.state === 'stopped' && r.stoppedReason !== undefined ? { stoppedReason: r.stoppedReason } : {}),
    ...(r.state === 'stopped' && r.stoppedAt !== undefined ? { stoppedAt: r.stoppedAt } : {}),
    ...(r.tags !== undefined ? { tags: r.tags } : {}),
    ...(r.envNames !== undefined ? { envNames: r.envNames } : {}),
    ...(r.mounts !== undefined ? { mounts: r.mounts } : {}),
    ...(r.gpus !== undefined ? { gpus: r.gpus } : {}),
    ...(r.buildLogTail !== undefined ? { buildLogTail: r.buildLogTail } : {}),
    ...(r.forwardPorts !== undefined ? { forwardPorts: r.forwardPorts } : {}),
    ...(r.unsupported !== undefined ? { unsupported: r.unsupported } : {}),
  };
}
