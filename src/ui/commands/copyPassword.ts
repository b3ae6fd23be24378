import * as vscode from 'vscode';
import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';

export const copyPassword: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { verb: 'copy the password of' });
  // Straight from SecretStorage to the clipboard: never logged, never shown.
  await vscode.env.clipboard.writeText(await services.swarm.password(view.name));
  void vscode.window.showInformationMessage(`Password of ${view.name} copied.`);
};
