import { SwarmError } from '../shared/errors.js';
import type { InstanceRecord } from '../shared/model.js';
import type { BusyMarks } from './busyMarks.js';
import type { Store } from './store.js';
import { validateInstanceName } from './validate.js';

/**
 * Renames an instance in the store only; its container, LXD instance or
 * Swarm service, its workspace volume and its snapshots keep the names they
 * were made with, and the record maps to them (`engineName`, used by refOf).
 * Why not rename them: Docker cannot rename a volume (the workspace would
 * have to be copied), Swarm cannot rename a service, and LXD renames only a
 * stopped instance. One store write under its lock is all a rename is, so
 * it either happens whole or not at all, while the instance runs; its id,
 * password (kept by id) and workspace stay. The one cost: the old name stays
 * taken while the instance lives, since its engine objects carry it.
 */
export async function renameInstance(store: Store, busy: BusyMarks, oldName: string, newName: string): Promise<InstanceRecord> {
  validateInstanceName(newName);
  return store.update((draft) => {
    const rec = draft.instances.find((i) => i.name === oldName);
    if (!rec) throw new SwarmError(`Unknown instance "${oldName}"`, { code: 'not-found', hint: 'List them with: code-swarm list' });
    if (oldName === newName) return { ...rec };
    if (busy.covers({ id: rec.id, name: undefined })) {
      throw new SwarmError(`${oldName} is busy with another operation`, { code: 'conflict', hint: 'Rename it once that is done' });
    }
    const clash = draft.instances.find((i) => i !== rec && (i.name === newName || engineNameOf(i) === newName));
    if (clash) {
      const why =
        clash.name === newName
          ? `an instance named ${newName} exists on ${clash.host}`
          : `${clash.name}'s container still carries that name`;
      throw new SwarmError(`Cannot rename ${oldName} to ${newName}: ${why}`, { code: 'conflict', hint: 'Pick another name' });
    }
    const engineName = engineNameOf(rec);
    rec.name = newName;
    // Renamed back to the name its engine objects carry: nothing to map any more.
    if (engineName === newName) delete rec.engineName;
    else rec.engineName = engineName;
    rec.updatedAt = new Date().toISOString();
    return { ...rec };
  });
}

/** The name an instance's engine objects were made with. */
export function engineNameOf(r: Pick<InstanceRecord, 'name' | 'engineName'>): string {
  return r.engineName ?? r.name;
}
