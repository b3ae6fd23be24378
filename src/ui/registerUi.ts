import * as vscode from 'vscode';
import { SwarmTreeProvider } from './swarmTreeProvider.js';

export function registerUi(context: vscode.ExtensionContext): void {
  const tree = new SwarmTreeProvider();
  const view = vscode.window.createTreeView('codeSwarm.instances', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    tree,
    view,
    vscode.commands.registerCommand('codeSwarm.refresh', () => tree.refresh()),
  );
}
