import * as vscode from 'vscode';
import { SwarmError, toSwarmError } from '../../shared/errors.js';
import { cancelled } from '../cancelled.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';
import { pickSnapshots, SNAPSHOT_STATES } from './pickSnapshots.js';

const DELETE = 'Delete';

/** Like `code-swarm snapshot-delete NAME SNAPSHOT`, for one or several snapshots of one instance. */
export const deleteSnapshot: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: SNAPSHOT_STATES, verb: 'delete a snapshot of' });
  const snapshots = await pickSnapshots(services, view, { title: 'Delete Snapshot', many: true });
  const names = snapshots.map((s) => s.name);
  const one = names.length === 1;
  const choice = await vscode.window.showWarningMessage(
    one ? `Delete the snapshot ${names[0]} of ${view.name}?` : `Delete ${names.length} snapshots of ${view.name} (${names.join(', ')})?`,
    { modal: true, detail: `${one ? 'It' : 'They'} cannot be restored afterwards. The instance itself is not changed.` },
    DELETE,
  );
  if (choice !== DELETE) throw cancelled();
  const results = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Deleting ${one ? 'a snapshot' : `${names.length} snapshots`} of ${view.name}`,
    },
    // One after the other: they belong to one instance on one engine.
    async (progress) => {
      const out: { name: string; error?: SwarmError }[] = [];
      for (const name of names) {
        progress.report({ message: name });
        try {
          await services.swarm.deleteSnapshot(view.name, name);
          out.push({ name });
        } catch (e) {
          out.push({ name, error: toSwarmError(e) });
        }
      }
      return out;
    },
  );
  const failed = results.filter((r) => r.error !== undefined);
  const deleted = results.filter((r) => r.error === undefined).map((r) => r.name);
  if (deleted.length > 0) void vscode.window.showInformationMessage(`Deleted ${deleted.join(', ')} of ${view.name}.`);
  if (failed.length === 1 && one) throw failed[0]!.error;
  if (failed.length > 0) {
    throw new SwarmError(
      `${failed.length} of ${names.length} snapshots were not deleted: ${failed.map((f) => `${f.name}: ${f.error!.oneLine()}`).join('; ')}`,
      {
        code: failed[0]!.error!.code,
        cause: failed[0]!.error,
      },
    );
  }
};
