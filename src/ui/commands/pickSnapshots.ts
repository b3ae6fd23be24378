import * as vscode from 'vscode';
import { SwarmError } from '../../shared/errors.js';
import type { InstanceView } from '../../core/views.js';
import type { Snapshot } from '../../providers/provider.js';
import { cancelled } from '../cancelled.js';
import { describeSnapshot } from '../model/describeSnapshot.js';
import type { Services } from '../services.js';

/** States whose instance has a container to snapshot or restore: all but `missing`. */
export const SNAPSHOT_STATES = ['created', 'starting', 'running', 'stopped', 'failed'] as const;

/**
 * Lists an instance's snapshots (under a progress notification: over SSH it
 * may take a moment) and lets the user pick one, or several with `many`,
 * newest first.
 */
export async function pickSnapshots(
  services: Services,
  view: InstanceView,
  options: { title: string; many: boolean },
): Promise<Snapshot[]> {
  const snapshots = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Listing the snapshots of ${view.name}` },
    () => services.swarm.snapshots(view.name),
  );
  if (snapshots.length === 0) {
    throw new SwarmError(`${view.name} has no snapshots`, { code: 'not-found', hint: 'Take one with Code Swarm: Take Snapshot' });
  }
  const items = [...snapshots].reverse().map((s) => ({ ...describeSnapshot(s), snapshot: s }));
  const base = {
    title: `Code Swarm: ${options.title}`,
    placeHolder: `Snapshot of ${view.name}`,
    matchOnDescription: true,
    matchOnDetail: true,
  };
  if (options.many) {
    const picked = await vscode.window.showQuickPick(items, { ...base, canPickMany: true });
    if (!picked || picked.length === 0) throw cancelled();
    return picked.map((p) => p.snapshot);
  }
  const picked = await vscode.window.showQuickPick(items, base);
  if (!picked) throw cancelled();
  return [picked.snapshot];
}

export async function pickSnapshot(services: Services, view: InstanceView, title: string): Promise<Snapshot> {
  const [first] = await pickSnapshots(services, view, { title, many: false });
  return first!;
}
