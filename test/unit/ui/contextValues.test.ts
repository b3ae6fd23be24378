import assert from 'node:assert/strict';
import type { HostView, InstanceView } from '../../../src/core/views.js';
import { describeHost } from '../../../src/ui/model/describeHost.js';
import { describeInstance } from '../../../src/ui/model/describeInstance.js';
import { ALL_CONTEXT_VALUES, CONTEXT_KEYS } from '../../../src/ui/model/contextValues.js';
import { CLUSTER_NODE_WHEN } from '../../../src/ui/tree/clusterNodeNode.js';
import { HOST_WHEN } from '../../../src/ui/tree/hostNode.js';
import { INSTANCE_WHEN } from '../../../src/ui/tree/instanceNode.js';
import { allWhenClauses, loadPackageJson } from './packageJson.js';

const VIEW = 'view == codeSwarm.instances';
const pkg = loadPackageJson();
const exported = new Set<string>([...Object.values(HOST_WHEN), ...Object.values(INSTANCE_WHEN), ...Object.values(CLUSTER_NODE_WHEN)]);

/** `viewItem == x`, `viewItem =~ /re/` terms of a when clause. */
function viewItemTerms(when: string): { text: string; matches: (v: string) => boolean }[] {
  const terms: { text: string; matches: (v: string) => boolean }[] = [];
  for (const m of when.matchAll(/viewItem\s*==\s*([^\s&|)]+)/g)) {
    const value = m[1]!;
    terms.push({ text: m[0], matches: (v) => v === value });
  }
  for (const m of when.matchAll(/viewItem\s*=~\s*\/((?:\\\/|[^/])+)\/([a-z]*)/g)) {
    const re = new RegExp(m[1]!, m[2]);
    terms.push({ text: m[0], matches: (v) => re.test(v) });
  }
  return terms;
}

const itemMenus = pkg.contributes.menus['view/item/context'] ?? [];

describe('tree context values and package.json when clauses', () => {
  it('every viewItem term matches at least one context value the tree produces', () => {
    for (const { where, when } of allWhenClauses(pkg)) {
      for (const term of viewItemTerms(when)) {
        assert.ok(
          ALL_CONTEXT_VALUES.some(term.matches),
          `${where}: "${term.text}" matches no context value (${ALL_CONTEXT_VALUES.join(', ')})`,
        );
      }
    }
  });

  it('every item menu is scoped to the view and uses one of the exported when constants, verbatim', () => {
    assert.ok(itemMenus.length > 0);
    for (const item of itemMenus) {
      const when = item.when ?? '';
      assert.ok(when.startsWith(`${VIEW} && `), `${item.command}: "${when}" is not scoped to ${VIEW}`);
      const rest = when.slice(`${VIEW} && `.length);
      assert.ok(exported.has(rest), `${item.command}: "${rest}" is not one of HOST_WHEN/INSTANCE_WHEN`);
    }
  });

  it('every exported when constant is used by a menu, and matches something', () => {
    const used = new Set(itemMenus.map((i) => (i.when ?? '').slice(`${VIEW} && `.length)));
    for (const clause of exported) {
      assert.ok(used.has(clause), `"${clause}" is exported but no menu uses it`);
      assert.ok(viewItemTerms(clause).length === 1, `"${clause}" should be one viewItem term`);
    }
  });

  it('every context value the tree produces gets at least one context-menu entry', () => {
    for (const value of ALL_CONTEXT_VALUES) {
      const hits = itemMenus.filter((i) => viewItemTerms(i.when ?? '').some((t) => t.matches(value)));
      assert.ok(hits.length > 0, `nothing in the context menu for ${value}`);
    }
  });

  it('a stopped instance offers Start (and Open, which starts it: docs/IDLE.md) and not Stop; a running one the reverse', () => {
    const commandsFor = (value: string) =>
      new Set(itemMenus.filter((i) => viewItemTerms(i.when ?? '').some((t) => t.matches(value))).map((i) => i.command));
    const stopped = commandsFor('instance:stopped');
    assert.ok(stopped.has('codeSwarm.startInstance'));
    assert.ok(!stopped.has('codeSwarm.stopInstance'));
    assert.ok(stopped.has('codeSwarm.openInstance'), 'Open wakes an instance its idle timeout stopped');
    const running = commandsFor('instance:running');
    assert.ok(running.has('codeSwarm.stopInstance'));
    assert.ok(running.has('codeSwarm.openInstance'));
    assert.ok(!running.has('codeSwarm.startInstance'));
    assert.ok(commandsFor('host:unreachable').has('codeSwarm.testHost'));
    assert.ok(commandsFor('host').has('codeSwarm.createInstance'));
  });

  it('the context values the describe functions return are all listed', () => {
    const base: InstanceView = {
      id: 'i',
      name: 'web',
      host: 'alpha',
      provider: 'docker',
      state: 'running',
      health: 'healthy',
      image: 'img',
      createdAt: '2025-01-01T00:00:00Z',
      cpus: 1,
      memoryBytes: 1 << 30,
      port: 40000,
      startedAt: undefined,
      error: undefined,
      healthLatencyMs: undefined,
    };
    for (const state of ['created', 'starting', 'running', 'stopped', 'failed', 'missing'] as const) {
      for (const hostReachability of ['up', 'down', 'unknown'] as const) {
        const look = describeInstance({ ...base, state }, { now: 0, hostReachability });
        assert.ok(ALL_CONTEXT_VALUES.includes(look.contextValue), look.contextValue);
      }
    }
    const host: HostView = {
      name: 'alpha',
      kind: 'ssh',
      provider: 'docker',
      address: 'u@a:22',
      reachability: 'up',
      engineVersion: undefined,
      latencyMs: undefined,
      error: undefined,
      instanceCount: 0,
    };
    for (const reachability of ['up', 'down', 'unknown'] as const) {
      assert.ok(ALL_CONTEXT_VALUES.includes(describeHost({ ...host, reachability }, 0).contextValue));
    }
  });

  it('other context keys in when clauses are ones the extension sets (or VS Code built-ins)', () => {
    const ours = new Set<string>(Object.values(CONTEXT_KEYS));
    for (const { where, when } of allWhenClauses(pkg)) {
      for (const m of when.matchAll(/codeSwarm\.[A-Za-z.]+/g)) {
        if (m[0] === 'codeSwarm.instances') continue;
        assert.ok(ours.has(m[0]), `${where}: unknown context key ${m[0]}`);
      }
    }
  });
});
