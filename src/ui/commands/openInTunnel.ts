import * as vscode from 'vscode';
import { toSwarmError } from '../../shared/errors.js';
import type { InstanceView } from '../../core/views.js';
import type { Services } from '../services.js';

export type OpenTarget = 'simpleBrowser' | 'external';

/**
 * Opens an instance through its tunnel (reused when open). The tunnel logs
 * the browser in by itself; the password is still copied, for a browser that
 * lost the tunnel's cookie or a login from elsewhere.
 */
export async function openInTunnel(services: Services, view: InstanceView, where: OpenTarget): Promise<void> {
  const tunnel = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Opening a tunnel to ${view.name}` },
    () => services.tunnels.get(view.name),
  );
  // A URL of its own each time: a reused tunnel's first URL is spent, and this browser may not hold its cookie.
  const url = await tunnel.issueUrl();
  if (where === 'external') {
    await vscode.env.openExternal(vscode.Uri.parse(url, true));
  } else {
    await vscode.commands.executeCommand('simpleBrowser.show', url);
  }
  let password: string;
  try {
    password = await services.swarm.password(view.name);
  } catch (e) {
    // Opening worked; a missing password is worth a word, not an error.
    void vscode.window.showInformationMessage(`Opened ${view.name}. ${toSwarmError(e).oneLine()}`);
    return;
  }
  await vscode.env.clipboard.writeText(password);
  void vscode.window.showInformationMessage(`Opened ${view.name}. Password copied; the tunnel logs you in automatically.`);
}
