import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StoreFileSchema } from '../../src/shared/model.js';
import type { Swarm } from '../../src/core/swarm.js';
import type { InstanceView } from '../../src/core/views.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { eventually } from '../lab/eventually.js';
import { addLabHost, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { labFault, restoreLab } from '../lab/labFault.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const run = promisify(execFile);

interface RestartTrace {
  /** The instance's health as successive rounds saw it, repeats folded. */
  seen: string[];
  /** Its health as views (the tree, the CLI's list) showed it, repeats folded. */
  shown: string[];
  /** 'instances' events the Swarm raised for the host meanwhile. */
  events: number;
  /** The host's reachability after each refresh + round, repeats folded. */
  reach: string[];
  view: InstanceView | undefined;
}

/**
 * Restarts a host's engine while refresh + health rounds run back to back,
 * as the extension's timer runs them, until the instance is running and
 * healthy again after the restart finished.
 */
async function throughEngineRestart(swarm: Swarm, host: string, name: string): Promise<RestartTrace> {
  const id = (await swarm.views(host)).find((v) => v.name === name)?.id;
  assert.ok(id, `${name} is known`);
  const seen: string[] = [];
  const shown: string[] = [];
  const reach: string[] = [];
  let events = 0;
  const off = swarm.on('instances', (h) => {
    if (h === host || h === undefined) events += 1;
  });
  // One round before the fault, so that "healthy before the restart" is
  // measured before it and not raced against the engine going down.
  await swarm.refresh(host);
  const first = (await swarm.healthRound()).get(id)?.health ?? 'none';
  seen.push(first);
  let landed = false;
  const restarting = labFault(host, 'engine-restart').finally(() => {
    landed = true;
  });
  try {
    const view = await eventually(
      `${name} running and healthy again`,
      async () => {
        await swarm.refresh(host);
        const h = (await swarm.healthRound()).get(id)?.health ?? 'none';
        if (seen.at(-1) !== h) seen.push(h);
        const v = (await swarm.views(host)).find((x) => x.name === name);
        if (shown.at(-1) !== (v?.health ?? 'none')) shown.push(v?.health ?? 'none');
        const r = (await swarm.hosts()).find((x) => x.name === host)?.reachability ?? 'none';
        if (reach.at(-1) !== r) reach.push(r);
        return v;
      },
      (x) => landed && x?.state === 'running' && x.health === 'healthy',
      120_000,
      250,
    );
    await restarting;
    return { seen, shown, events, view, reach };
  } finally {
    off();
    await restarting.catch(() => undefined);
  }
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
    await restoreLab([
      ['alpha', 'heal'],
      ['alpha', 'ssh-up'],
      ['beta', 'heal'],
      ['beta', 'ssh-up'],
    ]);
    for (const n of [a, b]) await swarm.delete(n, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  it('reports a host whose sshd stopped as unreachable, keeps the others, and reconnects by itself', async () => {
    await labFault('alpha', 'ssh-down');
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

    await labFault('alpha', 'ssh-up');
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
    await labFault('beta', 'partition');
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
      await labFault('beta', 'heal');
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

  it('brings instances back after their Docker engine restarts, showing the outage and the recovery', async () => {
    const t = await throughEngineRestart(swarm, 'beta', b);
    console.log(
      `      ${b} through the Docker restart: rounds ${t.seen.join(' > ')}; views ${t.shown.join(' > ')}; host ${t.reach.join(' > ')}; ${t.events} 'instances' events for beta`,
    );
    assert.equal(t.view?.host, 'beta');
    assert.equal(t.seen[0], 'healthy', 'healthy before the restart');
    assert.ok(
      t.seen.some((h) => h !== 'healthy'),
      `the rounds saw the outage (${t.seen.join(' > ')})`,
    );
    assert.equal(t.seen.at(-1), 'healthy', 'and the recovery');
    // A health probe that gets through proves the SSH link, not the engine:
    // the host goes down once and comes back once, it does not flip per round.
    assert.ok(t.reach.length <= 3, `beta's reachability did not flip (${t.reach.join(' > ')})`);
    assert.equal(t.reach.at(-1), 'up');
    // Down and back up again: at least two changes were announced to listeners (the tree, the status bar).
    assert.ok(t.events >= 2, `'instances' events announced the change (${t.events})`);
    assert.equal((await swarm.views()).find((x) => x.name === a)?.health, 'healthy', 'alpha was not touched');
  });
});

describe('faults: the LXD daemon restarts under a running instance', function () {
  this.timeout(600_000);
  let swarm: Swarm;
  const name = uniqueName('fl');
  before(async () => {
    ({ swarm } = await labSwarm());
    await addLabHost(swarm, 'gamma');
    await swarm.create({ name, host: 'gamma', image: lab().lxdImage });
    await swarm.waitHealthy(name, { timeoutMs: 180_000 });
  });
  after(async () => {
    await swarm.delete(name, { purge: true }).catch(() => undefined);
    // If the Swarm could not, remove it behind its back (bounded: LXD's dir pool is slow, not stuck).
    await run('lxc', ['delete', '--force', lxdInstanceName(name)], { timeout: 300_000 }).catch(() => undefined);
    swarm.dispose();
  });

  it('keeps the instance running and healthy (or brings it back), and stop/start work afterwards', async () => {
    const t = await throughEngineRestart(swarm, 'gamma', name);
    console.log(
      `      ${name} through the LXD restart: rounds ${t.seen.join(' > ')}; views ${t.shown.join(' > ')}; ${t.events} 'instances' events for gamma`,
    );
    assert.equal(t.seen.at(-1), 'healthy');
    // LXD's SIGTERM leaves instances running; if a round still caught an
    // outage, listeners must have heard about the way down and back.
    if (t.seen.some((h) => h !== 'healthy')) assert.ok(t.events >= 2, `'instances' events announced the change (${t.events})`);
    assert.equal((await swarm.hosts()).find((h) => h.name === 'gamma')?.reachability, 'up');

    const stopped = await swarm.stop(name);
    assert.equal(stopped.state, 'stopped');
    const started = await swarm.start(name);
    assert.equal(started.state, 'running');
    assert.equal((await swarm.waitHealthy(name, { timeoutMs: 120_000 })).health, 'healthy');
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
    }
  });
});
