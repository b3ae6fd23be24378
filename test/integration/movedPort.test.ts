import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { eventually } from '../lab/eventually.js';
import { addLabHost, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';

/** GET /healthz from inside alpha's network namespace, where the instance's loopback port is. */
function curlInAlpha(port: number): string {
  try {
    return execFileSync(
      'ip',
      [
        'netns',
        'exec',
        lab().hosts.alpha.netns,
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-m',
        '2',
        '-w',
        '%{http_code}',
        `http://127.0.0.1:${port}/healthz`,
      ],
      {
        encoding: 'utf8',
      },
    );
  } catch {
    return 'refused';
  }
}

describe('health: an instance Docker restarted after a crash, on a new port', function () {
  this.timeout(120_000);
  let swarm: Swarm;
  const names = [uniqueName('mv-a'), uniqueName('mv-b')];

  before(async () => {
    // No start-up grace: a refused probe counts at once, so the test need not wait a minute.
    ({ swarm } = await labSwarm(undefined, undefined, { startingGraceMs: 0 }));
    await addLabHost(swarm, 'alpha');
    // Two on the host, so the round takes the batched path.
    for (const name of names) await swarm.create({ name, host: 'alpha', image: lab().lightImage, cpus: 0.2, memory: '64m' });
    for (const name of names) await swarm.waitHealthy(name, { timeoutMs: 30_000 });
  });
  after(async () => {
    for (const name of names) await swarm.delete(name, { purge: true }).catch(() => undefined);
    swarm?.dispose();
  });

  it('finds the new port in the same health round, with no refresh asked for', async () => {
    const [victim, bystander] = names as [string, string];
    const docker = labDocker('alpha');
    const container = docker.getContainer(containerName(victim));
    const before = await container.inspect();
    const oldPort = (await swarm.views()).find((v) => v.name === victim)?.port;
    assert.ok(oldPort, 'the instance has a port');

    // A crash, not a stop: the restart policy brings it back, and Docker binds any free port.
    process.kill(before.State.Pid, 'SIGKILL');
    const newPort = (
      await eventually(
        'Docker restarting it on a new port',
        async () => {
          const info = await container.inspect();
          const port = Number(info.NetworkSettings.Ports?.['8080/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort ?? 0);
          return { restarts: info.RestartCount, running: info.State.Running, port };
        },
        (v) => v.restarts > before.RestartCount && v.running && v.port > 0 && v.port !== oldPort,
        30_000,
      )
    ).port;
    // Answering there before the round, so that one round has to be enough.
    await eventually(
      'the restarted server answering on its new port',
      async () => curlInAlpha(newPort),
      (code) => code === '200',
      15_000,
    );
    assert.equal((await swarm.views()).find((v) => v.name === victim)?.port, oldPort, 'the store still has the old port before the round');

    const samples = await swarm.healthRound();
    const views = await swarm.views();
    const view = views.find((v) => v.name === victim);
    assert.equal(view?.health, 'healthy', `healthy on its new port in one round (${JSON.stringify(samples.get(view?.id ?? ''))})`);
    assert.equal(view?.port, newPort, 'the store follows the new port');
    assert.equal(view?.state, 'running');
    assert.equal(views.find((v) => v.name === bystander)?.health, 'healthy', 'the other instance is untouched');
    assert.equal(samples.size, 2, 'the round answers for both');
  });
});
