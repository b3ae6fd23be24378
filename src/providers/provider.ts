import type { Readable } from 'node:stream';
import type { GpuRequest, InstanceState, MountSpec, ProviderKind } from '../shared/model.js';
import type { HostCheck } from './hostCheck.js';

/** What to create: everything the provider needs, already validated. */
export interface InstanceSpec {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly pidsLimit: number;
  /** `--disk`: a size the host enforces; checked with diskQuotaProblem before the create. */
  readonly diskBytes?: number;
  /** code-server's `--cookie-suffix`, unique per instance. */
  readonly cookieSuffix: string;
  /** A hash of the password (core/password.ts): the plain text never reaches the host. */
  readonly hashedPassword: string;
  /** The owning store's id, written as a label. */
  readonly storeId: string;
  /** Where a cluster may run it (Swarm): a node's name or a constraint expression. */
  readonly placement?: { readonly node?: string; readonly constraint?: string };
  /** code-server's own idle timeout (`CODE_SERVER_IDLE_TIMEOUT_SECONDS`, it exits 0), where the engine can apply it. */
  readonly idleTimeoutSeconds?: number;
  /** `--env`: values may be secrets, so they are never logged or labelled. */
  readonly env?: Readonly<Record<string, string>>;
  /** `--tag`: written as labels under TAG_LABEL_PREFIX (common/labels.ts). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly mounts?: readonly MountSpec[];
  readonly gpus?: GpuRequest;
  /** The image to copy code-server from when `image` has none (else the host's newest code-server image). */
  readonly codeServerImage?: string;
  /** Build `image` on the host from this first (docs/ANY-IMAGE.md). */
  readonly build?: BuildSpec;
  /** Set by the provider once it has decided to bring code-server in (docs/ANY-IMAGE.md). */
  readonly codeServer?: CodeServerInjection;
}

/** A build on the host, from a context on this machine. */
export interface BuildSpec {
  /** Absolute path of the context folder on this machine. */
  readonly context: string;
  /** The Dockerfile, relative to the context, `/`-separated. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
}

/** code-server brought into an image that has none: the host's volume holding it, and who runs it. */
export interface CodeServerInjection {
  /** The host's read-only code-server volume, filled once per code-server build. */
  readonly volume: string;
  /** `uid:gid`, never root. */
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  /** HOME, made for the user in the container if the image lacks it. */
  readonly home: string;
  /** The volume holds an init of its own (CODE_SERVER_INIT); without one the engine's is used. */
  readonly init?: boolean;
}

/** An instance as its host reports it. */
export interface ObservedInstance {
  readonly id: string;
  readonly name: string;
  readonly containerId: string;
  readonly image: string;
  readonly state: InstanceState;
  /** Host loopback port code-server is published on. */
  readonly port: number | undefined;
  readonly storeId: string | undefined;
  readonly cookieSuffix: string | undefined;
  readonly cpus: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly createdAt: string | undefined;
  readonly startedAt: string | undefined;
  /** Why the engine considers it failed, if it does. */
  readonly error: string | undefined;
  /** The cluster node it runs on (Swarm). */
  readonly node?: string;
  /** The idle timeout it was made with (its label), if any. */
  readonly idleTimeoutSeconds?: number;
  /** When it stopped (approximate from a list), if the engine says. */
  readonly stoppedAt?: string;
  /** Its tags, read back from its labels. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Its mounts besides the workspace, as the engine reports them. */
  readonly mounts?: readonly MountSpec[];
}

/** Identifies an instance to its provider. */
export interface InstanceRef {
  readonly id: string;
  readonly name: string;
  readonly containerId: string | undefined;
}

export interface ProgressSink {
  (message: string, fraction?: number): void;
}

export interface CreateOptions {
  readonly onProgress?: ProgressSink;
  /** Every line of a build's output, as it comes. */
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ExecInOptions {
  /** A user name or uid[:gid] in the instance; absent: the instance's own user. */
  readonly user?: string;
  /** Where it runs in the instance. */
  readonly workingDir?: string;
  readonly onOutput?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface LogOptions {
  readonly tail?: number;
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * What an instance uses now. The counters beyond memory are optional so an
 * engine that cannot tell one leaves it out rather than report a false 0.
 */
export interface InstanceStats {
  /** Percent of ONE CPU, like `docker stats`: 200 means two CPUs busy. */
  readonly cpuPercent: number;
  readonly memoryBytes: number;
  readonly memoryLimitBytes: number | undefined;
  readonly pids?: number;
  /** Bytes received and sent since the instance started, loopback left out. */
  readonly netRxBytes?: number;
  readonly netTxBytes?: number;
  /** Bytes read from and written to block devices since the instance started. */
  readonly blockReadBytes?: number;
  readonly blockWriteBytes?: number;
  /** Bytes its own files take on disk, where the engine tells it with the other figures (LXD's root disk). */
  readonly diskUsedBytes?: number;
}

/** What a host has to give: its CPUs, its memory, and room where instances' disks live. */
export interface HostCapacity {
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Memory not in use on the host, when the engine or the host says. */
  readonly memoryAvailableBytes: number | undefined;
  /** Free and total space where the engine keeps images and volumes (Docker's root dir, LXD's storage pool). */
  readonly diskFreeBytes: number | undefined;
  readonly diskTotalBytes: number | undefined;
  /** That place: a path, or `pool default`. */
  readonly diskLocation: string | undefined;
}

export interface EngineInfo {
  readonly provider: ProviderKind;
  readonly engineVersion: string;
  /** A cluster's nodes (Swarm), as `hosts test --json` prints them. */
  readonly nodes?: readonly ClusterNode[];
}

export interface ClusterNode {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly availability: string;
}

export interface Snapshot {
  readonly name: string;
  readonly createdAt: string;
  readonly label: string | undefined;
  /**
   * What the snapshot leaves out, for the user to read when it is taken
   * (a Docker commit does not capture the workspace volume).
   */
  readonly warning?: string;
}

/** A change the engine reported to one of our instances. */
export interface EngineChange {
  /** Our instance id (its label), when the engine names it. */
  readonly id: string | undefined;
  /** Our instance name, when the engine names it. */
  readonly name: string | undefined;
  /** The engine's own word for it (Docker: `die`, `start`…; LXD: `instance-stopped`…). */
  readonly action: string;
  /**
   * The engine is not done with this change yet and usually says more soon:
   * Docker's `die` comes before its clean-up (a list still shows the
   * container running) and before the `stop` or restart that follows.
   */
  readonly settling?: boolean;
  /** The exit code an exit event carries (Docker's `exitCode`, Podman's `containerExitCode`). */
  readonly exitCode?: number;
}

/** A subscription to an engine's events: one long-lived stream on the host's connection. */
export interface EngineEvents {
  /** Resolves when closed by us; rejects when the stream breaks (link lost, engine restarted). */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * One engine on one host. Implementations talk only through the host's
 * HostLink; they never open connections of their own.
 */
export interface Provider {
  readonly kind: ProviderKind;
  engineInfo(): Promise<EngineInfo>;
  /** Every instance of ours on the host, in ONE engine call. */
  list(): Promise<ObservedInstance[]>;
  /**
   * Creates and starts. On failure it removes what it made, or, if removal
   * fails too, leaves it labelled so the next list shows it as failed.
   */
  create(spec: InstanceSpec, options?: CreateOptions): Promise<ObservedInstance>;
  /** Removes what the provider keeps ready for this store's next creates (a swarm host's idle slots); on a host's removal. */
  releaseIdle?(storeId: string): Promise<void>;
  /**
   * Makes what is missing of what the provider keeps ready for this store's
   * next creates (a swarm host's ready slot), from this image; at most the
   * missing part. The core calls it after a create, once nothing contends
   * with the instance's boot (docs/ARCHITECTURE.md).
   */
  topUp?(storeId: string, image: string): Promise<void>;
  /**
   * The host paths of these that do not exist on the host (looked up over
   * its own link, before anything is created); absent for an engine that
   * takes no host paths.
   */
  missingHostPaths?(paths: readonly string[]): Promise<string[]>;
  /**
   * Why this host cannot enforce a disk size (`--disk`), in a few words
   * naming its storage; undefined when it can. Asked before anything is
   * written or made. Absent: the engine has no way to.
   */
  diskQuotaProblem?(): Promise<string | undefined>;
  /**
   * Runs a command in the running instance (a devcontainer's
   * postCreateCommand): argv as given, no shell of ours; each line of its
   * output as it comes. Absent: the engine cannot.
   */
  execIn?(ref: InstanceRef, argv: readonly string[], options?: ExecInOptions): Promise<{ exitCode: number }>;
  start(ref: InstanceRef): Promise<void>;
  stop(ref: InstanceRef): Promise<void>;
  restart(ref: InstanceRef): Promise<void>;
  /** Removes the instance; its workspace volume survives unless `purge`. */
  remove(ref: InstanceRef, options: { purge: boolean }): Promise<void>;
  logs(ref: InstanceRef, options: LogOptions): Promise<Readable>;
  stats(ref: InstanceRef): Promise<InstanceStats>;
  /**
   * Bytes the instance's own files take on disk, where the engine can tell
   * only at a cost (Docker sizes the writable layer by walking it): the
   * caller decides how often to ask. Undefined when the engine does not say.
   * Absent: stats() says it already, or nothing does.
   */
  diskUsage?(ref: InstanceRef): Promise<number | undefined>;
  /** The host's CPUs, memory and disk room, in as few calls as the engine allows. */
  capacity?(): Promise<HostCapacity>;
  snapshot?(ref: InstanceRef, label: string | undefined): Promise<Snapshot>;
  snapshots?(ref: InstanceRef): Promise<Snapshot[]>;
  /** Puts the instance back to the snapshot; it runs afterwards if it ran before. */
  restore?(ref: InstanceRef, snapshot: string): Promise<ObservedInstance>;
  /** Builds the instance's image again from `build` and makes its container again from it, keeping its workspace and password. */
  rebuild?(ref: InstanceRef, build: BuildSpec, options?: CreateOptions): Promise<ObservedInstance>;
  deleteSnapshot?(ref: InstanceRef, snapshot: string): Promise<void>;
  /**
   * Subscribes to the engine's lifecycle events for our instances; resolves
   * once the engine has accepted the subscription, so nothing after that is missed.
   */
  watch?(onChange: (change: EngineChange) => void): Promise<EngineEvents>;
  /**
   * Applies code-server's own idle timeout to the instance (undefined: off),
   * recreating what the engine cannot change in place. Absent: the engine
   * cannot, and Code Swarm's health rounds stop the instance instead.
   */
  setIdleTimeout?(ref: InstanceRef, seconds: number | undefined): Promise<ObservedInstance>;
  /**
   * Whether the instance's last exit was code-server's idle timeout (its log
   * says so), as opposed to a stop or a crash: read once per stop.
   */
  stoppedForIdle?(ref: InstanceRef): Promise<boolean>;
  /**
   * Whether the instance's code-server took the idle timeout (its start-up
   * log says "Idle timeout set to"): an older one ignores the variable.
   */
  appliesIdleTimeout?(ref: InstanceRef): Promise<boolean>;
  /**
   * The host doctor's checks of this engine (socket access, version, limits,
   * disk, image...); the doctor adds the SSH and system checks around them.
   */
  checks?(): readonly HostCheck[];
  /** A cluster's nodes (Swarm hosts). */
  clusterNodes?(): Promise<ClusterNode[]>;
  /** Drains a cluster node for maintenance, or makes it active again (Swarm hosts). */
  setNodeAvailability?(node: string, availability: 'active' | 'drain'): Promise<void>;
}
