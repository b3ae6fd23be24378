import { z } from 'zod';
import { noSnapshotError } from '../common/providerErrors.js';
import { snapshotBaseName, snapshotNameVariant } from '../common/snapshotNames.js';
import type { InstanceRef, Snapshot } from '../provider.js';
import { LxdApiError, type LxdClient } from './lxdClient.js';
import { isNotFound, type LxdDaemon } from './lxdDaemon.js';
import { LXD_KEY } from './lxdKeys.js';
import { startInstance, stopInstance } from './lxdLifecycle.js';
import { instancePath, lxdNameOf, snapshotPath } from './lxdPaths.js';
import type { PortAllocator } from './lxdPorts.js';
import { LxdInstanceSchema, LxdSnapshotSchema, type LxdSnapshot } from './lxdSchemas.js';
import { lxdTime } from './lxdState.js';

/** dir-backed pools copy the whole root file system: snapshotting and restoring take a while. */
const SLOW_OP_S = 900;
/** Names tried when snapshots of the same second exist already. */
const NAME_ATTEMPTS = 20;

/** LXD's own snapshots of an instance: its root file system, workspace included. */
export class LxdSnapshots {
  constructor(
    private readonly daemon: LxdDaemon,
    private readonly ports: PortAllocator,
  ) {}

  take(ref: InstanceRef, label: string | undefined): Promise<Snapshot> {
    const name = lxdNameOf(ref);
    return this.daemon.call(
      'take a snapshot',
      async (api) => {
        // LXD 5.0 snapshots have no description: the label rides in the config copy the snapshot keeps.
        await api.run('PATCH', instancePath(name), { body: { config: { [LXD_KEY.snapshotLabel]: label ?? '' } } });
        const base = snapshotBaseName(new Date());
        let snap = base;
        for (let i = 2; ; i++) {
          try {
            await api.run('POST', `${instancePath(name)}/snapshots`, { body: { name: snap, stateful: false }, waitS: SLOW_OP_S });
            break;
          } catch (e) {
            if (!(e instanceof LxdApiError) || !/already exists/i.test(e.message) || i > NAME_ATTEMPTS) throw e;
            snap = snapshotNameVariant(base, i);
          }
        }
        if (label !== undefined) {
          await api.run('PATCH', instancePath(name), { body: { config: { [LXD_KEY.snapshotLabel]: '' } } }).catch(() => undefined);
        }
        return toSnapshot(await api.get(snapshotPath(name, snap), LxdSnapshotSchema));
      },
      ref,
    );
  }

  async list(ref: InstanceRef): Promise<Snapshot[]> {
    const name = lxdNameOf(ref);
    const rows = await this.daemon.call(
      'list snapshots',
      (api) => api.get(`${instancePath(name)}/snapshots?recursion=1`, z.array(LxdSnapshotSchema)),
      ref,
    );
    return rows.map(toSnapshot).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async restore(ref: InstanceRef, snapshot: string): Promise<void> {
    const name = lxdNameOf(ref);
    await this.daemon.call(
      'restore a snapshot',
      async (api) => {
        await this.require(api, ref, snapshot);
        const inst = await api.get(instancePath(name), LxdInstanceSchema);
        const wasRunning = inst.status === 'Running';
        // Our own graceful stop and start: LXD's restore kills a running instance,
        // and the start may have to move a port someone took since.
        if (wasRunning) await stopInstance(api, name);
        await api.run('PUT', instancePath(name), { body: { restore: snapshot }, waitS: SLOW_OP_S });
        if (wasRunning) await startInstance(api, name, this.ports);
      },
      ref,
    );
  }

  async delete(ref: InstanceRef, snapshot: string): Promise<void> {
    const name = lxdNameOf(ref);
    await this.daemon.call(
      'delete a snapshot',
      async (api) => {
        await this.require(api, ref, snapshot);
        await api.run('DELETE', snapshotPath(name, snapshot), { waitS: SLOW_OP_S });
      },
      ref,
    );
  }

  /** Tells a missing snapshot from a missing instance. */
  private async require(api: LxdClient, ref: InstanceRef, snapshot: string): Promise<void> {
    try {
      await api.get(snapshotPath(lxdNameOf(ref), snapshot), LxdSnapshotSchema);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await api.get(instancePath(lxdNameOf(ref)), LxdInstanceSchema);
      throw noSnapshotError(ref, this.daemon.link.label, snapshot, e);
    }
  }
}

function toSnapshot(s: LxdSnapshot): Snapshot {
  const label = s.config?.[LXD_KEY.snapshotLabel];
  return { name: s.name.split('/').pop() ?? s.name, createdAt: lxdTime(s.created_at) ?? s.created_at, label: label ? label : undefined };
}
