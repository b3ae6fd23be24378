import * as vscode from 'vscode';
import { portUrl } from '../../core/portUrl.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';
import { pickPort } from './pickPort.js';

/**
 * Opens a port of an instance (a dev server, a preview) through the same
 * tunnel as Open and code-server's own port proxy: the URL's one-time token
 * buys the browser the tunnel's cookie, and the tunnel logs it in to
 * code-server, which then proxies to the port on the instance's loopback.
 */
export const openPort: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: ['running', 'stopped'], verb: 'open a port of' });
  const port = await pickPort(view);
  const tunnel = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Opening a tunnel to ${view.name}` },
    () => services.tunnels.get(view.name),
  );
  const url = portUrl(await tunnel.issueUrl(), port);
  if (services.settings().openIn === 'external') await vscode.env.openExternal(vscode.Uri.parse(url, true));
  else await vscode.commands.executeCommand('simpleBrowser.show', url);
  services.log.info(`Opened port ${port} of ${view.name} through its tunnel`);
};
