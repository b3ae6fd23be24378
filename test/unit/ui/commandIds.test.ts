import assert from 'node:assert/strict';
import { COMMAND_IDS } from '../../../src/ui/commands/commandIds.js';
import { loadPackageJson } from './packageJson.js';

const pkg = loadPackageJson();
const contributed = pkg.contributes.commands;

/** The ids other projects build on (ARCHITECTURE.md, "Contracts"). */
const CONTRACT = [
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

describe('command table and package.json', () => {
  it('registers exactly the commands package.json contributes', () => {
    assert.deepEqual([...COMMAND_IDS].sort(), contributed.map((c) => c.command).sort());
  });

  it('has no duplicate ids', () => {
    assert.equal(new Set(COMMAND_IDS).size, COMMAND_IDS.length);
    assert.equal(new Set(contributed.map((c) => c.command)).size, contributed.length);
  });

  it('keeps every contract id from ARCHITECTURE.md', () => {
    for (const id of CONTRACT) assert.ok((COMMAND_IDS as readonly string[]).includes(id), id);
  });

  it('gives every command a title, the Code Swarm category and a codicon', () => {
    for (const c of contributed) {
      assert.ok(c.title.length > 0, c.command);
      assert.equal(c.category, 'Code Swarm', c.command);
      assert.match(c.icon ?? '', /^\$\([a-z0-9-]+\)$/, c.command);
    }
  });

  it('menus and welcome links name only contributed commands', () => {
    const ids = new Set<string>(COMMAND_IDS);
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const i of items) assert.ok(ids.has(i.command), `${menu}: ${i.command}`);
    }
    for (const w of pkg.contributes.viewsWelcome) {
      for (const m of w.contents.matchAll(/\(command:([^)?]+)/g)) assert.ok(ids.has(m[1]!), `viewsWelcome: ${m[1]}`);
    }
  });

  it('keeps the view container, view and extension ids', () => {
    assert.equal(`${pkg.publisher}.${pkg.name}`, 'codeswarm.code-swarm');
    assert.ok(pkg.contributes.viewsContainers.activitybar.some((c) => c.id === 'codeSwarm'));
    assert.ok(pkg.contributes.views['codeSwarm']?.some((v) => v.id === 'codeSwarm.instances'));
  });

  it('offers Add SSH Host and Use Local Docker in the "no host yet" welcome, and Test Host when one is unreachable', () => {
    const noHost = pkg.contributes.viewsWelcome.filter((w) => (w.when ?? '').includes('!codeSwarm.hasHosts'));
    assert.ok(noHost.length > 0);
    for (const w of noHost) {
      assert.ok(w.contents.includes('command:codeSwarm.addHost'));
      assert.ok(w.contents.includes('command:codeSwarm.useLocalDocker'));
    }
    assert.ok(
      pkg.contributes.viewsWelcome.some(
        (w) => w.when === 'codeSwarm.anyHostUnreachable' && w.contents.includes('command:codeSwarm.testHost'),
      ),
    );
  });
});
