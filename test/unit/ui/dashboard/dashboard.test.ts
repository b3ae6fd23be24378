import assert from 'node:assert/strict';
import type { HostResources, InstanceUsage } from '../../../../src/core/swarm.js';
import { dashboardHtml } from '../../../../src/ui/dashboard/dashboardHtml.js';
import { dashboardModel } from '../../../../src/ui/dashboard/dashboardModel.js';
import { UsageHistory } from '../../../../src/ui/dashboard/usageHistory.js';
import type { SwarmState } from '../../../../src/ui/swarmStateCache.js';
import { hostView, instanceView, NOW } from '../fixtures.js';

const GIB = 1024 ** 3;

function usage(name: string, at: number, cpuPercent: number, memoryBytes: number): InstanceUsage {
  return { name, host: 'alpha', sampledAt: at, cpuPercent, memoryBytes, memoryLimitBytes: 2 * GIB };
}

const RESOURCES: HostResources = {
  name: 'alpha',
  capacity: {
    cpus: 4,
    memoryBytes: 8 * GIB,
    memoryAvailableBytes: 6 * GIB,
    diskFreeBytes: 50 * GIB,
    diskTotalBytes: 60 * GIB,
    diskLocation: '/var/lib/docker',
  },
  instances: 1,
  cpuPercent: 12,
  memoryBytes: GIB,
  memoryLimitBytes: 2 * GIB,
};

function state(over: Partial<SwarmState> = {}): SwarmState {
  return {
    hosts: [hostView(), hostView({ name: 'beta', reachability: 'down', instanceCount: 1 })],
    instances: [
      instanceView(),
      instanceView({ id: 'id-api', name: 'api', state: 'stopped', health: 'unknown' }),
      instanceView({ id: 'id-b', name: 'b1', host: 'beta' }),
    ],
    loaded: true,
    usage: new Map([['web', usage('web', NOW, 12, GIB)]]),
    resources: new Map([['alpha', RESOURCES]]),
    ...over,
  };
}

describe('dashboard: usage history', () => {
  it('keeps each new reading once, at most the limit, and forgets instances that are gone', () => {
    const h = new UsageHistory(3);
    const names = new Set(['web']);
    for (let i = 0; i < 5; i++) h.record(new Map([['web', usage('web', NOW + i * 1000, i, i * GIB)]]), names);
    h.record(new Map([['web', usage('web', NOW + 4000, 99, 0)]]), names);
    assert.deepEqual(
      h.series('web').map((p) => p.cpuPercent),
      [2, 3, 4],
      'the last three readings; the same reading twice counts once',
    );
    h.record(new Map([['web', usage('web', NOW + 9000, 1, 0)]]), new Set());
    assert.deepEqual(h.series('web'), [], 'a deleted instance is forgotten, and a reading for it is not kept');
  });
});

describe('dashboard: model', () => {
  it('shows every host with its room and every instance with its figures, charts and actions', () => {
    const h = new UsageHistory();
    const s = state();
    h.record(s.usage, new Set(s.instances.map((i) => i.name)));
    h.record(new Map([['web', usage('web', NOW + 1000, 50, GIB / 2)]]), new Set(['web', 'api', 'b1']));
    const d = dashboardModel(s, h, NOW);
    assert.equal(d.summary, '2 hosts · 3 instances, 2 running');
    assert.deepEqual(
      d.hosts.map((x) => [x.name, x.reachability, x.capacity, x.use, x.instances]),
      [
        ['alpha', 'up', '4 CPUs · 6 GiB of 8 GiB memory free · 50 GiB disk free', '1 running instance: CPU 12% · 1 GiB', 2],
        ['beta', 'down', '', '', 1],
      ],
    );
    const web = d.instances.find((i) => i.name === 'web')!;
    assert.deepEqual(web.cpu, [12, 50]);
    assert.deepEqual(web.memory, [0.5, 0.25], 'memory as a share of the 2 GiB limit');
    assert.equal(web.cpuMax, 200, 'two CPUs: the chart tops at 200 %');
    assert.equal(web.use, '12% · 1 GiB/2 GiB');
    assert.deepEqual(web.actions, ['open', 'stop', 'restart', 'delete']);
    const api = d.instances.find((i) => i.name === 'api')!;
    assert.deepEqual(api.actions, ['open', 'start', 'delete'], 'Open wakes a stopped instance, as in the tree');
    assert.equal(web.idle, 'off');
    assert.equal(api.use, '', 'a stopped instance shows no figures');
    const b1 = d.instances.find((i) => i.name === 'b1')!;
    assert.equal(b1.health, 'unreachable', 'an instance on a down host is unreachable, whatever its last health');
    assert.match(b1.status, /unreachable/);
  });

  it('shows the idle timeout and its countdown', () => {
    const idle = instanceView({
      idleTimeoutSeconds: 1800,
      idle: {
        active: false,
        lastActivityAt: undefined,
        stopsAt: new Date(NOW + 12 * 60_000).toISOString(),
        keptAliveBy: undefined,
        readAt: new Date(NOW).toISOString(),
      },
    });
    const d = dashboardModel(state({ instances: [idle] }), new UsageHistory(), NOW);
    assert.equal(d.instances[0]!.idle, '30 min · idle, stops in 12m');
  });

  it('says it is still reading before the store was read', () => {
    const d = dashboardModel(state({ loaded: false, hosts: [], instances: [] }), new UsageHistory(), NOW);
    assert.equal(d.loaded, false);
    assert.equal(d.summary, '0 hosts · 0 instances, 0 running');
  });
});

describe('dashboard: page', () => {
  it('allows only its own nonce, and draws data with textContent, never as markup', () => {
    const html = dashboardHtml('N0nce');
    assert.match(html, /content="default-src 'none'; style-src 'nonce-N0nce'; script-src 'nonce-N0nce';"/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="N0nce">/);
    assert.ok(
      !/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/.test(html),
      'no way to turn text into markup or code',
    );
    assert.ok(!/ on[a-z]+=/.test(html), 'no inline event handlers');
  });
});
