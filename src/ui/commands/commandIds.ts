/**
 * Every command the extension contributes. Free of `vscode` so a plain-Node
 * test can compare it with package.json; registerCommands.ts is typed to have
 * exactly one handler per id.
 */
export const COMMAND_IDS = [
  'codeSwarm.addHost',
  'codeSwarm.removeHost',
  'codeSwarm.testHost',
  'codeSwarm.checkHost',
  'codeSwarm.useLocalDocker',
  'codeSwarm.createInstance',
  'codeSwarm.startInstance',
  'codeSwarm.stopInstance',
  'codeSwarm.restartInstance',
  'codeSwarm.deleteInstance',
  'codeSwarm.openInstance',
  'codeSwarm.openInstanceExternal',
  'codeSwarm.openPort',
  'codeSwarm.rebuildInstance',
  'codeSwarm.copyUrl',
  'codeSwarm.copyPassword',
  'codeSwarm.showLogs',
  'codeSwarm.refresh',
  'codeSwarm.showLog',
  'codeSwarm.setIdleTimeout',
  'codeSwarm.snapshotInstance',
  'codeSwarm.restoreSnapshot',
  'codeSwarm.deleteSnapshot',
  'codeSwarm.openDashboard',
  'codeSwarm.renameInstance',
  'codeSwarm.filterInstances',
  'codeSwarm.clearFilter',
  'codeSwarm.drainNode',
  'codeSwarm.activateNode',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** The view's id and the command VS Code generates to focus it (status bar click). */
export const VIEW_ID = 'codeSwarm.instances';
export const FOCUS_VIEW_COMMAND = `${VIEW_ID}.focus`;
