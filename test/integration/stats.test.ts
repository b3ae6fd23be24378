import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InstanceUsage, Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { addLabHost, dockerExec, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const GIB = 1024 ** 3;
/** A busy loop that ends by itself, so a failed test leaves no CPU burner behind. */
const BUSY = ['sh', '-c', 'timeout 20 sh -c "while :; do :; done" >/dev/null 2>&1 &'];

/** What every running instance's figures must look like, on any engine. */
function assertPlausible(u: InstanceUsage, what: string): void {
  assert.ok(u.memoryBytes > 10 * 1024 ** 2, `${what}: code-server uses memory (${u.memoryBytes})`);
  assert.equal(u.memoryLimitBytes, GIB, `${what}: the limit create set`);
  assert.ok((u.pids ?? 0) > 0, `${what}: pids ${u.pids}`);
  assert.ok(Number.isFinite(u.cpuPercent) && u.cpuPercent >= 0, `${what}: cpu ${u.cpuPercent}`);
  for (const k of ['netRxBytes', 'netTxBytes', 'blockReadBytes', 'blockWriteBytes'] as const) {
    assert.ok(Number.isFinite(u[k]) && u[k]! >= 0, `${what}: ${k} ${u[k]}`);
  }
}

/** Samples until the busy loop shows (the engine's CPU window may straddle its start). */
async function busyCpu(swarm: Swarm, name: string): Promise<number> {
  let best = 0;
  for (let i = 0; i < 4 && best < 50; i++) best = Math.max(best, (await swarm.stats(name)).cpuPercent);
  return best;
}

/** `12.5MiB` / `1GiB` (docker stats' units) in bytes. */
function dockerSize(text: string): number {
  const m = /^([\d.]+)\s*([KMGT]?i?B)$/.exec(text.trim());
  assert.ok(m, `a size: ${text}`);
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: GIB, TiB: 1024 ** 4, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2]!] ?? NaN;
  return Number(m[1]) * unit;
}

const near = (a: number, b: number, fraction: number) => Math.abs(a - b) <= Math.max(a, b) * fraction;

describe('stats: resource use on real hosts', function () {
  this.timeout(300_000);
  let swarm: Swarm;
  let dir: string;
  const onAlpha = uniqueName('stats-d');
  const onGamma = uniqueName('stats-l');

  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await Promise.all((['alpha', 'gamma'] as const).map((h) => addLabHost(swarm, h)));
    await Promise.all([
      swarm.create({ name: onAlpha, host: 'alpha', memory: '1g' }),
      swarm.create({ name: onGamma, host: 'gamma', memory: '1g', image: lab().lxdImage }),
    ]);
    await Promise.all([swarm.waitHealthy(onAlpha, { timeoutMs: 120_000 }), swarm.waitHealthy(onGamma, { timeoutMs: 120_000 })]);
  });
  after(async () => {
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  it('Docker (alpha): plausible figures that match docker stats, and a busy loop shows as CPU', async () => {
    const idle = await swarm.stats(onAlpha);
    assertPlausible(idle, 'alpha');
    assert.ok(idle.netRxBytes !== undefined && idle.blockReadBytes !== undefined, 'Docker reports network and block I/O');

    const socket = lab().hosts.alpha.engineSocketOnLabMachine;
    const line = execFileSync(
      'docker',
      ['-H', `unix://${socket}`, 'stats', '--no-stream', '--format', '{{.MemUsage}}|{{.PIDs}}', containerName(onAlpha)],
      { encoding: 'utf8' },
    ).trim();
    const [mem = '', pids = ''] = line.split('|');
    const [used = '', limit = ''] = mem.split('/');
    assert.equal(dockerSize(limit), GIB, line);
    assert.ok(near(dockerSize(used), idle.memoryBytes, 0.25), `memory ${idle.memoryBytes} vs docker stats ${used}`);
    assert.ok(Math.abs(Number(pids) - (idle.pids ?? 0)) <= 3, `pids ${idle.pids} vs docker stats ${pids}`);

    const docker = labDocker('alpha');
    const id = (await docker.getContainer(containerName(onAlpha)).inspect()).Id;
    await dockerExec(docker, id, BUSY);
    const busy = await busyCpu(swarm, onAlpha);
    assert.ok(busy > idle.cpuPercent + 30, `busy ${busy}% vs idle ${idle.cpuPercent}%`);
    // The instance was created with one CPU: the loop cannot take more than that.
    assert.ok(busy < 130, `busy ${busy}% is capped by --cpus 1`);
  });

  it('LXD (gamma): plausible figures that match the instance state, and a busy loop shows as CPU', async () => {
    const idle = await swarm.stats(onGamma);
    assertPlausible(idle, 'gamma');

    const lxdName = lxdInstanceName(onGamma);
    const state = JSON.parse(execFileSync('lxc', ['query', `/1.0/instances/${lxdName}/state`], { encoding: 'utf8' })) as {
      memory: { usage: number };
      processes: number;
    };
    assert.ok(near(state.memory.usage, idle.memoryBytes, 0.25), `memory ${idle.memoryBytes} vs lxc ${state.memory.usage}`);
    assert.ok(Math.abs(state.processes - (idle.pids ?? 0)) <= 3, `processes ${idle.pids} vs lxc ${state.processes}`);
    assert.equal(execFileSync('lxc', ['config', 'get', lxdName, 'limits.memory'], { encoding: 'utf8' }).trim(), '1024MiB');

    execFileSync('lxc', ['exec', lxdName, '--', ...BUSY], { timeout: 30_000 });
    const busy = await busyCpu(swarm, onGamma);
    assert.ok(busy > idle.cpuPercent + 30, `busy ${busy}% vs idle ${idle.cpuPercent}%`);
  });

  it("reads each host's capacity beside its instances' totals", async () => {
    await swarm.resourceRound();
    for (const host of ['alpha', 'gamma']) {
      const r = swarm.latestResources.hosts.get(host);
      assert.ok(r?.capacity, `${host}: ${r?.error}`);
      assert.ok(r.capacity.cpus >= 1, `${host} cpus`);
      assert.ok(r.capacity.memoryBytes > GIB, `${host} memory`);
      assert.ok((r.capacity.diskFreeBytes ?? 0) > 0, `${host} disk free`);
      assert.ok((r.capacity.diskTotalBytes ?? 0) >= (r.capacity.diskFreeBytes ?? 0), `${host} disk total`);
      assert.equal(r.instances, 1);
      assert.equal(r.memoryLimitBytes, GIB);
      assert.ok(r.memoryBytes > 10 * 1024 ** 2);
    }
    assert.match(swarm.latestResources.hosts.get('gamma')?.capacity?.diskLocation ?? '', /^pool /);
  });

  it('code-swarm stats --json prints the documented array; the table shows the hosts; a bad option is refused', () => {
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node'), 'the CLI is built (npm run build)');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, '--state-dir', dir, '--known-hosts', lab().knownHosts, ...args], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, SSH_AUTH_SOCK: '' },
      });
    const all = run('--json', 'stats');
    assert.equal(all.status, 0, all.stderr);
    const rows = JSON.parse(all.stdout) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => r['name']).sort(), [onAlpha, onGamma].sort());
    for (const r of rows) {
      for (const k of [
        'cpuPercent',
        'memoryBytes',
        'memoryLimitBytes',
        'pids',
        'netRxBytes',
        'netTxBytes',
        'blockReadBytes',
        'blockWriteBytes',
      ]) {
        assert.equal(typeof r[k], 'number', `${String(r['name'])}.${k} = ${JSON.stringify(r[k])}`);
      }
      assert.equal(r['memoryLimitBytes'], GIB);
    }
    const one = run('--json', 'stats', onGamma, '--host', 'gamma');
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual(
      (JSON.parse(one.stdout) as { name: string }[]).map((r) => r.name),
      [onGamma],
    );
    const human = run('stats', '--host', 'alpha');
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^NAME +HOST +CPU %.*\\n${onAlpha} +alpha +[\\d.]+%`));
    assert.match(human.stdout, /\nHOST +INSTANCES +CPU % +CPUS .*\nalpha +1 /);
    const wrongHost = run('stats', onGamma, '--host', 'alpha');
    assert.equal(wrongHost.status, 2, wrongHost.stderr);
    assert.match(wrongHost.stderr, /runs on gamma, not alpha/);
    const bad = run('stats', '--tail', '3');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /stats does not take --tail/);
  });
});
