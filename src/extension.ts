import * as vscode from 'vscode';
import { FileSecretStore } from './core/fileSecretStore.js';
import { LayeredSecretStore } from './core/layeredSecretStore.js';
import type { SecretStore } from './core/secretStore.js';
import { Store } from './core/store.js';
import { Swarm } from './core/swarm.js';
import { ActivationTiming, type ActivationTimes } from './ui/activationTiming.js';
import { registerUi } from './ui/registerUi.js';
import type { SwarmTreeProvider } from './ui/tree/swarmTreeProvider.js';
import { currentSettings, hostAccessOptions } from './ui/workspaceSettings.js';
import { VscodeSecretStore } from './ui/vscodeSecretStore.js';

/**
 * Builds the services once and hands them to ui/. No network here: the store
 * is a local file, and hosts connect when the view or a health tick needs them.
 */
/** The extension's exports: the same services the UI drives (used by tests and other extensions). */
export interface CodeSwarmApi {
  readonly swarm: Swarm;
  readonly secrets: SecretStore;
  readonly tree: SwarmTreeProvider;
  /**
   * Settles when the tree first shows the store's hosts, with the times since
   * activate() entry (bench/activation.ts reads it; also in the log).
   */
  readonly activation: Promise<ActivationTimes>;
}

export async function activate(context: vscode.ExtensionContext): Promise<CodeSwarmApi> {
  // The clock starts before anything of ours runs (module loading is VS Code's share).
  const started = performance.now();
  // Created first so a failing activation still leaves its reason in the log.
  const channel = vscode.window.createOutputChannel('Code Swarm', { log: true });
  context.subscriptions.push(channel);
  const timing = new ActivationTiming((line) => channel.info(line), started);
  const settings = currentSettings();
  const store = await Store.open(context.globalStorageUri.fsPath);
  timing.mark('store opened');
  // SecretStorage first; instances the CLI created in this same state
  // directory keep their passwords in its 0600 file, read as a fallback.
  const secrets = new LayeredSecretStore(
    new VscodeSecretStore(context.secrets),
    await FileSecretStore.open(context.globalStorageUri.fsPath),
  );
  timing.mark('secrets opened');
  const swarm = new Swarm({
    store,
    secrets,
    access: hostAccessOptions(settings),
    defaults: {
      image: settings.defaultImage,
      cpus: settings.defaultCpus,
      memory: settings.defaultMemory,
      disk: settings.defaultDisk,
      idleTimeout: settings.defaultIdleTimeout,
      codeServerImage: settings.codeServerImage,
    },
  });
  context.subscriptions.push({ dispose: () => void swarm.dispose() });
  opened = swarm;
  const { tree } = registerUi(context, swarm, channel, timing);
  timing.activated();
  return { swarm, secrets, tree, activation: timing.firstRender };
}

/** The Swarm of this activation, for deactivate. */
let opened: Swarm | undefined;

export function deactivate(): Promise<void> | undefined {
  // Everything, tunnels included, is disposed through context.subscriptions;
  // VS Code waits for this promise, so a swarm host's refill under way ends before the host process does.
  return opened?.dispose();
}
