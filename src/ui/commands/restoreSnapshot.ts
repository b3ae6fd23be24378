import * as vscode from 'vscode';
import { cancelled } from '../cancelled.js';
import { describeRestore } from '../model/describeSnapshot.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';
import { pickSnapshot, SNAPSHOT_STATES } from './pickSnapshots.js';

const RESTORE = 'Restore';

/** Like `code-swarm restore NAME SNAPSHOT`: pick a snapshot, read what is lost in a modal, then wait until it answers again. */
export const restoreSnapshot: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: SNAPSHOT_STATES, verb: 'restore' });
  const snapshot = await pickSnapshot(services, view, 'Restore Snapshot');
  const { message, detail } = describeRestore(view, snapshot);
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, RESTORE);
  if (choice !== RESTORE) throw cancelled();
  const restored = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Restoring ${view.name} to ${snapshot.name}` },
    async (progress) => {
      // A Docker restore replaces the container (new id, new port): the tunnel and a followed log point at the old one.
      services.tunnels.close(view.name);
      services.logStreams.close(view.name);
      const after = await services.swarm.restore(view.name, snapshot.name);
      if (after.state === 'running') {
        progress.report({ message: `waiting for ${view.name} to answer` });
        await services.swarm.waitHealthy(view.name, { timeoutMs: 120_000 });
      }
      return after;
    },
  );
  services.log.info(`Restored ${view.name} to ${snapshot.name}`);
  void vscode.window.showInformationMessage(
    `Restored ${view.name} to ${snapshot.name}${restored.state === 'running' ? '; it is running and healthy' : ''}.`,
  );
};
