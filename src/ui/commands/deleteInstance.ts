import * as vscode from 'vscode';
import { cancelled } from '../cancelled.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';
import { runOnInstances } from './runOnInstances.js';

const DELETE = 'Delete';
const PURGE = 'Delete and Remove Volume';

/** Asks in a modal, saying plainly that the workspace volume is kept unless the user says otherwise. */
export const deleteInstance: CommandHandler = async (services, node, nodes) => {
  const targets = await pickInstances(services, node, nodes, { verb: 'delete' });
  const names = targets.map((v) => v.name);
  const one = targets.length === 1;
  const choice = await vscode.window.showWarningMessage(
    one ? `Delete the instance ${names[0]}?` : `Delete ${targets.length} instances (${names.join(', ')})?`,
    {
      modal: true,
      detail: `${one ? 'Its container is' : 'Their containers are'} removed. "${DELETE}" keeps the workspace volume, so a new instance with the same name finds the files again; "${PURGE}" erases the files too.`,
    },
    DELETE,
    PURGE,
  );
  if (choice === undefined) throw cancelled();
  const purge = choice === PURGE;
  await runOnInstances('Deleting', targets, async (v) => {
    services.tunnels.close(v.name);
    services.logStreams.close(v.name);
    await services.swarm.delete(v.name, { purge });
  });
  const volumes = one ? 'its workspace volume' : 'their workspace volumes';
  void vscode.window.showInformationMessage(
    `Deleted ${names.join(', ')}${purge ? ` and ${volumes}` : ` (${volumes} ${one ? 'is' : 'are'} kept)`}.`,
  );
};
