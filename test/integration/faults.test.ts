import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StoreFileSchema } from '../../src/core/model.js';
import type { Swarm } from '../../src/core/swarm.js';
import { addLabHost, lab, labDocker, labSwarm, uniqueName } from './lab.js';

const TESTBED = resolve(__dirname, '../../../scripts/testbed');
const CLI = resolve(__dirname, '../../../dist/cli.js');
const run = promisify(execFile);

function fault(host: string, what: string): void {
  execFileSync('bash', [TESTBED, 'fault', host, what], { stdio: 'ignore' });
}

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`${what} did not happen within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

describe('faults: hosts and engines that go away and come back', function () {
  this.timeout(240_000);
  let swarm: Swarm;
  let dir: string;
  const a = uniqueName('fa');
  const b = uniqueName('fb');
  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addLabHost(swarm, 'alpha');
    await addLabHost(swarm, 'beta');
    await Promise.all([swarm.create({ name: a, host: 'alpha' }), swarm.create({ name: b, host: 'beta' })]);
    await Promise.all([swarm.waitHealthy(a), swarm.waitHealthy(b)]);
  });
  after(async () => {
    for (const h of ['alpha', 'beta']) {
      fault(h, 'heal');
      fault(h, 'ssh-up');
    }
    for (const n of [a, b]) await swarm.delete(n, { purge: true }).catch(() => undefined);
    swarm.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a host whose sshd stopped as unreachable, keeps the others, and reconnects by itself', async () => {
    fault('alpha', 'ssh-down');
    const views = await eventually(
      'alpha reported unreachable',
      async () => {
        await swarm.refresh();
        await swarm.healthRound();
        return swarm.views();
      },
      (v) => v.find((x) => x.name === a)?.health === 'unreachable',
      45_000,
    );
    assert.equal(views.find((x) => x.name === b)?.health, 'healthy', 'beta is not held up by alpha');
    const hostA = (await swarm.hosts()).find((h) => h.name === 'alpha');
    assert.equal(hostA?.reachability, 'down');
    assert.ok(hostA?.error, 'the host says why');

    fault('alpha', 'ssh-up');
    await eventually(
      'alpha back to healthy with no user action',
      async () => {
        await swarm.refresh();
        await swarm.healthRound();
        return swarm.views();
      },
      (v) => v.find((x) => x.name === a)?.health === 'healthy',
      60_000,
    );
    const file = StoreFileSchema.parse(JSON.parse(readFileSync(join(dir, 'swarm.json'), 'utf8')));
    assert.deepEqual(file.instances.map((i) => i.state).sort(), ['running', 'running'], 'store and hosts agree');
  });

  it('shows a partitioned host unreachable within one health round and heals without user action', async () => {
    fault('beta', 'partition');
    try {
      const started = Date.now();
      await swarm.healthRound();
      const during = await swarm.views();
      assert.equal(during.find((x) => x.name === b)?.health, 'unreachable');
      assert.ok(Date.now() - started < 15_000, `one round is bounded (${Date.now() - started} ms)`);
      // The other host keeps answering at its normal speed meanwhile.
      const t0 = Date.now();
      assert.equal((await swarm.checkHealth(a)).health, 'healthy');
      assert.ok(Date.now() - t0 < 2_000);
    } finally {
      fault('beta', 'heal');
    }
    await eventually(
      'beta healthy after heal',
      async () => {
        await swarm.healthRound();
        return swarm.views();
      },
      (v) => v.find((x) => x.name === b)?.health === 'healthy',
      60_000,
    );
  });

  it('brings instances back after their Docker engine restarts', async () => {
    fault('beta', 'engine-restart');
    const v = await eventually(
      `${b} running and healthy again`,
      async () => {
        await swarm.refresh('beta');
        await swarm.healthRound();
        return (await swarm.views()).find((x) => x.name === b);
      },
      (x) => x?.state === 'running' && x.health === 'healthy',
      90_000,
    );
    assert.equal(v?.host, 'beta');
  });
});

describe('faults: two processes working the same store', function () {
  this.timeout(300_000);
  it('loses and duplicates no record when two CLIs create and delete at once', async () => {
    const { swarm, dir } = await labSwarm();
    await addLabHost(swarm, 'local');
    swarm.dispose();
    const cli = (...args: string[]) =>
      run(process.execPath, [CLI, '--state-dir', dir, '--json', ...args], { encoding: 'utf8', timeout: 120_000 });
    // Each worker creates then deletes its own instances, 25 + 25 operations,
    // interleaved with the other worker on the same swarm.json.
    const worker = async (tag: string) => {
      const names = Array.from({ length: 25 }, (_, i) => `${tag}-${i}-${process.pid.toString(36)}`);
      const kept: string[] = [];
      for (const [i, n] of names.entries()) {
        await cli('create', n, '--host', 'local', '--image', lab().lightImage, '--memory', '128m', '--cpus', '0.2', '--no-wait');
        if (i % 5 === 4) kept.push(n);
      }
      for (const n of names) if (!kept.includes(n)) await cli('delete', n, '--purge');
      return kept;
    };
    const [k1, k2] = await Promise.all([worker('wa'), worker('wb')]);
    try {
      const file = StoreFileSchema.parse(JSON.parse(readFileSync(join(dir, 'swarm.json'), 'utf8')));
      assert.deepEqual(file.instances.map((i) => i.name).sort(), [...k1, ...k2].sort());
      const containers = await labDocker('local').listContainers({ all: true, filters: { label: [`code-swarm.store=${file.storeId}`] } });
      assert.deepEqual(containers.map((c) => c.Labels['code-swarm.name']).sort(), [...k1, ...k2].sort(), 'store and host agree');
    } finally {
      for (const n of [...k1, ...k2]) await cli('delete', n, '--purge').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
