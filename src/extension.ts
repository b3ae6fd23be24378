import * as vscode from 'vscode';
import { Store } from './core/store.js';
import { Swarm } from './core/swarm.js';
import { registerUi } from './ui/registerUi.js';
import { currentSettings, hostAccessOptions } from './ui/settings.js';
import { VscodeSecretStore } from './ui/vscodeSecretStore.js';

/**
 * Builds the services once and hands them to ui/. No network here: the store
 * is a local file, and hosts connect when the view or a health tick needs them.
 */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // Created first so a failing activation still leaves its reason in the log.
  const channel = vscode.window.createOutputChannel('Code Swarm', { log: true });
  context.subscriptions.push(channel);
  const settings = currentSettings();
  const store = await Store.open(context.globalStorageUri.fsPath);
  const swarm = new Swarm({
    store,
    secrets: new VscodeSecretStore(context.secrets),
    access: hostAccessOptions(settings),
    defaults: { image: settings.defaultImage, cpus: settings.defaultCpus, memory: settings.defaultMemory },
  });
  context.subscriptions.push({ dispose: () => swarm.dispose() });
  registerUi(context, swarm, channel);
}

export function deactivate(): void {
  // Everything, tunnels included, is disposed through context.subscriptions.
}
