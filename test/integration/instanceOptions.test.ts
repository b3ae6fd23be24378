import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Swarm } from '../../src/core/swarm.js';
import { SwarmError } from '../../src/shared/errors.js';
import { TAG_LABEL_PREFIX } from '../../src/providers/common/labels.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { failsWith } from '../lab/failsWith.js';
import { addLabHost, dockerExec, dockerExecResult, lab, labConnection, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { recordError } from '../support/suiteArtifacts.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');

/** A value that stands for a secret: it must reach the instance and nothing else Code Swarm writes. */
const SECRET = `s3cr3t-${process.pid}-value`;

/** A directory of this machine, which the lab's hosts share (their namespaces keep this file system). */
function sharedDir(): string {
  const dir = mkdtempSync('/tmp/csw-mount-');
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'hello.txt'), 'from the host\n');
  chmodSync(join(dir, 'hello.txt'), 0o644);
  return dir;
}

/** A refusal that is one line, and was recorded for the secret audit. */
async function refusedInOneLine(p: Promise<unknown>, pattern: RegExp): Promise<SwarmError> {
  try {
    await p;
  } catch (e) {
    recordError('refused', e);
    assert.ok(e instanceof SwarmError, String(e));
    assert.doesNotMatch(e.oneLine(), /[\r\n]/);
    assert.match(e.oneLine(), pattern);
    return e;
  }
  assert.fail('was accepted');
}

/** The same cases for every engine with Docker's API: Docker on alpha, Podman on epsilon. */
function dockerApiOptionCases(host: 'alpha' | 'epsilon', engine: 'Docker' | 'Podman'): void {
  describe(`instance options on ${engine} (${host}): env, tags, mounts, GPUs`, function () {
    this.timeout(180_000);
    let swarm: Swarm;
    let dir: string;
    let shared: string;
    const docker = labDocker(host);

    before(async () => {
      ({ swarm, dir } = await labSwarm());
      await addLabHost(swarm, host);
      shared = sharedDir();
    });
    after(async () => {
      for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
      swarm.dispose();
      rmSync(shared, { recursive: true, force: true });
    });

    it('env reaches code-server, tags become labels and come back, mounts are there and read-only as asked', async () => {
      const name = uniqueName(`opt-${host}`);
      const volume = `${name}-data`;
      const created = await swarm.create({
        name,
        host,
        image: lab().lightImage,
        env: [`API_TOKEN=${SECRET}`, 'GREETING=a b=c'],
        tags: ['team=web', 'stage=prod'],
        mounts: [`${shared}:/mnt/ref:ro`, `${volume}:/home/coder/data`],
      });
      assert.deepEqual(created.tags, { team: 'web', stage: 'prod' });
      const info = await docker.getContainer(containerName(name)).inspect();
      assert.equal(info.Config.Labels[`${TAG_LABEL_PREFIX}team`], 'web');
      assert.equal(info.Config.Labels[`${TAG_LABEL_PREFIX}stage`], 'prod');
      assert.equal(await dockerExec(docker, info.Id, ['printenv', 'API_TOKEN']), `${SECRET}\n`);
      assert.equal(await dockerExec(docker, info.Id, ['printenv', 'GREETING']), 'a b=c\n');
      assert.equal(await dockerExec(docker, info.Id, ['cat', '/mnt/ref/hello.txt']), 'from the host\n');
      const write = await dockerExecResult(docker, info.Id, ['sh', '-c', 'echo x > /mnt/ref/new.txt']);
      assert.notEqual(write.code, 0, 'the read-only mount took a write');
      assert.match(write.output, /read-only/i);
      // As the kernel has them: the bind read-only, the volume read-write.
      const mounts = await dockerExec(docker, info.Id, ['cat', '/proc/mounts']);
      assert.match(mounts, /^\S+ \/mnt\/ref \S+ ro[,\s]/m);
      assert.match(mounts, /^\S+ \/home\/coder\/data \S+ rw[,\s]/m);

      const view = (await swarm.refresh()).find((v) => v.name === name);
      assert.deepEqual(view?.tags, { team: 'web', stage: 'prod' }, 'read back from the labels');
      assert.deepEqual(view?.envNames, ['API_TOKEN', 'GREETING']);
      // Sorted by target: Podman lists them in an order of its own.
      assert.deepEqual(
        view?.mounts?.map((m) => [m.type, m.source, m.target, m.readOnly]).sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
        [
          ['volume', volume, '/home/coder/data', false],
          ['bind', shared, '/mnt/ref', true],
        ],
      );
      // The value went to the engine only: not into the store, not into a label.
      assert.ok(!readFileSync(join(dir, 'swarm.json'), 'utf8').includes(SECRET), 'an env value is in the store');
      assert.ok(!JSON.stringify(info.Config.Labels).includes(SECRET), 'an env value is in a label');

      // A user's volume is theirs: a purge removes the workspace, not it.
      await swarm.delete(name, { purge: true });
      const left = await docker.listVolumes({ filters: { name: [volume] } });
      assert.ok(
        (left.Volumes ?? []).some((v) => v.Name === volume),
        'the named volume survives',
      );
      await docker.getVolume(volume).remove();
    });

    it('a host path that does not exist is refused before anything is written or made', async () => {
      const name = uniqueName(`nopath-${host}`);
      await failsWith(
        swarm.create({ name, host, image: lab().lightImage, mounts: [`${shared}/absent:/mnt/x`] }),
        'invalid-input',
        new RegExp(`--mount source ".*absent" does not exist on ${host}`),
        { hint: true },
      );
      assert.equal(
        (await swarm.views()).some((v) => v.name === name),
        false,
      );
      assert.deepEqual(await docker.listContainers({ all: true, filters: { name: [containerName(name)] } }), []);
    });

    it(`--gpus reaches ${engine} as ${engine === 'Docker' ? 'a device request' : 'a CDI device'}; with no GPU the engine's refusal is one line and nothing is left`, async () => {
      const name = uniqueName(`gpu-${host}`);
      // The lab has no GPU: the engine refuses the spec we sent, in its own words, which we pass on.
      await refusedInOneLine(
        swarm.create({ name, host, image: lab().lightImage, gpus: 'all' }),
        engine === 'Docker' ? /nvidia|gpu|device driver/i : /nvidia\.com\/gpu|CDI|device/i,
      );
      assert.equal(
        (await swarm.views()).some((v) => v.name === name),
        false,
        'no record is left',
      );
      assert.deepEqual(await docker.listContainers({ all: true, filters: { name: [containerName(name)] } }), []);
      assert.deepEqual((await docker.listVolumes({ filters: { name: [`${containerName(name)}-project`] } })).Volumes ?? [], []);
    });

    it('rename keeps the running instance, its password and its workspace; the container keeps the name it was made with', async () => {
      const name = uniqueName(`ren-${host}`);
      const next = uniqueName(`renamed-${host}`);
      // The code-server image: its workspace directory is coder's, so the volume is too.
      await swarm.create({ name, host, image: lab().dockerImage });
      const password = await swarm.password(name);
      const info = await docker.getContainer(containerName(name)).inspect();
      await dockerExec(docker, info.Id, ['sh', '-c', 'echo kept > /home/coder/project/k']);

      const renamed = await swarm.rename(name, next);
      assert.equal(renamed.id, (await swarm.views()).find((v) => v.name === next)?.id);
      assert.equal(renamed.state, 'running', 'a rename does not stop it');
      assert.equal(await swarm.password(next), password);
      assert.equal((await docker.getContainer(containerName(name)).inspect()).Id, info.Id, 'the same container');
      assert.equal((await swarm.restart(next)).state, 'running');
      await swarm.waitHealthy(next, { timeoutMs: 90_000 });
      assert.equal(await dockerExec(docker, info.Id, ['cat', '/home/coder/project/k']), 'kept\n');
      assert.deepEqual(
        (await swarm.refresh()).filter((v) => v.name === next || v.name === name).map((v) => [v.name, v.state]),
        [[next, 'running']],
      );
      await failsWith(swarm.create({ name, host, image: lab().lightImage }), 'conflict', /renamed/);

      await swarm.delete(next, { purge: true });
      assert.deepEqual(await docker.listContainers({ all: true, filters: { name: [containerName(name)] } }), []);
      const volumes = (await docker.listVolumes({ filters: { name: [`${containerName(name)}-project`] } })).Volumes ?? [];
      assert.deepEqual(volumes, [], 'purge found the workspace volume by its old name');
    });
  });
}

dockerApiOptionCases('alpha', 'Docker');
dockerApiOptionCases('epsilon', 'Podman');

describe('instance options on LXD (gamma): env, tags, mounts', function () {
  this.timeout(300_000);
  let swarm: Swarm;
  let shared: string;
  let link: SshHostLink;

  before(async () => {
    ({ swarm } = await labSwarm());
    await addLabHost(swarm, 'gamma');
    shared = sharedDir();
    link = new SshHostLink(labConnection('gamma'));
  });
  after(async () => {
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    swarm.dispose();
    link.dispose();
    rmSync(shared, { recursive: true, force: true });
  });

  it('env reaches code-server, tags are user. keys, a host path is a read-only disk device', async () => {
    const name = uniqueName('opt-lxd');
    const created = await swarm.create({
      name,
      host: 'gamma',
      image: lab().lxdImage,
      env: [`API_TOKEN=${SECRET}`],
      tags: ['team=web'],
      mounts: [`${shared}:/mnt/ref:ro`],
    });
    assert.deepEqual(created.tags, { team: 'web' });
    const lxd = lxdInstanceName(name);
    const config = await link.exec(['lxc', 'config', 'get', lxd, `user.${TAG_LABEL_PREFIX}team`]);
    assert.equal(config.stdout.trim(), 'web');
    // code-server's own process has it: systemd passed LXD's environment on to the service.
    await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    const script =
      'for p in /proc/[0-9]*; do if grep -q entry.js "$p/cmdline" 2>/dev/null; then tr "\\0" "\\n" < "$p/environ"; exit 0; fi; done; exit 1';
    const env = await link.exec(['lxc', 'exec', lxd, '--', 'sh', '-c', script], { timeoutMs: 30_000 });
    assert.ok(env.stdout.split('\n').includes(`API_TOKEN=${SECRET}`), `code-server's environment: ${env.stderr}`);
    const read = await link.exec(['lxc', 'exec', lxd, '--', 'cat', '/mnt/ref/hello.txt'], { timeoutMs: 30_000 });
    assert.equal(read.stdout, 'from the host\n');
    const write = await link.exec(['lxc', 'exec', lxd, '--', 'sh', '-c', 'echo x > /mnt/ref/new.txt'], { timeoutMs: 30_000 });
    assert.notEqual(write.code, 0);
    const view = (await swarm.refresh()).find((v) => v.name === name);
    assert.deepEqual(view?.tags, { team: 'web' });
    assert.deepEqual(view?.mounts, [{ type: 'bind', source: shared, target: '/mnt/ref', readOnly: true }]);
  });

  it('rename keeps the LXD instance (under the name it was made with) and its password; stop and start reach it', async () => {
    const name = uniqueName('ren-lxd');
    const next = uniqueName('renamed-lxd');
    await swarm.create({ name, host: 'gamma', image: lab().lxdImage });
    const password = await swarm.password(name);
    await swarm.rename(name, next);
    assert.equal(await swarm.password(next), password);
    assert.equal((await swarm.stop(next)).state, 'stopped');
    assert.equal((await swarm.start(next)).state, 'running');
    const list = await link.exec(['lxc', 'list', '--format', 'csv', '--columns', 'n']);
    assert.ok(list.stdout.split('\n').includes(lxdInstanceName(name)), 'the LXD instance keeps its name');
    await swarm.delete(next, { purge: true });
    const after = await link.exec(['lxc', 'list', '--format', 'csv', '--columns', 'n']);
    assert.ok(!after.stdout.split('\n').includes(lxdInstanceName(name)), 'delete found it by that name');
  });

  it("--gpus becomes a gpu device; with no GPU LXD's refusal is one line and no instance is left", async () => {
    const name = uniqueName('gpu-lxd');
    await refusedInOneLine(swarm.create({ name, host: 'gamma', image: lab().lxdImage, gpus: 'all' }), /gpu|device/i);
    assert.equal(
      (await swarm.views()).some((v) => v.name === name),
      false,
    );
    const list = await link.exec(['lxc', 'list', '--format', 'csv', '--columns', 'n']);
    assert.ok(!list.stdout.split('\n').includes(lxdInstanceName(name)), 'the LXD instance is gone');
  });
});

describe('instance options through the CLI (dist/cli.js --json) on alpha', function () {
  this.timeout(180_000);
  let swarm: Swarm;
  let dir: string;
  const run = (args: readonly string[]) => {
    const r = spawnSync(process.execPath, [CLI, '--json', '--state-dir', dir, '--known-hosts', lab().knownHosts, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addLabHost(swarm, 'alpha');
  });
  after(async () => {
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  it('create and list print "tags" and the env names; rename prints the instance under its new name', () => {
    const name = uniqueName('cli-opt');
    const next = uniqueName('cli-ren');
    const args = ['create', name, '--host', 'alpha', '--image', lab().lightImage, '--no-wait'];
    const created = JSON.parse(run([...args, '--tag', 'team=cli', '--env', `TOKEN=${SECRET}`, '--env', 'B=1'])) as Record<string, unknown>;
    assert.deepEqual(created['tags'], { team: 'cli' });
    assert.deepEqual(created['env'], ['TOKEN', 'B']);
    const listed = JSON.parse(run(['list'])) as Record<string, unknown>[];
    assert.deepEqual(listed.find((v) => v['name'] === name)?.['tags'], { team: 'cli' });
    const renamed = JSON.parse(run(['rename', name, next])) as Record<string, unknown>;
    assert.equal(renamed['name'], next);
    assert.equal(renamed['id'], created['id']);
    assert.deepEqual(
      (JSON.parse(run(['list'])) as Record<string, unknown>[]).map((v) => v['name']),
      [next],
    );
    assert.ok(!run(['list']).includes(SECRET), 'no env value in the output');
  });
});
