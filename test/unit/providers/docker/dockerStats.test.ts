import assert from 'node:assert/strict';
import { DockerStatsSchema, selfAndAncestors, statsFromDocker } from '../../../../src/providers/docker/dockerStats.js';

/** Trimmed from a real engine 20.10 answer (cgroup v1) for a running container. */
const RUNNING = {
  read: '2026-12-06T05:00:01Z',
  pids_stats: { current: 23, limit: 512 },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 254, minor: 0, op: 'Read', value: 4096 },
      { major: 254, minor: 0, op: 'Write', value: 8192 },
      { major: 254, minor: 0, op: 'Sync', value: 12288 },
      { major: 254, minor: 0, op: 'Total', value: 12288 },
      { major: 254, minor: 16, op: 'Read', value: 1 },
    ],
  },
  cpu_stats: { cpu_usage: { total_usage: 3_000_000_000, percpu_usage: [1, 2] }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 2_900_000_000 }, system_cpu_usage: 18_000_000_000, online_cpus: 2 },
  memory_stats: { usage: 150 * 1024 ** 2, limit: 1024 ** 3, stats: { total_inactive_file: 50 * 1024 ** 2, cache: 60 * 1024 ** 2 } },
  networks: { eth0: { rx_bytes: 1000, tx_bytes: 2000, rx_packets: 3 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
};

describe('statsFromDocker', () => {
  it('reads a running container like docker stats does', () => {
    const s = statsFromDocker(DockerStatsSchema.parse(RUNNING));
    // 0.1 s of CPU over 2 s of host time on 2 CPUs.
    assert.equal(s.cpuPercent, 10);
    assert.equal(s.memoryBytes, 100 * 1024 ** 2, 'usage minus the inactive page cache');
    assert.equal(s.memoryLimitBytes, 1024 ** 3);
    assert.equal(s.pids, 23);
    assert.equal(s.netRxBytes, 1001);
    assert.equal(s.netTxBytes, 2002);
    assert.equal(s.blockReadBytes, 4097);
    assert.equal(s.blockWriteBytes, 8192);
  });

  it('reads cgroup v2 memory (inactive_file) and lower-case block ops', () => {
    const s = statsFromDocker(
      DockerStatsSchema.parse({
        ...RUNNING,
        memory_stats: { usage: 300, limit: 1000, stats: { inactive_file: 100 } },
        blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'read', value: 7 }] },
      }),
    );
    assert.equal(s.memoryBytes, 200);
    assert.equal(s.blockReadBytes, 7);
    assert.equal(s.blockWriteBytes, 0);
  });

  it('gives zeros, not NaN, for a stopped container (empty sections)', () => {
    const s = statsFromDocker(
      DockerStatsSchema.parse({
        read: '0001-01-01T00:00:00Z',
        pids_stats: {},
        blkio_stats: { io_service_bytes_recursive: null },
        cpu_stats: { cpu_usage: { total_usage: 0 }, throttling_data: {} },
        precpu_stats: { cpu_usage: { total_usage: 0 } },
        memory_stats: {},
      }),
    );
    assert.deepEqual(s, {
      cpuPercent: 0,
      memoryBytes: 0,
      memoryLimitBytes: undefined,
      pids: 0,
      netRxBytes: 0,
      netTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 0,
    });
  });

  it('refuses an answer that is not stats', () => {
    assert.equal(DockerStatsSchema.safeParse({ memory_stats: { usage: 'lots' } }).success, false);
  });
});

describe('selfAndAncestors', () => {
  it('lists a path and its parents up to /, closest first', () => {
    assert.deepEqual(selfAndAncestors('/var/lib/docker/'), ['/var/lib/docker', '/var/lib', '/var', '/']);
    assert.deepEqual(selfAndAncestors('/'), ['/']);
  });
});
