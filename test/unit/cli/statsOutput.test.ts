import assert from 'node:assert/strict';
import { diskCell, hostResourcesTable, usageJson, usageTable } from '../../../src/cli/statsOutput.js';
import type { InstanceUsage } from '../../../src/core/swarm.js';

const USAGE: InstanceUsage = {
  name: 'web',
  host: 'alpha',
  sampledAt: Date.parse('2026-12-06T05:00:00Z'),
  cpuPercent: 12.3456,
  memoryBytes: 200 * 1024 ** 2,
  memoryLimitBytes: 1024 ** 3,
  pids: 17,
  netRxBytes: 1000,
  netTxBytes: 2000,
};

describe('stats output', () => {
  it('prints the documented JSON fields, unknown counters as null', () => {
    const j = usageJson(USAGE);
    for (const k of [
      'name',
      'cpuPercent',
      'memoryBytes',
      'memoryLimitBytes',
      'pids',
      'netRxBytes',
      'netTxBytes',
      'blockReadBytes',
      'blockWriteBytes',
    ])
      assert.ok(k in j, k);
    assert.equal(j['cpuPercent'], 12.35);
    assert.equal(j['blockReadBytes'], null);
    assert.equal(j['host'], 'alpha');
    assert.equal(j['sampledAt'], '2026-12-06T05:00:00.000Z');
    assert.equal('diskUsedBytes' in j, false, 'the disk figures only where known');
    assert.equal('diskLimitBytes' in j, false);
    const sized = usageJson({ ...USAGE, diskUsedBytes: 1_288_490_189, diskLimitBytes: 2 * 1024 ** 3 });
    assert.equal(sized['diskUsedBytes'], 1_288_490_189);
    assert.equal(sized['diskLimitBytes'], 2 * 1024 ** 3);
    assert.equal(sized['memoryBytes'], USAGE.memoryBytes, 'the documented keys unchanged');
  });

  it('prints the disk used beside the quota, alone without one, and - when unknown', () => {
    assert.equal(diskCell(1_288_490_189, 2 * 1024 ** 3), '1.2g / 2g');
    assert.equal(diskCell(300 * 1024 ** 2, undefined), '300m');
    assert.equal(diskCell(undefined, 2 * 1024 ** 3), '- / 2g');
    assert.equal(diskCell(undefined, undefined), '-');
    const t = usageTable([USAGE, { ...USAGE, name: 'big', diskUsedBytes: 1_288_490_189, diskLimitBytes: 2 * 1024 ** 3 }]);
    assert.match(t, /BLOCK I\/O\s+DISK$/m);
    assert.match(t, /^web\s.*\s-$/m);
    assert.match(t, /^big\s.*\s1\.2g \/ 2g$/m);
  });

  it('prints a table like docker stats, and the hosts beside their capacity', () => {
    const t = usageTable([USAGE]);
    assert.match(t, /^NAME\s+HOST\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+PIDS/);
    assert.match(t, /web\s+alpha\s+12\.3%\s+200m \/ 1g\s+19\.5%\s+17\s+0m \/ 0m\s+-/);
    assert.equal(usageTable([]), 'No running instances.');
    const h = hostResourcesTable([
      {
        name: 'alpha',
        capacity: undefined,
        instances: 1,
        cpuPercent: 12.3,
        memoryBytes: 1024 ** 3,
        memoryLimitBytes: 2 * 1024 ** 3,
        error: 'no df',
      },
    ]);
    assert.match(h, /alpha\s+1\s+12\.3%\s+-\s+1g \/ 2g \/ -\s+-\s+\(no df\)/);
  });
});
