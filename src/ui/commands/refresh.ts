import * as vscode from 'vscode';
import { VIEW_ID } from './commandIds.js';
import type { CommandHandler } from './commandHandler.js';

/** Lists every host and probes health now; progress shows in the view, per-host failures as unreachable rows. */
export const refresh: CommandHandler = async (services) => {
  await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => services.poller.refreshNow());
};
