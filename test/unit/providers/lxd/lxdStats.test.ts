import assert from 'node:assert/strict';
import { diskUsedOf, parseBlockIo, statsFromLxd } from '../../../../src/providers/lxd/lxdStats.js';
import { LxdStateSchema } from '../../../../src/providers/lxd/lxdSchemas.js';

const state = (cpuNs: number, extra: Record<string, unknown> = {}) =>
  LxdStateSchema.parse({ status: 'Running', cpu: { usage: cpuNs }, memory: { usage: 300 * 1024 ** 2, usage_peak: 1 }, ...extra });

describe('statsFromLxd', () => {
  it('takes CPU from the usage difference over wall time, and the rest from the second sample', () => {
    const after = state(1_125_000_000, {
      processes: 31,
      network: {
        lo: { counters: { bytes_received: 999, bytes_sent: 999 } },
        eth0: { counters: { bytes_received: 10, bytes_sent: 20 }, addresses: [] },
      },
    });
    const s = statsFromLxd(state(1_000_000_000), after, 250e6, 1024 ** 3, { readBytes: 5, writeBytes: 6 });
    assert.equal(s.cpuPercent, 50);
    assert.equal(s.memoryBytes, 300 * 1024 ** 2);
    assert.equal(s.memoryLimitBytes, 1024 ** 3);
    assert.equal(s.pids, 31);
    assert.equal(s.netRxBytes, 10, 'loopback left out');
    assert.equal(s.netTxBytes, 20);
    assert.equal(s.blockReadBytes, 5);
    assert.equal(s.blockWriteBytes, 6);
  });

  it('leaves block I/O out when the host could not say, and never reports negative CPU', () => {
    const s = statsFromLxd(state(2_000), state(1_000, { network: null, processes: null }), 250e6, undefined, undefined);
    assert.equal(s.cpuPercent, 0);
    assert.equal(s.netRxBytes, 0);
    assert.equal(s.pids, 0);
    assert.equal('blockReadBytes' in s, false);
    assert.equal('diskUsedBytes' in s, false, 'no disk figure: none made up');
  });

  it("takes the disk use from the root device's usage, where the pool reports one", () => {
    // As LXD 5.0 answers on a btrfs pool (the lab's `sized`); a dir pool leaves `disk` empty.
    const withDisk = state(1_000, { disk: { root: { usage: 352_366_592 } } });
    assert.equal(statsFromLxd(state(0), withDisk, 1e9, undefined, undefined).diskUsedBytes, 352_366_592);
    assert.equal(diskUsedOf(state(0, { disk: {} })).diskUsedBytes, undefined);
    assert.equal(diskUsedOf(state(0, { disk: { data: { usage: 5 } } })).diskUsedBytes, undefined, 'another disk device is not the root');
  });
});

describe('parseBlockIo', () => {
  it('sums cgroup v2 io.stat over devices', () => {
    const text = '254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n254:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n';
    assert.deepEqual(parseBlockIo(text), { readBytes: 4097, writeBytes: 8194 });
  });

  it('sums cgroup v1 blkio.throttle.io_service_bytes, the Total lines left out', () => {
    const text = '254:0 Read 100\n254:0 Write 200\n254:0 Sync 300\n254:0 Async 0\n254:0 Total 300\nTotal 300\n';
    assert.deepEqual(parseBlockIo(text), { readBytes: 100, writeBytes: 200 });
  });

  it('reads an idle cgroup as zeros and anything else as unknown', () => {
    assert.deepEqual(parseBlockIo('Total 0\n'), { readBytes: 0, writeBytes: 0 });
    assert.equal(parseBlockIo('cat: /sys/fs/cgroup/x: No such file or directory'), undefined);
  });
});
