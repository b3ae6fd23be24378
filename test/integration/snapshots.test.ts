import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { DOCKER_SNAPSHOT_WARNING } from '../../src/providers/docker/dockerSnapshots.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { LABEL } from '../../src/providers/common/labels.js';
import { failsWith } from '../lab/failsWith.js';
import { addLabHost, dockerExec, labDocker, labSwarm, uniqueName } from '../lab/lab.js';

const run = promisify(execFile);
const NOTES = '/home/coder/notes.txt';
const IN_VOLUME = '/home/coder/project/in-volume.txt';

/** Milliseconds an operation took, for the test's title (the report reads them there). */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t0) };
}

/**
 * code-server behind the instance's own tunnel: logged in by the tunnel's
 * token, GET / must not send us to ./login (Docker's code-server redirects to
 * its folder, LXD's serves the workbench). That holds only if the instance
 * kept the password hash the store's session cookie is.
 */
async function assertLoginWorks(swarm: Swarm, name: string): Promise<void> {
  const tunnel = await swarm.openTunnel(name);
  try {
    const first = await fetch(tunnel.url, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    assert.equal(first.status, 302);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    const page = await fetch(`http://127.0.0.1:${tunnel.port}/`, {
      redirect: 'manual',
      headers: { cookie },
      signal: AbortSignal.timeout(15_000),
    });
    assert.ok(page.status === 200 || page.status === 302, `GET / answered ${page.status}`);
    assert.doesNotMatch(page.headers.get('location') ?? '', /login/);
  } finally {
    await tunnel.close();
  }
}

/** Podman names an image by its full reference: `localhost/…` for one made here. */
const bare = (image: string) => image.replace(/^(localhost|docker\.io)\//, '');

/** The same cases for every engine with Docker's API: Docker on alpha, Podman on epsilon. */
function dockerApiSnapshotCases(host: 'alpha' | 'epsilon', engine: string): void {
  describe(`snapshots: ${engine} on ${host}`, function () {
    this.timeout(300_000);
    const docker = labDocker(host);
    let swarm: Swarm;
    const name = uniqueName('snapd');

    before(async () => {
      ({ swarm } = await labSwarm());
      await addLabHost(swarm, host);
    });
    after(async () => {
      await swarm.delete(name, { purge: true }).catch(() => undefined);
      // Whatever the test left behind if it failed half way: containers and images of this name.
      for (const c of await docker.listContainers({ all: true, filters: { name: [containerName(name)] } })) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      for (const i of await docker.listImages({ filters: { reference: [`code-swarm-snapshot/${name}:*`] } })) {
        await docker
          .getImage(i.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      await docker
        .getVolume(`code-swarm-${name}-project`)
        .remove()
        .catch(() => undefined);
      swarm.dispose();
    });

    it('snapshot → change → restore brings back what the commit holds, keeps the volume, the password and loopback only; purge removes the images', async function () {
      await swarm.create({ name, host });
      await swarm.waitHealthy(name, { timeoutMs: 90_000 });
      const old = await docker.getContainer(containerName(name)).inspect();
      const id = old.Config.Labels[LABEL.instance]!;
      await dockerExec(docker, old.Id, ['sh', '-c', `echo before > ${NOTES} && echo v1 > ${IN_VOLUME}`]);

      const snap = await timed(() => swarm.snapshot(name, 'before the notes change'));
      assert.equal(snap.value.warning, DOCKER_SNAPSHOT_WARNING);
      assert.match(snap.value.warning ?? '', /workspace volume \/home\/coder\/project is not part of a Docker snapshot/);
      assert.match(snap.value.name, /^snap-\d{14}$/);

      await dockerExec(docker, old.Id, ['sh', '-c', `echo after > ${NOTES} && echo v2 > ${IN_VOLUME}`]);
      const restore = await timed(() => swarm.restore(name, snap.value.name));
      assert.equal(restore.value.state, 'running');
      assert.ok(restore.value.port !== undefined);

      const now = await docker.getContainer(containerName(name)).inspect();
      assert.notEqual(now.Id, old.Id, 'a new container');
      assert.equal(bare(now.Config.Image), `code-swarm-snapshot/${name}:${snap.value.name}`);
      assert.equal((await dockerExec(docker, now.Id, ['cat', NOTES])).trim(), 'before', 'the commit brings the file back');
      assert.equal((await dockerExec(docker, now.Id, ['cat', IN_VOLUME])).trim(), 'v2', 'the volume is kept as it was, not rolled back');
      await assert.rejects(docker.getContainer(old.Id).inspect(), /no such container/i);
      const strays = await docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${id}`] } });
      assert.deepEqual(
        strays.map((c) => c.Id),
        [now.Id],
        'no temporary container left',
      );

      // The same instance: labels, password, user, limits, hardening and volume.
      for (const key of Object.values(LABEL)) assert.equal(now.Config.Labels[key], old.Config.Labels[key], key);
      const env = (info: typeof old, key: string) => (info.Config.Env ?? []).find((e) => e.startsWith(`${key}=`));
      assert.equal(env(now, 'HASHED_PASSWORD'), env(old, 'HASHED_PASSWORD'));
      assert.equal(env(now, 'CODE_SERVER_COOKIE_SUFFIX'), env(old, 'CODE_SERVER_COOKIE_SUFFIX'));
      assert.equal(now.Config.User, old.Config.User);
      for (const k of ['NanoCpus', 'Memory', 'MemorySwap', 'PidsLimit', 'CapDrop', 'SecurityOpt', 'RestartPolicy'] as const) {
        assert.deepEqual(now.HostConfig[k], old.HostConfig[k], k);
      }
      assert.deepEqual(
        now.Mounts.filter((m) => m.Type === 'volume').map((m) => [m.Name, m.Destination]),
        old.Mounts.filter((m) => m.Type === 'volume').map((m) => [m.Name, m.Destination]),
      );
      const bindings = now.NetworkSettings.Ports['8080/tcp'] ?? [];
      assert.ok(bindings.length > 0);
      for (const b of bindings) assert.equal(b.HostIp, '127.0.0.1');
      assert.equal(Number(bindings[0]!.HostPort), restore.value.port);

      const healthy = await swarm.waitHealthy(name, { timeoutMs: 90_000 });
      assert.equal(healthy.health, 'healthy');
      await assertLoginWorks(swarm, name);

      const listed = await swarm.snapshots(name);
      assert.deepEqual(
        listed.map((s) => [s.name, s.label]),
        [[snap.value.name, 'before the notes change']],
      );
      await failsWith(swarm.restore(name, 'snap-19700101000000'), 'not-found', /has no snapshot named snap-19700101000000/);
      await failsWith(swarm.restore(name, 'x@sha256:0'), 'invalid-input', /is not a snapshot name/);

      // A later snapshot of the restored container has the first as its parent image: purge must untangle that.
      const second = await swarm.snapshot(name, undefined);
      assert.notEqual(second.name, snap.value.name);
      await swarm.deleteSnapshot(name, snap.value.name);
      assert.deepEqual(
        (await swarm.snapshots(name)).map((s) => [s.name, s.label]),
        [[second.name, undefined]],
      );
      await failsWith(swarm.deleteSnapshot(name, snap.value.name), 'not-found', /has no snapshot named/);

      await swarm.delete(name, { purge: true });
      assert.deepEqual(await docker.listImages({ filters: { reference: [`code-swarm-snapshot/${name}:*`] } }), []);
      assert.deepEqual(await docker.listImages({ all: true, filters: { label: [`${LABEL.instance}-snapshot-of=${id}`] } }), []);
      // Surfaced in the report: mocha prints the title after the test has run.
      this.test!.title += ` [snapshot ${snap.ms} ms, restore ${restore.ms} ms]`;
    });

    it('restores a stopped instance without starting it, as LXD does', async () => {
      const stopped = uniqueName('snaps');
      try {
        await swarm.create({ name: stopped, host });
        const s = await swarm.snapshot(stopped, undefined);
        await swarm.stop(stopped);
        const restored = await swarm.restore(stopped, s.name);
        assert.notEqual(restored.state, 'running');
        assert.equal((await docker.getContainer(containerName(stopped)).inspect()).State.Running, false);
        await swarm.start(stopped);
        assert.equal((await swarm.waitHealthy(stopped, { timeoutMs: 90_000 })).health, 'healthy');
      } finally {
        await swarm.delete(stopped, { purge: true }).catch(() => undefined);
      }
    });
  });
}

dockerApiSnapshotCases('alpha', 'Docker');
dockerApiSnapshotCases('epsilon', 'Podman');

describe('snapshots: LXD on gamma, through the Swarm', function () {
  this.timeout(600_000);
  let swarm: Swarm;
  const name = uniqueName('snapl');
  const FILE = '/home/coder/project/notes.txt';

  /** `lxc exec` on this machine, where gamma's LXD socket lives; argv only, no shell string from values. */
  async function inInstance(argv: readonly string[]): Promise<string> {
    const r = await run(
      'lxc',
      [
        'exec',
        lxdInstanceName(name),
        '--user',
        '1000',
        '--group',
        '1000',
        '--env',
        'HOME=/home/coder',
        '--cwd',
        '/home/coder',
        '--',
        ...argv,
      ],
      { timeout: 30_000 },
    );
    return r.stdout;
  }

  before(async () => {
    ({ swarm } = await labSwarm());
    await addLabHost(swarm, 'gamma');
  });
  after(async () => {
    await swarm.delete(name, { purge: true }).catch(() => undefined);
    // If the Swarm could not, remove it behind its back (bounded: LXD's dir pool is slow, not stuck).
    await run('lxc', ['delete', '--force', lxdInstanceName(name)], { timeout: 300_000 }).catch(() => undefined);
    swarm.dispose();
  });

  it('snapshot → change → restore brings the file back, healthy again', async function () {
    await swarm.create({ name, host: 'gamma', image: 'code-swarm-test-code-server' });
    await swarm.waitHealthy(name, { timeoutMs: 180_000 });
    await inInstance(['sh', '-c', 'printf %s "$1" > "$2"', 'sh', 'before', FILE]);

    const snap = await timed(() => swarm.snapshot(name, 'lxd before'));
    assert.equal(snap.value.warning, undefined, 'an LXD snapshot holds the whole instance');
    assert.equal(snap.value.label, 'lxd before');

    await inInstance(['sh', '-c', 'printf %s "$1" > "$2"', 'sh', 'after', FILE]);
    assert.equal(await inInstance(['cat', FILE]), 'after');
    const restore = await timed(() => swarm.restore(name, snap.value.name));
    assert.equal(restore.value.state, 'running');
    assert.equal(await inInstance(['cat', FILE]), 'before');
    assert.equal((await swarm.waitHealthy(name, { timeoutMs: 180_000 })).health, 'healthy');
    await assertLoginWorks(swarm, name);

    assert.deepEqual(
      (await swarm.snapshots(name)).map((s) => [s.name, s.label]),
      [[snap.value.name, 'lxd before']],
    );
    await swarm.deleteSnapshot(name, snap.value.name);
    assert.deepEqual(await swarm.snapshots(name), []);
    this.test!.title += ` [snapshot ${snap.ms} ms, restore ${restore.ms} ms]`;
  });
});
