import * as vscode from 'vscode';
import type { Swarm } from '../core/swarm.js';
import { VIEW_ID } from './commands/commandIds.js';
import { Dashboard } from './dashboard/dashboardPanel.js';
import { registerCommands } from './commands/registerCommands.js';
import type { ActivationTiming } from './activationTiming.js';
import { HostAlerts } from './hostAlerts.js';
import { Logger } from './logger.js';
import { LogStreams } from './logStreams.js';
import { RELOAD_SETTINGS, SETTINGS_SECTION } from './model/settingsSchema.js';
import { Poller } from './poller.js';
import type { Services } from './services.js';
import { currentSettings, readCurrentSettings } from './workspaceSettings.js';
import { SwarmContextKeys } from './swarmContextKeys.js';
import { SwarmStateCache } from './swarmStateCache.js';
import { SwarmStatusBar } from './swarmStatusBar.js';
import { SwarmTreeProvider } from './tree/swarmTreeProvider.js';
import type { TreeNode } from './tree/treeNode.js';
import { TreeFilter } from './treeFilter.js';
import { TunnelRegistry } from './tunnelRegistry.js';

/**
 * Wires the UI around one Swarm: the swarm state the tree and status bar read, the
 * poller that asks hosts, the commands. Every disposable goes to
 * `context.subscriptions`. Nothing here touches the network: the first host
 * call comes from the poller once the view shows or a health tick finds
 * running instances.
 */
/** What the UI exposes to the extension's API (tests and other extensions). */
export interface UiHandles {
  readonly tree: SwarmTreeProvider;
}

export function registerUi(
  context: vscode.ExtensionContext,
  swarm: Swarm,
  channel: vscode.LogOutputChannel,
  timing?: ActivationTiming,
): UiHandles {
  const log = new Logger(channel);
  for (const problem of readCurrentSettings().problems) log.warn(problem);

  const swarmState = new SwarmStateCache(swarm, log.child('model'));
  const tunnels = new TunnelRegistry(swarm, log.child('tunnel'));
  const logStreams = new LogStreams(swarm);
  const poller = new Poller(swarm, swarmState, currentSettings, log.child('poll'));
  const dashboard = new Dashboard(swarmState, poller, log.child('dashboard'));
  const treeFilter = new TreeFilter();
  const services: Services = { swarm, swarmState, poller, tunnels, logStreams, log, dashboard, settings: currentSettings, treeFilter };

  const tree = new SwarmTreeProvider(swarmState, tunnels, Date.now, timing && ((hosts) => timing.rendered(hosts)), treeFilter, (host) =>
    swarm.clusterNodes(host),
  );
  const treeView = vscode.window.createTreeView<TreeNode>(VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  const statusBar = new SwarmStatusBar(swarmState, currentSettings);
  const contextKeys = new SwarmContextKeys(swarmState);
  const alerts = new HostAlerts(swarmState, treeView, log.child('hosts'), {
    confirm: async (name) => (await swarm.testHost(name)).ok,
    testHost: (name) => vscode.commands.executeCommand('codeSwarm.testHost', name),
  });

  // Local reads only: the store file and whether /var/run/docker.sock exists.
  const firstLoad = contextKeys.checkLocalDocker().then(() => {
    timing?.mark('docker socket checked');
    return swarmState.reload().then(() => timing?.mark('store read'));
  });
  const onVisible = (visible: boolean) => {
    if (visible) timing?.mark('view visible');
    tree.setVisible(visible);
    // The hosts are asked only once the store's own rows are on screen: a view
    // open at start-up shows them first instead of waiting on the handshakes.
    void firstLoad.then(() => poller.setViewVisible(treeView.visible));
  };

  context.subscriptions.push(
    dashboard,
    tunnels,
    logStreams,
    poller,
    alerts,
    contextKeys,
    statusBar,
    treeView,
    tree,
    swarmState,
    ...registerCommands(services),
    treeFilter,
    treeFilter.onDidChange((f) => (treeView.message = f ? `Filtered: ${f.text}` : undefined)),
    treeView.onDidChangeVisibility((e) => onVisible(e.visible)),
    swarmState.onDidChange((s) => tunnels.prune(new Map(s.instances.map((i) => [i.name, { state: i.state, port: i.port }])))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SETTINGS_SECTION)) return;
      for (const problem of readCurrentSettings().problems) log.warn(problem);
      poller.schedule();
      statusBar.update();
      if (RELOAD_SETTINGS.some((k) => e.affectsConfiguration(`${SETTINGS_SECTION}.${k}`))) void offerReload();
    }),
  );

  onVisible(treeView.visible);
  return { tree };
}

async function offerReload(): Promise<void> {
  const choice = await vscode.window.showInformationMessage('Code Swarm uses the new SSH settings after a window reload.', 'Reload Window');
  if (choice === 'Reload Window') await vscode.commands.executeCommand('workbench.action.reloadWindow');
}
