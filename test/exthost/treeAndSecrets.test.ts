import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CodeSwarmApi } from '../../src/extension.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { lab, labDocker, uniqueName } from '../lab/lab.js';
import { recordPassword } from '../support/suiteArtifacts.js';

async function api(): Promise<CodeSwarmApi> {
  const ext = vscode.extensions.getExtension<CodeSwarmApi>('codeswarm.code-swarm');
  assert.ok(ext);
  return ext.activate();
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('extension host: the tree against the lab, and secret storage', function () {
  this.timeout(180_000);
  const name = uniqueName('xh');

  after(async () => {
    const { swarm } = await api();
    await swarm.delete(name, { purge: true }).catch(() => undefined);
    await swarm.removeHost('alpha', { force: true }).catch(() => undefined);
  });

  it('shows a lab host and its healthy instance in the tree, follows a stop made on the engine, and keeps the password in SecretStorage', async () => {
    const { swarm, secrets, tree } = await api();
    const h = lab().hosts.alpha;
    await swarm.addHost({ name: 'alpha', ssh: `${h.user}@${h.address}`, identityFile: lab().clientKey });
    const made = await swarm.create({ name, host: 'alpha', image: lab().dockerImage, cpus: 1, memory: '1g' });
    await swarm.waitHealthy(name, { timeoutMs: 90_000 });
    await vscode.commands.executeCommand('codeSwarm.refresh');

    const hostNode = await until('alpha in the tree', () => tree.getChildren().find((n) => tree.getTreeItem(n).label === 'alpha'));
    const hostItem = tree.getTreeItem(hostNode);
    assert.match(String(hostItem.contextValue), /^host/);
    assert.equal(hostItem.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);

    const row = await until('a healthy instance row', () => {
      const node = tree.getChildren(hostNode).find((n) => tree.getTreeItem(n).label === name);
      if (!node) return undefined;
      const item = tree.getTreeItem(node);
      return /healthy/.test(String(item.description)) ? item : undefined;
    });
    assert.equal(row.contextValue, 'instance:running');
    assert.ok(row.iconPath instanceof vscode.ThemeIcon);
    assert.ok(row.tooltip instanceof vscode.MarkdownString);

    const password = await secrets.get(`instance/${made.id}/password`);
    assert.ok(password && password.length >= 24, 'the password is in SecretStorage');
    // For the secret audit: it must not show up in the workbench's logs or profile.
    recordPassword(`extension host: ${name}`, password);
    assert.equal(await swarm.password(name), password);
    const storeDir = (swarm.store as { dir: string }).dir;
    assert.ok(!readFileSync(join(storeDir, 'swarm.json'), 'utf8').includes(password), 'and never in the metadata file');

    // Stopped on the engine by hand: the row follows the engine's events
    // (the refresh above opened the stream), with no refresh asked for.
    await labDocker('alpha').getContainer(containerName(name)).stop({ t: 0 });
    const stopped = await until(
      'the row showing the stop made outside Code Swarm',
      () => {
        const node = tree.getChildren(hostNode).find((n) => tree.getTreeItem(n).label === name);
        const item = node && tree.getTreeItem(node);
        return item?.contextValue === 'instance:stopped' ? item : undefined;
      },
      10_000,
    );
    assert.ok(stopped);

    await swarm.delete(name, { purge: true });
    assert.equal(await secrets.get(`instance/${made.id}/password`), undefined, 'deleting forgets the password');
    await until('the row is gone', () => (tree.getChildren(hostNode).some((n) => tree.getTreeItem(n).label === name) ? undefined : true));
  });
});
