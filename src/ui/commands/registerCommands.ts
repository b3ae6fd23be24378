import * as vscode from 'vscode';
import { toSwarmError } from '../../shared/errors.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { isTreeNode, type TreeNode } from '../tree/treeNode.js';
import { activateNode } from './activateNode.js';
import { addHost } from './addHost.js';
import { checkHost } from './checkHost.js';
import { clearFilter } from './clearFilter.js';
import type { CommandHandler, NodeArg } from './commandHandler.js';
import type { CommandId } from './commandIds.js';
import { copyPassword } from './copyPassword.js';
import { copyUrl } from './copyUrl.js';
import { createInstance } from './createInstance.js';
import { deleteInstance } from './deleteInstance.js';
import { deleteSnapshot } from './deleteSnapshot.js';
import { openDashboard } from './openDashboard.js';
import { filterInstances } from './filterInstances.js';
import { drainNode } from './drainNode.js';
import { openInstance } from './openInstance.js';
import { openInstanceExternal } from './openInstanceExternal.js';
import { openPort } from './openPort.js';
import { refresh } from './refresh.js';
import { removeHost } from './removeHost.js';
import { renameInstance } from './renameInstance.js';
import { rebuildInstance } from './rebuildInstance.js';
import { restartInstance } from './restartInstance.js';
import { restoreSnapshot } from './restoreSnapshot.js';
import { setIdleTimeout } from './setIdleTimeout.js';
import { showLog } from './showLog.js';
import { showLogs } from './showLogs.js';
import { snapshotInstance } from './snapshotInstance.js';
import { startInstance } from './startInstance.js';
import { stopInstance } from './stopInstance.js';
import { testHost } from './testHost.js';
import { useLocalDocker } from './useLocalDocker.js';

/** Exactly one handler per contributed id: the type makes a missing or extra entry a compile error. */
export const COMMANDS: { readonly [K in CommandId]: CommandHandler } = {
  'codeSwarm.addHost': addHost,
  'codeSwarm.removeHost': removeHost,
  'codeSwarm.testHost': testHost,
  'codeSwarm.checkHost': checkHost,
  'codeSwarm.useLocalDocker': useLocalDocker,
  'codeSwarm.createInstance': createInstance,
  'codeSwarm.startInstance': startInstance,
  'codeSwarm.stopInstance': stopInstance,
  'codeSwarm.restartInstance': restartInstance,
  'codeSwarm.deleteInstance': deleteInstance,
  'codeSwarm.openInstance': openInstance,
  'codeSwarm.openInstanceExternal': openInstanceExternal,
  'codeSwarm.openPort': openPort,
  'codeSwarm.rebuildInstance': rebuildInstance,
  'codeSwarm.copyUrl': copyUrl,
  'codeSwarm.copyPassword': copyPassword,
  'codeSwarm.showLogs': showLogs,
  'codeSwarm.refresh': refresh,
  'codeSwarm.showLog': showLog,
  'codeSwarm.setIdleTimeout': setIdleTimeout,
  'codeSwarm.snapshotInstance': snapshotInstance,
  'codeSwarm.restoreSnapshot': restoreSnapshot,
  'codeSwarm.deleteSnapshot': deleteSnapshot,
  'codeSwarm.openDashboard': openDashboard,
  'codeSwarm.renameInstance': renameInstance,
  'codeSwarm.filterInstances': filterInstances,
  'codeSwarm.clearFilter': clearFilter,
  'codeSwarm.drainNode': drainNode,
  'codeSwarm.activateNode': activateNode,
};

export function registerCommands(services: Services): vscode.Disposable[] {
  return (Object.entries(COMMANDS) as [CommandId, CommandHandler][]).map(([id, handler]) =>
    vscode.commands.registerCommand(id, (node: unknown, nodes: unknown) => guarded(services, id, handler, node, nodes)),
  );
}

/**
 * The one error boundary: the detail goes to the log, the user sees the
 * message and its hint once, and a cancellation is silent. Nothing is
 * rethrown, so VS Code does not show the same error a second time.
 */
async function guarded(services: Services, id: CommandId, handler: CommandHandler, node: unknown, nodes: unknown): Promise<void> {
  try {
    services.log.debug(`${id} started`);
    await handler(services, asNodeArg(node), asNodes(nodes));
  } catch (e) {
    reportError(services.log, id, e);
  }
}

export function reportError(log: Logger, where: string, e: unknown): void {
  const err = toSwarmError(e);
  if (err.code === 'cancelled') {
    log.debug(`${where}: cancelled`);
    return;
  }
  log.error(`${where}: ${err.oneLine()}`, err);
  void vscode.window.showErrorMessage(err.oneLine(), 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show();
  });
}

/** Menus pass tree nodes, scripts may pass a name; anything else (a Uri from another menu) means "ask". */
function asNodeArg(value: unknown): NodeArg {
  if (isTreeNode(value)) return value;
  if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

function asNodes(value: unknown): readonly TreeNode[] | undefined {
  return Array.isArray(value) ? value.filter(isTreeNode) : undefined;
}
