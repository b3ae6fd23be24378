import assert from 'node:assert/strict';
import {
  cpuPercentFromDeltas,
  cpuPercentOverTime,
  parseDfOutput,
  parseMemAvailable,
} from '../../../../src/providers/common/resourceUsage.js';

describe('cpuPercentFromDeltas', () => {
  it('scales the share of host time by the CPUs, like docker stats', () => {
    // Half of all host time on a 4-CPU host: two CPUs busy.
    assert.equal(cpuPercentFromDeltas(2_000, 4_000, 4), 200);
    assert.equal(cpuPercentFromDeltas(100, 1_000, 2), 20);
  });

  it('gives 0, never negative or infinite, for counters that did not move or went back', () => {
    assert.equal(cpuPercentFromDeltas(0, 1_000, 2), 0);
    assert.equal(cpuPercentFromDeltas(-50, 1_000, 2), 0);
    assert.equal(cpuPercentFromDeltas(50, 0, 2), 0);
    assert.equal(cpuPercentFromDeltas(50, 1_000, 0), 0);
    assert.equal(cpuPercentFromDeltas(Number.NaN, 1_000, 2), 0);
  });
});

describe('cpuPercentOverTime', () => {
  it('is CPU nanoseconds over wall nanoseconds, in percent of one CPU', () => {
    assert.equal(cpuPercentOverTime(250e6, 250e6), 100);
    assert.equal(cpuPercentOverTime(125e6, 250e6), 50);
    assert.equal(cpuPercentOverTime(500e6, 250e6), 200);
  });

  it('is 0 without elapsed time or usage', () => {
    assert.equal(cpuPercentOverTime(100, 0), 0);
    assert.equal(cpuPercentOverTime(-1, 100), 0);
  });
});

describe('parseDfOutput', () => {
  it('reads the first file system df printed, in bytes', () => {
    const out = [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on',
      '/dev/vda         264212084 37467548  68923364      36% /',
      '/dev/vdb               100       10        90      10% /data',
    ].join('\n');
    assert.deepEqual(parseDfOutput(out), { totalBytes: 264212084 * 1024, freeBytes: 68923364 * 1024 });
  });

  it('copes with spaces in the names and answers undefined when nothing was printed', () => {
    const out = 'Filesystem 1024-blocks Used Available Capacity Mounted on\nmy disk 1000 400 600 40% /mnt/my disk\n';
    assert.deepEqual(parseDfOutput(out), { totalBytes: 1000 * 1024, freeBytes: 600 * 1024 });
    assert.equal(parseDfOutput(''), undefined);
    assert.equal(parseDfOutput('Filesystem 1024-blocks Used Available Capacity Mounted on\n'), undefined);
  });
});

describe('parseMemAvailable', () => {
  it('reads MemAvailable in bytes', () => {
    assert.equal(parseMemAvailable('MemTotal:       25165824 kB\nMemFree:  100 kB\nMemAvailable:   1024 kB\n'), 1024 * 1024);
    assert.equal(parseMemAvailable('MemTotal: 1 kB\n'), undefined);
  });
});
