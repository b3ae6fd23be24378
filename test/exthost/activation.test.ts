import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const COMMANDS = [
  'codeSwarm.addHost',
  'codeSwarm.removeHost',
  'codeSwarm.testHost',
  'codeSwarm.createInstance',
  'codeSwarm.startInstance',
  'codeSwarm.stopInstance',
  'codeSwarm.restartInstance',
  'codeSwarm.deleteInstance',
  'codeSwarm.openInstance',
  'codeSwarm.openInstanceExternal',
  'codeSwarm.copyUrl',
  'codeSwarm.copyPassword',
  'codeSwarm.showLogs',
  'codeSwarm.refresh',
  'codeSwarm.checkHost',
];

describe('extension host: activation', () => {
  it('activates and registers every command of the contract', async () => {
    const ext = vscode.extensions.getExtension('codeswarm.code-swarm');
    assert.ok(ext, 'the extension is loaded');
    await ext.activate();
    assert.equal(ext.isActive, true);
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = COMMANDS.filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });
});
