import assert from 'node:assert/strict';
import type { Swarm } from '../../src/core/swarm.js';
import { LABEL } from '../../src/providers/common/labels.js';
import { dockerExec, dockerExecResult, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { closeSwarmSuite } from '../lab/swarmSlots.js';

/**
 * A one-node swarm on a single machine (issue #18): the lab host `solo` is an
 * engine of its own, made a manager by `docker swarm init`, used over SSH like
 * a user's one machine would be. Its overlays keep the default (encrypted):
 * with one node there is no traffic between nodes to protect, so no IPsec SA.
 */
describe('swarm-mode host: a one-node swarm on one machine (issue #18)', function () {
  this.timeout(300_000);
  let swarm: Swarm;
  const docker = labDocker('solo');
  before(async () => {
    ({ swarm } = await labSwarm());
    const h = lab().hosts.solo;
    await swarm.addHost({ name: 'solo', ssh: `${h.user}@${h.address}:${h.port}`, identityFile: lab().clientKey, provider: 'swarm' });
  });
  after(async () => {
    await closeSwarmSuite(swarm, 'solo', labDocker('solo'));
  });

  it('is a manager of one node', async () => {
    const r = await swarm.testHost('solo');
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(
      r.nodes?.map((n) => [n.name, n.role, n.state, n.availability]),
      [['solo', 'manager', 'ready', 'active']],
    );
  });

  it('runs the whole lifecycle: healthy, Open logged in, a killed task replaced, stop/start, delete leaving nothing', async () => {
    const name = uniqueName('solo');
    const service = `code-swarm-${name}`;
    await swarm.create({ name, host: 'solo' });
    const view = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    assert.equal(view.node, 'solo');

    const tunnel = await swarm.openTunnel(name);
    try {
      const first = await fetch(tunnel.url, { redirect: 'manual' });
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
      const page = await fetch(`http://127.0.0.1:${tunnel.port}/`, { redirect: 'manual', headers: { cookie } });
      assert.equal(page.status, 302);
      assert.doesNotMatch(page.headers.get('location') ?? '', /login/);
    } finally {
      await tunnel.close();
    }

    const running = async () =>
      (await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] } }))[0]?.Id;
    const killed = await running();
    assert.ok(killed);
    await docker.getContainer(killed).kill();
    let replaced: string | undefined;
    for (let i = 0; i < 120 && (replaced === undefined || replaced === killed); i++) {
      await new Promise((r) => setTimeout(r, 250));
      replaced = await running();
    }
    assert.ok(replaced !== undefined && replaced !== killed, 'Swarm replaced the killed task');
    assert.equal((await swarm.waitHealthy(name, { timeoutMs: 120_000 })).node, 'solo');

    assert.equal((await swarm.stop(name)).state, 'stopped');
    assert.equal(await running(), undefined);
    await swarm.start(name);
    assert.equal((await swarm.waitHealthy(name, { timeoutMs: 120_000 })).health, 'healthy');

    await swarm.delete(name, { purge: true });
    assert.deepEqual(await docker.listServices({ filters: { name: [service] } }), []);
    assert.deepEqual(await docker.listSecrets({ filters: { label: [`${LABEL.instance}=${view.id}`] } }), []);
    assert.deepEqual(await docker.listNetworks({ filters: { name: [`${service}-net`] } }), []);
    assert.deepEqual((await docker.listVolumes({ filters: { name: [`${service}-project`] } })).Volumes, []);
    assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`${LABEL.name}=${name}`] } }), []);
  });

  it('env, tags and named-volume mounts reach the task as asked (one read-only), and come back from what the manager stored', async () => {
    const name = uniqueName('soloopt');
    const service = `code-swarm-${name}`;
    const [ref, data] = [`${name}-ref`, `${name}-data`];
    const created = await swarm.create({
      name,
      host: 'solo',
      env: ['GREETING=a b=c'],
      tags: ['team=web'],
      mounts: [`${ref}:/mnt/ref:ro`, `${data}:/home/coder/data`],
    });
    assert.deepEqual(created.tags, { team: 'web' });
    await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    const task = (
      await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] } })
    )[0];
    assert.ok(task, 'a running task on solo');
    assert.equal(await dockerExec(docker, task.Id, ['printenv', 'GREETING']), 'a b=c\n');
    const mounts = await dockerExec(docker, task.Id, ['cat', '/proc/mounts']);
    assert.match(mounts, /^\S+ \/mnt\/ref \S+ ro[,\s]/m);
    assert.match(mounts, /^\S+ \/home\/coder\/data \S+ rw[,\s]/m);
    const write = await dockerExecResult(docker, task.Id, ['sh', '-c', 'echo x > /mnt/ref/new.txt']);
    assert.notEqual(write.code, 0, 'the read-only mount took a write');
    const view = (await swarm.refresh()).find((v) => v.name === name);
    assert.deepEqual(view?.tags, { team: 'web' });
    assert.deepEqual(
      view?.mounts?.map((m) => [m.type, m.source, m.target, m.readOnly]).sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
      [
        ['volume', data, '/home/coder/data', false],
        ['volume', ref, '/mnt/ref', true],
      ],
    );
    await swarm.delete(name, { purge: true });
    // The user's volumes are theirs: a purge takes the workspace only.
    const left = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    assert.ok(left.includes(ref) && left.includes(data), 'the named volumes survive');
    for (const v of [ref, data]) await docker.getVolume(v).remove();
  });
});
