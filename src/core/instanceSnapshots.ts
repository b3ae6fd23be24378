import type { ObservedInstance, Provider, Snapshot } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord, InstanceRecord } from '../shared/model.js';
import type { BusyMarks } from './busyMarks.js';
import type { HealthMonitor } from './healthMonitor.js';
import { applyObservation, refOf, requireHost, requireInstance } from './records.js';
import type { Store } from './store.js';
import type { InstanceView } from './views.js';

export interface InstanceSnapshotsOptions {
  readonly store: Store;
  readonly health: HealthMonitor;
  readonly busy: BusyMarks;
  readonly providerOf: (host: HostRecord) => Provider;
  /** Something about this host's instances changed. */
  readonly changed: (host: string) => void;
}

/** A provider that can snapshot, with the methods that makes it so. */
type SnapshottingProvider = Provider & Required<Pick<Provider, 'snapshot' | 'snapshots' | 'restore' | 'deleteSnapshot'>>;

function canSnapshot(p: Provider): p is SnapshottingProvider {
  return p.snapshot !== undefined && p.snapshots !== undefined && p.restore !== undefined && p.deleteSnapshot !== undefined;
}

/** Snapshots of instances, on the providers that can take them (LXD). */
export class InstanceSnapshots {
  constructor(private readonly opts: InstanceSnapshotsOptions) {}

  async take(name: string, label?: string): Promise<Snapshot> {
    const { rec, provider } = await this.withSnapshots(name);
    return provider.snapshot(refOf(rec), label);
  }

  async list(name: string): Promise<Snapshot[]> {
    const { rec, provider } = await this.withSnapshots(name);
    return provider.snapshots(refOf(rec));
  }

  async restore(name: string, snapshot: string): Promise<InstanceView> {
    const { rec, provider } = await this.withSnapshots(name);
    const done = this.opts.busy.mark(rec.id, rec.name);
    let observed: ObservedInstance;
    try {
      observed = await provider.restore(refOf(rec), snapshot);
    } finally {
      done();
    }
    this.opts.health.noteRestored(rec.id, observed.state === 'running');
    const record = await applyObservation(this.opts.store, rec.id, observed);
    this.opts.changed(rec.host);
    return this.opts.health.viewOf(record);
  }

  async delete(name: string, snapshot: string): Promise<void> {
    const { rec, provider } = await this.withSnapshots(name);
    await provider.deleteSnapshot(refOf(rec), snapshot);
  }

  private async withSnapshots(name: string): Promise<{ rec: InstanceRecord; provider: SnapshottingProvider }> {
    const rec = await requireInstance(this.opts.store, name);
    const provider = this.opts.providerOf(await requireHost(this.opts.store, rec.host));
    if (!canSnapshot(provider)) {
      throw new SwarmError(`The ${provider.kind} provider does not support snapshots`, { code: 'invalid-input' });
    }
    return { rec, provider };
  }
}
