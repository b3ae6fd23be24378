import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { EngineWatcherOptions } from '../../src/core/engineWatcher.js';
import type { Swarm } from '../../src/core/swarm.js';
import type { InstanceView } from '../../src/core/views.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { eventually } from '../lab/eventually.js';
import { addLabHost, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { labFault, restoreLab } from '../lab/labFault.js';

const run = promisify(execFile);

/**
 * A watcher as the extension's poller makes one: an event lists its host.
 * Retries are quick here so the outage test need not wait a minute.
 */
function watcherOf(swarm: Swarm, extra: Pick<EngineWatcherOptions, 'quietMs' | 'minGapMs'> = {}) {
  const listed: string[] = [];
  /** What each of those lists left in the store. */
  const results: InstanceView[][] = [];
  const errors: string[] = [];
  const watcher = swarm.engineWatcher({
    onListed: (host, views) => {
      listed.push(host);
      results.push(views);
    },
    onError: (host, e) => void errors.push(`${host}: ${(e as Error).message}`),
    retryFirstMs: 250,
    retryMaxMs: 1_000,
    ...extra,
  });
  return { watcher, listed, results, errors };
}

const stateOf = async (swarm: Swarm, name: string) => (await swarm.views()).find((v) => v.name === name)?.state;

describe('engine events: the store follows changes made outside Code Swarm, with no refresh asked for', function () {
  this.timeout(600_000);
  let swarm: Swarm;
  const onAlpha = uniqueName('ev-a');
  const onLocal = uniqueName('ev-l');
  const onEpsilon = uniqueName('ev-p');
  const onGamma = uniqueName('ev-g');

  before(async () => {
    ({ swarm } = await labSwarm());
    for (const h of ['alpha', 'local', 'gamma', 'epsilon'] as const) await addLabHost(swarm, h);
    await swarm.create({ name: onAlpha, host: 'alpha', image: lab().lightImage, cpus: 0.2, memory: '64m' });
    await swarm.create({ name: onLocal, host: 'local', image: lab().lightImage, cpus: 0.2, memory: '64m' });
    await swarm.create({ name: onEpsilon, host: 'epsilon', image: lab().lightImage, cpus: 0.2, memory: '64m' });
    await swarm.create({ name: onGamma, host: 'gamma', image: lab().lxdImage });
  });
  after(async () => {
    await restoreLab([['alpha', 'ssh-up']]);
    for (const n of [onAlpha, onLocal, onGamma, onEpsilon]) await swarm.delete(n, { purge: true }).catch(() => undefined);
    await run('lxc', ['delete', '--force', lxdInstanceName(onGamma)], { timeout: 300_000 }).catch(() => undefined);
    swarm.dispose();
  });

  const how = { alpha: 'Docker (over SSH)', local: 'Docker (local socket)', epsilon: 'Podman (over SSH)' } as const;
  for (const host of ['alpha', 'local', 'epsilon'] as const) {
    it(`${how[host]}: a container stopped and started by hand shows as such`, async () => {
      const name = { alpha: onAlpha, local: onLocal, epsilon: onEpsilon }[host];
      const { watcher, listed } = watcherOf(swarm);
      try {
        await watcher.sync();
        await eventually(
          `${host}'s event stream open`,
          async () => watcher.isOpen(host),
          (open) => open,
          30_000,
          50,
        );
        assert.equal(await stateOf(swarm, name), 'running');
        const container = labDocker(host).getContainer(containerName(name));
        await container.stop({ t: 0 });
        const t0 = performance.now();
        await eventually(
          'the store showing it stopped',
          () => stateOf(swarm, name),
          (s) => s === 'stopped',
          15_000,
          20,
        );
        const stoppedMs = performance.now() - t0;
        await container.start();
        const t1 = performance.now();
        const shown = await eventually(
          'the store showing it running on its port',
          async () => (await swarm.views()).find((v) => v.name === name),
          (v) => v?.state === 'running',
          15_000,
          20,
        );
        const startedMs = performance.now() - t1;
        const inspected = await container.inspect();
        const port = Number(inspected.NetworkSettings.Ports?.['8080/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort ?? 0);
        assert.equal(shown?.port, port, 'the store has the port Docker bound on this start');
        // The store shows a list's result a moment before the list reports back (onListed).
        await eventually(
          'the second list reported',
          async () => listed.length,
          (n) => n >= 2,
          5_000,
          20,
        );
        assert.ok(
          listed.every((h) => h === host),
          `only ${host} was listed: ${listed.join(', ')}`,
        );
        // A stop is kill, die and stop: one list for each burst (at most one a second), not one per event.
        assert.ok(listed.length >= 2 && listed.length <= 3, `${listed.length} lists for 2 changes`);
        console.log(
          `      ${host}: stopped shown after ${stoppedMs.toFixed(0)} ms, started after ${startedMs.toFixed(0)} ms; ${listed.length} lists`,
        );
      } finally {
        watcher.dispose();
      }
    });
  }

  it('a delete through the Swarm is not shown as missing on the way (its own events are left to it)', async () => {
    const name = uniqueName('ev-d');
    await swarm.create({ name, host: 'alpha', image: lab().lightImage, cpus: 0.2, memory: '64m' });
    // No quiet time: a list follows each event at once, as close to the delete's steps as it can get.
    const { watcher, listed, results } = watcherOf(swarm, { quietMs: 0, minGapMs: 0 });
    try {
      await watcher.sync();
      await eventually(
        "alpha's event stream open",
        async () => watcher.isOpen('alpha'),
        (open) => open,
        30_000,
        50,
      );
      await swarm.delete(name, { purge: true });
      // An event of another instance still lists the host: it must not resurrect or mark anything.
      await labDocker('alpha').getContainer(containerName(onAlpha)).restart({ t: 0 });
      await eventually(
        'a list after the bystander restart',
        async () => listed.length,
        (n) => n >= 1,
        15_000,
        20,
      );
      await new Promise((r) => setTimeout(r, 300));
      const seen = results.map((views) => views.find((v) => v.name === name)?.state ?? 'gone');
      assert.ok(!seen.includes('missing'), `what each list left for it: ${seen.join(' > ')}`);
      assert.equal(
        (await swarm.views()).some((v) => v.name === name),
        false,
        'the record is gone',
      );
    } finally {
      watcher.dispose();
    }
  });

  it('Docker over SSH: the stream comes back after sshd was down, and what changed meanwhile is listed', async () => {
    const { watcher, errors } = watcherOf(swarm);
    try {
      await watcher.sync();
      await eventually(
        "alpha's event stream open",
        async () => watcher.isOpen('alpha'),
        (open) => open,
        30_000,
        50,
      );
      await eventually(
        'it running',
        () => stateOf(swarm, onAlpha),
        (s) => s === 'running',
        15_000,
        50,
      );
      await labFault('alpha', 'ssh-down');
      await eventually(
        "alpha's event stream broken",
        async () => watcher.isOpen('alpha'),
        (open) => !open,
        30_000,
        50,
      );
      // The engine itself is fine: stop the container on its own socket while the link is down.
      await labDocker('alpha').getContainer(containerName(onAlpha)).stop({ t: 0 });
      assert.equal(await stateOf(swarm, onAlpha), 'running', 'nothing could have told the store yet');
      await labFault('alpha', 'ssh-up');
      await eventually(
        'the store showing it stopped',
        () => stateOf(swarm, onAlpha),
        (s) => s === 'stopped',
        30_000,
        50,
      );
      assert.ok(watcher.isOpen('alpha'), 'the stream is open again');
      assert.ok(
        errors.some((e) => e.startsWith('alpha: ')),
        'the break was reported',
      );
    } finally {
      watcher.dispose();
      await restoreLab([['alpha', 'ssh-up']]);
    }
  });

  it('LXD: an instance stopped by hand (lxc stop) shows as stopped', async () => {
    await swarm.waitHealthy(onGamma, { timeoutMs: 240_000 });
    const { watcher, listed } = watcherOf(swarm);
    try {
      await watcher.sync();
      await eventually(
        "gamma's event stream open",
        async () => watcher.isOpen('gamma'),
        (open) => open,
        30_000,
        50,
      );
      await run('lxc', ['stop', '--force', lxdInstanceName(onGamma)], { timeout: 120_000 });
      const t0 = performance.now();
      await eventually(
        'the store showing it stopped',
        () => stateOf(swarm, onGamma),
        (s) => s === 'stopped',
        15_000,
        20,
      );
      const shownMs = performance.now() - t0;
      // The store shows a list's result a moment before the list reports back (onListed).
      await eventually(
        'the list reported',
        async () => listed.includes('gamma'),
        (yes) => yes,
        5_000,
        20,
      );
      console.log(`      gamma: stopped shown ${shownMs.toFixed(0)} ms after lxc stop returned; ${listed.length} lists`);
    } finally {
      watcher.dispose();
    }
  });
});
