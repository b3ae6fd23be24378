import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SwarmError } from './errors.js';

/** One DNS label: names end up in container names, hostnames and LXD instance names. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Containers are named `code-swarm-<name>`; 40 leaves room for that prefix inside a 63-char label. */
export const INSTANCE_NAME_MAX = 40;
export const HOST_NAME_MAX = 63;
export const STORE_VERSION = 1;
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export const InstanceStateSchema = z.enum(['created', 'starting', 'running', 'stopped', 'failed', 'missing']);
export type InstanceState = z.infer<typeof InstanceStateSchema>;

export const HealthSchema = z.enum(['healthy', 'starting', 'unhealthy', 'unreachable', 'unknown']);
export type Health = z.infer<typeof HealthSchema>;

/**
 * Why an instance is stopped, when Code Swarm knows: its idle timeout (code-server
 * exited 0 after no activity, or Code Swarm stopped it for that), a stop through
 * Code Swarm, or something else (a stop by hand, the host going down).
 */
export const StoppedReasonSchema = z.enum(['idle', 'user', 'external']);
export type StoppedReason = z.infer<typeof StoppedReasonSchema>;

/** code-server refuses `--idle-timeout-seconds` of 60 or less. */
export const IDLE_TIMEOUT_MIN_SECONDS = 61;
export const IDLE_TIMEOUT_MAX_SECONDS = 30 * 24 * 3600;

export const ProviderKindSchema = z.enum(['docker', 'lxd', 'podman', 'swarm']);
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

export const HostKindSchema = z.enum(['ssh', 'local']);
export type HostKind = z.infer<typeof HostKindSchema>;

export const InstanceNameSchema = z.string().max(INSTANCE_NAME_MAX).regex(DNS_LABEL);
export const HostNameSchema = z.string().max(HOST_NAME_MAX).regex(DNS_LABEL);

const IsoDate = z.iso.datetime({ offset: true });

/** A volume or a host path mounted into an instance (`--mount SRC:DST[:ro]`), checked by core/validateOptions.ts. */
export const MountSpecSchema = z.object({
  type: z.enum(['volume', 'bind']),
  source: z.string().min(1),
  target: z.string().min(1),
  readOnly: z.boolean(),
});
export type MountSpec = z.infer<typeof MountSpecSchema>;

/** `--gpus all` or a count. */
export const GpuRequestSchema = z.union([z.literal('all'), z.number().int().positive()]);
export type GpuRequest = z.infer<typeof GpuRequestSchema>;
const Port = z.number().int().min(1).max(65535);

export const HostRecordSchema = z.object({
  name: HostNameSchema,
  kind: HostKindSchema,
  provider: ProviderKindSchema,
  /** `user@host:port` for ssh; `local` or a socket path for local. */
  address: z.string().min(1),
  user: z.string().min(1).optional(),
  hostName: z.string().min(1).optional(),
  port: Port.optional(),
  identityFile: z.string().min(1).optional(),
  sshConfigAlias: z.string().min(1).optional(),
  /** OpenSSH ProxyJump syntax: `[user@]host[:port][,...]`, outermost hop first. */
  proxyJump: z.string().min(1).optional(),
  /** Path on the host; absent means DEFAULT_DOCKER_SOCKET. */
  dockerSocket: z.string().min(1).optional(),
  lxdSocket: z.string().min(1).optional(),
  /** Path on the host; absent means rootful Podman's /run/podman/podman.sock. */
  podmanSocket: z.string().min(1).optional(),
  /** Swarm hosts: each instance's overlay is IPsec-encrypted between nodes unless `plain` (a kernel without ESP). */
  swarmOverlay: z.enum(['encrypted', 'plain']).optional(),
  addedAt: IsoDate,
});
export type HostRecord = z.infer<typeof HostRecordSchema>;

export const InstanceRecordSchema = z.object({
  id: z.string().min(1),
  name: InstanceNameSchema,
  host: HostNameSchema,
  provider: ProviderKindSchema,
  image: z.string().min(1).max(255),
  state: InstanceStateSchema,
  createdAt: IsoDate,
  cpus: z.number().positive(),
  memoryBytes: z.number().int().positive(),
  /** `--disk SIZE`: the host enforces it (docs/DISK.md); absent: no quota. */
  diskBytes: z.number().int().positive().optional(),
  containerId: z.string().min(1).optional(),
  /** Port on the host's loopback where code-server listens. */
  port: Port.optional(),
  cookieSuffix: z.string().min(1),
  volume: z.string().min(1).optional(),
  /** Why the instance is `failed`. */
  error: z.string().optional(),
  /** The end of the log of a build that failed (several lines). */
  buildLogTail: z.string().optional(),
  /** The cluster node it runs on (Swarm hosts). */
  node: z.string().min(1).optional(),
  /** Stop after this long without activity (docs/IDLE.md); absent: never. */
  idleTimeoutSeconds: z.number().int().min(IDLE_TIMEOUT_MIN_SECONDS).max(IDLE_TIMEOUT_MAX_SECONDS).optional(),
  /**
   * Who applies the idle timeout: code-server itself (it exits 0, works with
   * Code Swarm closed) or Code Swarm's health rounds (a code-server without the
   * option, an engine whose restart policy cannot be set). Absent: not known yet.
   */
  idleEnforcedBy: z.enum(['code-server', 'code-swarm']).optional(),
  /** Why it is stopped, when known; cleared when it runs again. */
  stoppedReason: StoppedReasonSchema.optional(),
  /** When it stopped, when known. */
  stoppedAt: IsoDate.optional(),
  /** `--tag K=V`: also on the host as labels, which win when they differ. */
  tags: z.record(z.string(), z.string()).optional(),
  /** The names given with `--env`: the values may be secrets, so they live on the host only. */
  envNames: z.array(z.string()).optional(),
  mounts: z.array(MountSpecSchema).optional(),
  gpus: GpuRequestSchema.optional(),
  /** A devcontainer.json's forwardPorts: the instance's ports a user may open (docs/DEVCONTAINER.md). */
  forwardPorts: z.array(Port).optional(),
  /** What its devcontainer.json asked that Code Swarm did not do, by name (`features`, `runArgs`…). */
  unsupported: z.array(z.string()).optional(),
  /**
   * Where a built instance's image comes from, on the machine that made it:
   * `rebuild` builds it from there again (core/instanceRebuild.ts).
   */
  rebuildFrom: z
    .union([
      z.object({ devcontainer: z.string() }),
      z.object({ context: z.string(), dockerfile: z.string(), args: z.record(z.string(), z.string()) }),
    ])
    .optional(),
  /** After a rename: the name its container, volume and service were made with, and keep (core/instanceRename.ts). */
  engineName: InstanceNameSchema.optional(),

  updatedAt: IsoDate,
});
export type InstanceRecord = z.infer<typeof InstanceRecordSchema>;

export const KnownHostSchema = z.object({
  host: z.string().min(1),
  port: Port,
  keyType: z.string().min(1),
  key: z.base64(),
});
export type KnownHost = z.infer<typeof KnownHostSchema>;

export const StoreFileSchema = z.object({
  version: z.literal(STORE_VERSION),
  /** Written as the owner label on every container, so the store can be rebuilt from the hosts. */
  storeId: z.uuid(),
  hosts: z.array(HostRecordSchema),
  instances: z.array(InstanceRecordSchema),
  knownHosts: z.array(KnownHostSchema),
});
export type StoreFile = z.infer<typeof StoreFileSchema>;

const StoreFileV0Schema = z.object({
  hosts: z.array(HostRecordSchema),
  instances: z.array(InstanceRecordSchema),
});

export function emptyStoreFile(storeId: string = randomUUID()): StoreFile {
  return { version: STORE_VERSION, storeId, hosts: [], instances: [], knownHosts: [] };
}

export function migrateStoreFile(raw: unknown): StoreFile {
  if (!isRecord(raw)) throw corrupt('the top level is not a JSON object');
  const version = raw['version'];
  if (version === STORE_VERSION) return parseOrThrow(StoreFileSchema, raw);
  if (version === undefined) {
    const v0 = parseOrThrow(StoreFileV0Schema, raw);
    return { ...emptyStoreFile(), hosts: v0.hosts, instances: v0.instances };
  }
  if (typeof version === 'number' && version > STORE_VERSION) {
    throw new SwarmError(`The swarm store has format version ${version}, newer than this Code Swarm understands (${STORE_VERSION}).`, {
      code: 'store-corrupt',
      hint: 'Upgrade Code Swarm; the file was left untouched.',
    });
  }
  throw corrupt(`unknown format version ${JSON.stringify(version)}`);
}

/** True when the file was written by a newer release: it must be left alone, not recovered over. */
export function isNewerStoreFormat(raw: unknown): boolean {
  return isRecord(raw) && typeof raw['version'] === 'number' && raw['version'] > STORE_VERSION;
}

/** Duplicates pass the schema but would make names ambiguous on the CLI and in labels. */
export function findDuplicate(file: StoreFile): string | undefined {
  return (
    firstDuplicate(
      'host name',
      file.hosts.map((h) => h.name),
    ) ??
    firstDuplicate(
      'instance name',
      file.instances.map((i) => i.name),
    ) ??
    firstDuplicate(
      'instance id',
      file.instances.map((i) => i.id),
    )
  );
}

function firstDuplicate(what: string, values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return `duplicate ${what} ${JSON.stringify(v)}`;
    seen.add(v);
  }
  return undefined;
}

function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw corrupt(`${issue?.message ?? 'invalid content'}${where}`);
}

function corrupt(reason: string): SwarmError {
  return new SwarmError(`The swarm store is corrupt: ${reason}.`, { code: 'store-corrupt' });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
