import type { InstanceRef, ObservedInstance } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord, InstanceRecord, InstanceState, StoppedReason } from '../shared/model.js';
import type { Store } from './store.js';
import { validateHostName } from './validate.js';

/** The host's record, or a `not-found` that names the hosts there are. */
export async function requireHost(store: Store, name: string): Promise<HostRecord> {
  // A name that cannot exist is bad input, said briefly, not a long "unknown".
  validateHostName(name);
  const h = await store.findHost(name);
  if (!h) {
    const known = (await store.hosts()).map((x) => x.name);
    throw new SwarmError(`Unknown host "${name}"`, {
      code: 'not-found',
      hint: known.length ? `Known hosts: ${known.join(', ')}` : 'Add one first: code-swarm hosts add NAME --local (or --ssh USER@HOST)',
    });
  }
  return h;
}

export async function requireInstance(store: Store, name: string): Promise<InstanceRecord> {
  const r = await store.findInstance(name);
  if (!r) throw new SwarmError(`Unknown instance "${name}"`, { code: 'not-found', hint: 'List them with: code-swarm list' });
  return r;
}

/** What a provider needs to find an instance: a renamed one by the name its engine objects carry. */
export function refOf(r: InstanceRecord): InstanceRef {
  return { id: r.id, name: r.engineName ?? r.name, containerId: r.containerId };
}

/** Writes what the host reported about one instance (after an operation on it) into its record. */
export async function applyObservation(store: Store, id: string, o: ObservedInstance, reason?: StoppedReason): Promise<InstanceRecord> {
  return store.update((draft) => {
    const r = draft.instances.find((i) => i.id === id);
    if (!r) throw new SwarmError('The instance was deleted meanwhile', { code: 'not-found' });
    r.state = o.state;
    r.containerId = o.containerId;
    if (o.port !== undefined) r.port = o.port;
    else delete r.port;
    if (o.error !== undefined) r.error = o.error;
    else delete r.error;
    if (o.node !== undefined) r.node = o.node;
    noteStop(r, o.state, reason);
    if (o.tags !== undefined) r.tags = { ...o.tags };
    if (o.mounts !== undefined) r.mounts = [...o.mounts];

    r.updatedAt = new Date().toISOString();
    return { ...r };
  });
}

/**
 * Keeps a record's stop reason in line with its state: a stop we made says
 * why (`reason`), a stop seen from outside keeps what was known (the idle
 * monitor explains it later), and a running instance has none.
 */
export function noteStop(r: InstanceRecord, state: InstanceState, reason: StoppedReason | undefined, at = new Date().toISOString()): void {
  if (state === 'stopped') {
    if (reason !== undefined) {
      r.stoppedReason = reason;
      r.stoppedAt = at;
    }
    return;
  }
  if (state === 'running' || state === 'starting') {
    delete r.stoppedReason;
    delete r.stoppedAt;
  }
}
