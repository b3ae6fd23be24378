import type { ObservedInstance } from '../providers/provider.js';
import {
  IDLE_TIMEOUT_MIN_SECONDS,
  InstanceNameSchema,
  type HostRecord,
  type InstanceRecord,
  type ProviderKind,
  type StoreFile,
} from '../shared/model.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY_BYTES } from '../providers/common/defaultResources.js';

/** A create still in flight (possibly in another process) is not "missing" yet. */
const CREATE_GRACE_MS = 5 * 60_000;

export interface ReconcileResult {
  /** The host's records after reconciling; records of other hosts are untouched by the caller. */
  readonly records: InstanceRecord[];
  readonly adopted: string[];
  readonly missing: string[];
  readonly changed: boolean;
}

/**
 * The host is the truth, the store its cache: records follow what the host
 * reports, containers labelled with this store's id that the store does not
 * know are adopted (a rebuilt store finds its instances again), and records
 * whose container is gone become `missing` (never silently dropped).
 */
export function reconcileHost(
  host: string,
  provider: ProviderKind,
  records: readonly InstanceRecord[],
  observed: readonly ObservedInstance[],
  takenNames: { has(name: string): boolean },
  now: Date,
  storeId: string,
): ReconcileResult {
  const iso = now.toISOString();
  const byId = new Map(observed.map((o) => [o.id, o]));
  const seen = new Set<string>();
  const adopted: string[] = [];
  const missing: string[] = [];
  let changed = false;
  const out: InstanceRecord[] = [];

  for (const r of records) {
    const o = byId.get(r.id) ?? observed.find((x) => x.containerId === r.containerId || x.name === r.name);
    if (!o) {
      const young = now.getTime() - Date.parse(r.updatedAt) < CREATE_GRACE_MS;
      // A build that failed never had a container: its record keeps the reason until deleted.
      const failedBuild = r.state === 'failed' && r.buildLogTail !== undefined && !r.containerId;
      if (r.state === 'missing' || failedBuild || (r.state === 'starting' && young && !r.containerId)) {
        out.push(r);
      } else {
        missing.push(r.name);
        changed = true;
        out.push({ ...r, state: 'missing', port: undefined, error: 'its container is gone from the host', updatedAt: iso });
      }
      continue;
    }
    seen.add(o.id);
    const next: InstanceRecord = {
      ...r,
      state: o.state,
      containerId: o.containerId,
      ...(o.port !== undefined ? { port: o.port } : {}),
      error: o.error,
      node: o.node,
      // Tags are labels on the host, which anyone with the engine may edit: the host's win.
      ...(o.tags !== undefined && !sameTags(o.tags, r.tags) ? { tags: { ...o.tags } } : {}),
    };
    if (o.port === undefined) delete next.port;
    if (next.error === undefined) delete next.error;
    if (next.node === undefined) delete next.node;
    noteObservedStop(next, o);
    if (
      next.state !== r.state ||
      next.port !== r.port ||
      next.containerId !== r.containerId ||
      next.error !== r.error ||
      next.node !== r.node ||
      next.stoppedReason !== r.stoppedReason ||
      next.stoppedAt !== r.stoppedAt ||
      next.tags !== r.tags
    ) {
      changed = true;
      out.push({ ...next, updatedAt: iso });
    } else {
      out.push(r);
    }
  }

  for (const o of observed) {
    if (seen.has(o.id) || records.some((r) => r.id === o.id)) continue;
    // Another store's containers are its business: two stores managing one
    // container would delete it from under each other.
    if (o.storeId !== undefined && o.storeId !== storeId) continue;
    if (takenNames.has(o.name) || out.some((r) => r.name === o.name)) continue;
    // Labels are written by anyone with access to the engine: adopt only what our schema accepts.
    if (!InstanceNameSchema.safeParse(o.name).success) continue;
    adopted.push(o.name);
    changed = true;
    const rec: InstanceRecord = {
      id: o.id,
      name: o.name,
      host,
      provider,
      image: o.image,
      state: o.state,
      createdAt: o.createdAt ?? iso,
      cpus: o.cpus ?? DEFAULT_CPUS,
      memoryBytes: o.memoryBytes ?? DEFAULT_MEMORY_BYTES,
      containerId: o.containerId,
      cookieSuffix: o.cookieSuffix ?? 'adopted',
      updatedAt: iso,
    };
    if (o.port !== undefined) rec.port = o.port;
    if (o.error !== undefined) rec.error = o.error;
    if (o.node !== undefined) rec.node = o.node;
    if (o.idleTimeoutSeconds !== undefined && o.idleTimeoutSeconds >= IDLE_TIMEOUT_MIN_SECONDS)
      rec.idleTimeoutSeconds = o.idleTimeoutSeconds;
    noteObservedStop(rec, o);
    if (o.tags !== undefined) rec.tags = { ...o.tags };
    if (o.mounts !== undefined) rec.mounts = [...o.mounts];

    out.push(rec);
  }
  return { records: out, adopted, missing, changed };
}

/**
 * Brings each listed host's records in `file` in line with what it reported,
 * and says whether anything changed. With `dryRun` it only answers that, at
 * the first change, and leaves `file` alone (it may be a shared, frozen
 * read). A name adopted on one host is taken for the hosts after it.
 * Changed hosts' records move to the end, in the order listed.
 */
export function reconcileHosts(
  file: StoreFile,
  listed: readonly { host: HostRecord; observed?: ObservedInstance[] | undefined }[],
  dryRun: boolean,
): boolean {
  const now = new Date();
  // Grouped once, not filtered once per host: a 10-host, 500-instance refresh
  // runs this on every list, and again under the lock when there is news.
  const byHost = groupByHost(file.instances);
  const names = new Set(file.instances.map((i) => i.name));
  const changed: InstanceRecord[][] = [];
  const changedHosts = new Set<string>();
  for (const { host, observed } of listed) {
    const mine = byHost.get(host.name) ?? [];
    const own = new Set(mine.map((i) => i.name));
    const takenElsewhere = { has: (name: string) => names.has(name) && !own.has(name) };
    const res = reconcileHost(host.name, host.provider, mine, observed ?? [], takenElsewhere, now, file.storeId);
    if (!res.changed) continue;
    if (dryRun) return true;
    changed.push(res.records);
    changedHosts.add(host.name);
    for (const r of res.records) names.add(r.name);
  }
  if (changed.length === 0) return false;
  file.instances = [...file.instances.filter((i) => !changedHosts.has(i.host)), ...changed.flat()];
  return true;
}

/**
 * A stop seen in a list: running again clears the reason; a stop keeps the
 * reason known so far (the idle monitor explains an unknown one) and takes
 * the engine's stop time once (a list's "Exited 5 minutes ago" drifts).
 */
function noteObservedStop(next: InstanceRecord, o: ObservedInstance): void {
  if (o.state === 'running' || o.state === 'starting') {
    delete next.stoppedReason;
    delete next.stoppedAt;
  } else if (o.state === 'stopped' && next.stoppedAt === undefined && o.stoppedAt !== undefined) {
    next.stoppedAt = o.stoppedAt;
  }
}

/** Records by host, each host's in their order: one pass, for the rounds and refreshes that handle hundreds. */
export function groupByHost(records: readonly InstanceRecord[]): Map<string, InstanceRecord[]> {
  const byHost = new Map<string, InstanceRecord[]>();
  for (const r of records) {
    const mine = byHost.get(r.host);
    if (mine) mine.push(r);
    else byHost.set(r.host, [r]);
  }
  return byHost;
}

function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => b?.[k] === a[k]);
}
