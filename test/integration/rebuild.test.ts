import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtImageName, containerName } from '../../src/providers/docker/dockerNames.js';
import { dockerExec, lab, labDocker } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { labCli } from '../lab/labCli.js';

interface Made {
  name: string;
  state: string;
  health: string;
}

describe('rebuild: a built instance built again on alpha, its workspace and password kept', function () {
  this.timeout(420_000);
  const docker = labDocker('alpha');
  const tag = `r${process.pid.toString(36)}`;
  let state: string;
  const cli = labCli(() => state);
  const dockerfile = (version: string) => `FROM ${lab().plainImage}\nRUN echo ${version} > /opt/version\n`;

  before(() => {
    state = suiteDir('csw-rebuild-state-');
    const a = lab().hosts.alpha;
    const added = cli('hosts', 'add', 'alpha', '--ssh', `alpha@${a.address}`, '--identity', lab().clientKey);
    assert.equal(added.status, 0, added.stderr);
  });

  after(() => {
    for (const n of [`${tag}-dc`, `${tag}-img`]) cli('delete', n, '--purge');
  });

  it('builds the changed Dockerfile of a devcontainer.json and runs it; the workspace file, password and hardening stay; the old image goes', async () => {
    const dir = suiteDir('csw-rebuild-');
    mkdirSync(join(dir, '.devcontainer'));
    const file = join(dir, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, '{ "build": { "dockerfile": "Dockerfile" }, "containerEnv": { "KEPT": "yes" } }');
    writeFileSync(join(dir, '.devcontainer', 'Dockerfile'), dockerfile('v1'));
    const name = `${tag}-dc`;
    const made = cli('--json', 'create', name, '--host', 'alpha', '--devcontainer', file);
    assert.equal(made.status, 0, made.stderr);
    const before = await docker.getContainer(containerName(name)).inspect();
    assert.equal((await dockerExec(docker, before.Id, ['cat', '/opt/version'])).trim(), 'v1');
    await dockerExec(docker, before.Id, ['sh', '-c', 'echo mine > /home/coder/project/kept']);
    const password = cli('password', name).stdout.trim();
    assert.match(password, /^[A-Za-z0-9]{32}$/);

    writeFileSync(join(dir, '.devcontainer', 'Dockerfile'), dockerfile('v2'));
    const r = cli('--json', 'rebuild', name);
    assert.equal(r.status, 0, r.stderr);
    const view = JSON.parse(r.stdout) as Made;
    assert.equal(view.state, 'running');
    assert.equal(view.health, 'healthy');

    const after = await docker.getContainer(containerName(name)).inspect();
    assert.notEqual(after.Id, before.Id, 'a new container');
    assert.notEqual(after.Image, before.Image, 'from a new image');
    assert.equal((await dockerExec(docker, after.Id, ['cat', '/opt/version'])).trim(), 'v2');
    assert.equal((await dockerExec(docker, after.Id, ['cat', '/home/coder/project/kept'])).trim(), 'mine', 'the workspace stays');
    assert.equal(cli('password', name).stdout.trim(), password, 'the password stays');
    assert.ok(after.Config.Env.includes('KEPT=yes'), 'its env stays');
    assert.deepEqual(after.HostConfig.CapDrop, ['ALL']);
    assert.ok(after.HostConfig.SecurityOpt?.includes('no-new-privileges'));
    assert.doesNotMatch(after.Config.User, /^(root|0)?(:|$)/);
    assert.ok(
      Object.values(after.HostConfig.PortBindings ?? {})
        .flat()
        .every((b) => (b as { HostIp: string }).HostIp === '127.0.0.1'),
      'loopback only',
    );
    // The image it ran before is gone (its layers may stay as cache); only the new build is tagged.
    await assert.rejects(docker.getImage(before.Image).inspect(), /no such image/i);
    assert.equal((await docker.getImage(builtImageName(name)).inspect()).Id, after.Image);
  });

  it('a rebuild that fails leaves the instance as it was, running, with the build log tail in one line', async () => {
    const name = `${tag}-dc`;
    const running = await docker.getContainer(containerName(name)).inspect();
    // The record says where it was built from; break that project's Dockerfile.
    const store = JSON.parse(readFileSync(join(state, 'swarm.json'), 'utf8')) as {
      instances: { name: string; rebuildFrom?: { devcontainer?: string } }[];
    };
    const rebuildFrom = store.instances.find((i) => i.name === name)?.rebuildFrom;
    assert.ok(rebuildFrom?.devcontainer, 'the record says where it was built from');
    writeFileSync(join(rebuildFrom.devcontainer, '..', 'Dockerfile'), `FROM ${lab().plainImage}\nRUN exit 3\n`);
    const r = cli('rebuild', name);
    assert.notEqual(r.status, 0);
    const last = r.stderr.trim().split('\n').pop() ?? '';
    assert.match(last, /^code-swarm: The build of .* failed/);
    const still = await docker.getContainer(containerName(name)).inspect();
    assert.equal(still.Id, running.Id, 'the same container');
    assert.equal(still.State.Running, true);
    const health = JSON.parse(cli('--json', 'health', name).stdout) as { health: string };
    assert.equal(health.health, 'healthy');
  });

  it('refuses an instance that was not built, in one line, before asking the host', () => {
    const name = `${tag}-img`;
    assert.equal(cli('create', name, '--host', 'alpha', '--image', lab().lightImage, '--no-wait').status, 0);
    const r = cli('rebuild', name);
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /was not built, so there is nothing to rebuild/);
    const missing = cli('rebuild', `${tag}-nosuch`);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nosuch/);
  });
});
