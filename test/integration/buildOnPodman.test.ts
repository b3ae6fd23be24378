import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { dockerExec, lab, labDocker } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { labCli } from '../lab/labCli.js';

/** A build context with one Dockerfile FROM the lab's plain image (no code-server, no network needed). */
function context(dockerfile: string): string {
  const dir = suiteDir('csw-podbuild-');
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

// The same build path as Docker's (the compat API's /build), in Podman's words
// ("STEP 2/3:"), on a Podman that has no catatonit: code-server is brought in
// with the volume's own init.
describe('build on the host: create --dockerfile on a Podman host (epsilon)', function () {
  this.timeout(420_000);
  const docker = labDocker('epsilon');
  const tag = `p${process.pid.toString(36)}`;
  let state: string;
  const cli = labCli(() => state);

  before(() => {
    state = suiteDir('csw-podbuild-state-');
    const e = lab().hosts.epsilon;
    const added = cli('hosts', 'add', 'epsilon', '--ssh', `${e.user}@${e.address}`, '--identity', lab().clientKey);
    assert.equal(added.status, 0, added.stderr);
  });

  after(() => {
    for (const n of [`${tag}-1`, `${tag}-bad`]) cli('delete', n, '--purge');
  });

  it('builds over SSH with its steps shown; the healthy instance has what the Dockerfile added; delete --purge takes the image', async () => {
    const dir = context(`FROM ${lab().plainImage}\nARG GREETING=hello\nRUN echo "$GREETING" > /opt/greeting\n`);
    const name = `${tag}-1`;
    const r = cli('create', name, '--host', 'epsilon', '--dockerfile', join(dir, 'Dockerfile'), '--build-arg', 'GREETING=from podman');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^Step 3\/\d+: RUN echo/m, "Podman's steps (STEP 3/4: its label is a step too) reach the user");
    assert.match(r.stdout, new RegExp(`^${name} on epsilon: running, healthy$`, 'm'));
    const info = await docker.getContainer(containerName(name)).inspect();
    assert.equal(info.Config.Entrypoint?.[0], '/opt/code-swarm/cs/init', 'code-server brought in, with its own init');
    assert.equal((await dockerExec(docker, info.Id, ['cat', '/opt/greeting'])).trim(), 'from podman');
    const list = JSON.parse(cli('--json', 'list').stdout) as { name: string; image: string; health?: string }[];
    assert.equal(list.find((i) => i.name === name)?.image, `code-swarm-build/${name}:latest`);
    assert.equal(cli('delete', name, '--purge').status, 0);
    await assert.rejects(docker.getImage(`code-swarm-build/${name}:latest`).inspect(), /no such image|image not known/i);
    await assert.rejects(docker.getVolume(volumeName(name)).inspect(), /no such volume/i);
  });

  it('a failing Dockerfile leaves a failed record with the log tail, and no container, volume or image of ours', async () => {
    const dir = context(`FROM ${lab().plainImage}\nRUN echo about to fail && exit 3\n`);
    const name = `${tag}-bad`;
    const r = cli('create', name, '--host', 'epsilon', '--dockerfile', join(dir, 'Dockerfile'));
    assert.notEqual(r.status, 0);
    const last = r.stderr.trim().split('\n').pop() ?? '';
    assert.match(
      last,
      new RegExp(`^code-swarm: The build of code-swarm-build/${name}:latest on epsilon failed at STEP 2/\\d+: RUN echo about to fail`),
    );
    const rec = (JSON.parse(cli('--json', 'list').stdout) as { name: string; state: string; buildLogTail?: string }[]).find(
      (i) => i.name === name,
    );
    assert.equal(rec?.state, 'failed');
    assert.match(rec?.buildLogTail ?? '', /about to fail/);
    await assert.rejects(docker.getContainer(containerName(name)).inspect(), /no such container/i);
    await assert.rejects(docker.getVolume(volumeName(name)).inspect(), /no such volume/i);
    await assert.rejects(docker.getImage(`code-swarm-build/${name}:latest`).inspect(), /no such image|image not known/i);
  });
});
