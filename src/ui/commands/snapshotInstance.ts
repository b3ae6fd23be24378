import * as vscode from 'vscode';
import type { Snapshot } from '../../providers/provider.js';
import { cancelled } from '../cancelled.js';
import { snapshotTakenMessage } from '../model/describeSnapshot.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';
import { SNAPSHOT_STATES } from './pickSnapshots.js';
import { runOnInstances } from './runOnInstances.js';

/** Like `code-swarm snapshot NAME [--label L]`, for one instance or a selection; the label is optional. */
export const snapshotInstance: CommandHandler = async (services, node, nodes) => {
  const targets = await pickInstances(services, node, nodes, { states: SNAPSHOT_STATES, verb: 'snapshot' });
  const names = targets.map((v) => v.name).join(', ');
  const label = await vscode.window.showInputBox({
    title: 'Code Swarm: Take Snapshot',
    prompt: `Label for the snapshot of ${names} (optional; Enter for none)`,
    placeHolder: 'e.g. before the upgrade',
  });
  if (label === undefined) throw cancelled();
  const taken = new Map<string, Snapshot>();
  try {
    await runOnInstances('Taking a snapshot of', targets, async (v) => {
      taken.set(v.name, await services.swarm.snapshot(v.name, label.trim() === '' ? undefined : label.trim()));
    });
  } finally {
    // Whatever else failed, the snapshots that were taken are reported.
    for (const [name, s] of taken) {
      const { text, warning } = snapshotTakenMessage(name, s);
      services.log.info(text);
      void (warning ? vscode.window.showWarningMessage(text) : vscode.window.showInformationMessage(text));
    }
  }
};
