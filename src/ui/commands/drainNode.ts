import * as vscode from 'vscode';
import { SwarmError, toSwarmError } from '../../shared/errors.js';
import { ClusterNodeNode } from '../tree/clusterNodeNode.js';
import type { CommandHandler } from './commandHandler.js';

/**
 * Drains a swarm node for maintenance. Its pinned instances do not move (their
 * workspaces are on it): when the core refuses for that reason, the user sees
 * which instances stop and wait, and may drain anyway.
 */
export const drainNode: CommandHandler = async (services, node) => {
  const target = clusterNodeOf(node, 'Drain Node');
  try {
    await services.swarm.setNodeAvailability(target.host, target.name, 'drain');
  } catch (e) {
    const err = toSwarmError(e);
    if (err.code !== 'conflict') throw err;
    const choice = await vscode.window.showWarningMessage(err.message, { modal: true }, 'Drain Anyway');
    if (choice !== 'Drain Anyway') return;
    await services.swarm.setNodeAvailability(target.host, target.name, 'drain', { force: true });
  }
  void services.poller.refreshNow();
};

/** The clicked node row; these commands exist only in a node row's context menu. */
export function clusterNodeOf(node: unknown, command: string): ClusterNodeNode {
  if (node instanceof ClusterNodeNode) return node;
  throw new SwarmError(`${command} works on a node of a swarm host in the Code Swarm view`, {
    code: 'invalid-input',
    hint: 'Right-click the node below its swarm host',
  });
}
