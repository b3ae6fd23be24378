import * as vscode from 'vscode';
import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';

/** The URL is the tunnel's (opened if needed): the instance itself listens on its host's loopback only. */
export const copyUrl: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: ['running'], verb: 'copy the URL of' });
  const tunnel = await services.tunnels.get(view.name);
  await vscode.env.clipboard.writeText(await tunnel.issueUrl());
  void vscode.window.showInformationMessage(
    `URL of ${view.name} copied. Its token lets one browser in, on this machine, while VS Code keeps the tunnel open.`,
  );
};
