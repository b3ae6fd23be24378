import assert from 'node:assert/strict';
import type { HostResources, InstanceUsage } from '../../../src/core/swarm.js';
import { describeHost } from '../../../src/ui/model/describeHost.js';
import { describeInstance } from '../../../src/ui/model/describeInstance.js';
import { capacityText, diskUseText, formatPercent, hostResourceLines, usageShort } from '../../../src/ui/model/describeUsage.js';
import { hostChoices } from '../../../src/ui/model/hostChoices.js';
import { hostView, instanceView, NOW } from './fixtures.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

const USAGE: InstanceUsage = {
  name: 'web',
  host: 'alpha',
  sampledAt: Date.parse('2025-06-01T11:59:58Z'),
  cpuPercent: 3.24,
  memoryBytes: 210 * MIB,
  memoryLimitBytes: GIB,
  pids: 23,
  netRxBytes: MIB,
  netTxBytes: 2 * MIB,
  blockReadBytes: 0,
  blockWriteBytes: 5 * MIB,
};

function resources(
  name: string,
  over: Partial<HostResources> = {},
  cap: Partial<NonNullable<HostResources['capacity']>> = {},
): HostResources {
  return {
    name,
    capacity: {
      cpus: 2,
      memoryBytes: 24 * GIB,
      memoryAvailableBytes: 20 * GIB,
      diskFreeBytes: 65 * GIB,
      diskTotalBytes: 250 * GIB,
      diskLocation: '/var/lib/docker',
      ...cap,
    },
    instances: 2,
    cpuPercent: 12.5,
    memoryBytes: 400 * MIB,
    memoryLimitBytes: 2 * GIB,
    ...over,
  };
}

describe('resource figures in the tree', () => {
  it('formats percents compactly', () => {
    assert.equal(formatPercent(3.24), '3.2%');
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(123.6), '124%');
  });

  it("adds CPU and memory to a running instance's row, and the detail to its tooltip", () => {
    assert.equal(usageShort(USAGE), '3.2% · 210 MiB/1 GiB');
    const look = describeInstance(instanceView(), { now: NOW, hostReachability: 'up', usage: USAGE });
    assert.equal(look.description, 'running · healthy · up 5m · 3.2% · 210 MiB/1 GiB');
    assert.match(look.tooltip, /- Use: CPU 3\.2% · memory 210 MiB of 1 GiB \(21%\) · 23 processes \(at 11:59:58 UTC\)/);
    assert.match(look.tooltip, /- I\/O since start: network in 1 MiB, out 2 MiB · disk read 0 B, written 5 MiB/);
  });

  it('adds the disk used to the tooltip beside its quota, and how full it is to the row', () => {
    const sized = { ...USAGE, diskUsedBytes: 1.2 * GIB, diskLimitBytes: 2 * GIB };
    assert.equal(diskUseText(sized), 'disk 1.2 GiB of 2 GiB (60%)');
    assert.equal(diskUseText({ ...USAGE, diskUsedBytes: 350 * MIB }), 'disk 350 MiB');
    assert.equal(diskUseText({ ...USAGE, diskLimitBytes: 2 * GIB }), undefined, 'a quota alone is no use figure');
    assert.equal(usageShort(sized), '3.2% · 210 MiB/1 GiB · disk 60%');
    const look = describeInstance(instanceView({ diskBytes: 2 * GIB }), { now: NOW, hostReachability: 'up', usage: sized });
    assert.match(
      look.tooltip,
      /- Use: CPU 3\.2% · memory 210 MiB of 1 GiB \(21%\) · 23 processes · disk 1\.2 GiB of 2 GiB \(60%\) \(at 11:59:58 UTC\)/,
    );
    assert.match(look.description, / · disk 60%$/);
    // Until a reading comes, the quota is told the way it was.
    const unread = describeInstance(instanceView({ diskBytes: 2 * GIB }), { now: NOW, hostReachability: 'up', usage: USAGE });
    assert.match(unread.tooltip, /- Resources: .* · disk quota 2 GiB$/m);
    assert.doesNotMatch(unread.tooltip, /- Use: .*disk/);
    assert.doesNotMatch(unread.description, /disk/);
  });

  it('shows no figures on a stopped instance or behind an unreachable host', () => {
    const stopped = describeInstance(instanceView({ state: 'stopped' }), { now: NOW, usage: USAGE });
    assert.equal(stopped.description, 'stopped');
    assert.doesNotMatch(stopped.tooltip, /Use:/);
    const down = describeInstance(instanceView(), { now: NOW, hostReachability: 'down', usage: USAGE });
    assert.doesNotMatch(down.description, /MiB/);
  });

  it("puts a host's capacity beside its instances' totals in its tooltip", () => {
    const r = resources('alpha');
    assert.equal(capacityText(r), '2 CPUs · 20 GiB of 24 GiB memory free · 65 GiB disk free');
    assert.deepEqual(hostResourceLines(r), [
      '- Capacity: 2 CPUs · 20 GiB of 24 GiB memory free · 65 GiB disk free (disk: /var/lib/docker)',
      '- Its 2 running instances use: CPU 13% · memory 400 MiB (limits 2 GiB)',
    ]);
    const tip = describeHost(hostView(), 2, r).tooltip;
    assert.match(tip, /Capacity: 2 CPUs · 20 GiB of 24 GiB memory free · 65 GiB disk free/);
    assert.match(tip, /running instances use: CPU 13% · memory 400 MiB \\\(limits 2 GiB\\\)/);
    assert.doesNotMatch(describeHost(hostView({ reachability: 'down' }), 2, r).tooltip, /Capacity/);
    assert.deepEqual(hostResourceLines({ ...r, capacity: undefined, instances: 0, error: 'no /info' }), ['- Capacity: unknown (no /info)']);
  });
});

describe('hostChoices', () => {
  it('offers the host with the most room first and proposes it; unknown next, unreachable last', () => {
    const hosts = [
      hostView({ name: 'down', reachability: 'down' }),
      hostView({ name: 'small' }),
      hostView({ name: 'blank' }),
      hostView({ name: 'big' }),
    ];
    const figures = new Map([
      ['small', resources('small', {}, { memoryAvailableBytes: 1 * GIB })],
      ['big', resources('big', {}, { memoryAvailableBytes: 16 * GIB })],
      ['down', resources('down', {}, { memoryAvailableBytes: 100 * GIB })],
    ]);
    const c = hostChoices(hosts, figures);
    assert.deepEqual(
      c.order.map((h) => h.name),
      ['big', 'small', 'blank', 'down'],
    );
    assert.equal(c.proposed, 'big');
  });

  it('proposes the first reachable host when no figures are known, and none when every host is down', () => {
    assert.equal(hostChoices([hostView({ name: 'a', reachability: 'down' }), hostView({ name: 'b' })], new Map()).proposed, 'b');
    assert.equal(hostChoices([hostView({ name: 'a', reachability: 'down' })], new Map()).proposed, undefined);
  });
});
