import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { dockerExec, lab, labDocker } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { CLI, labCli } from '../lab/labCli.js';

/** A build context: a Dockerfile FROM the lab's light image (no code-server, no network needed), and a .dockerignore. */
function context(dockerfile: string, files: Record<string, string> = {}): string {
  const dir = suiteDir('csw-build-');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('build on the host: create --dockerfile over SSH (alpha)', function () {
  this.timeout(420_000);
  const docker = labDocker('alpha');
  const tag = `b${process.pid.toString(36)}`;
  let state: string;
  const cli = labCli(() => state);
  const ours = async () =>
    (await docker.listContainers({ all: true })).map((c) => c.Id).filter((id) => !existing.has(id)) as readonly string[];
  let existing = new Set<string>();

  before(async () => {
    state = suiteDir('csw-build-state-');
    const a = lab().hosts.alpha;
    const added = cli('hosts', 'add', 'alpha', '--ssh', `alpha@${a.address}`, '--identity', lab().clientKey);
    assert.equal(added.status, 0, added.stderr);
    existing = new Set((await docker.listContainers({ all: true })).map((c) => c.Id));
  });

  after(() => {
    for (const n of [`${tag}-1`, `${tag}-2`, `${tag}-bad`, `${tag}-cancel`]) cli('delete', n, '--purge');
  });

  const good = () =>
    context(
      [
        `FROM ${lab().plainImage}`,
        'ARG GREETING=hello',
        'COPY . /opt/ctx/',
        'RUN echo "$GREETING" > /opt/greeting && mkdir -p /opt/tool && printf "#!/bin/sh\\necho tool-ok\\n" > /opt/tool/tool && chmod 755 /opt/tool/tool',
        '',
      ].join('\n'),
      { '.dockerignore': 'secret.txt\n', 'secret.txt': 'not for the host\n', 'kept.txt': 'sent\n' },
    );

  it('builds over SSH streaming its steps; the instance has what the Dockerfile added (code-server brought in); a second create reuses the cache', () => {
    const dir = good();
    const first = cli('create', `${tag}-1`, '--host', 'alpha', '--dockerfile', join(dir, 'Dockerfile'), '--build-arg', 'GREETING=hi there');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /^Step 1\/\d+: FROM code-swarm-test\/plain:1$/m);
    assert.match(first.stderr, /^Step 4\/\d+: RUN echo/m);
    assert.ok(first.stderr.indexOf('Step 1/') < first.stderr.indexOf('Step 4/'), 'steps stream in order');
    assert.match(first.stdout, new RegExp(`^${tag}-1 on alpha: running, healthy$`, 'm'));
    const second = cli(
      'create',
      `${tag}-2`,
      '--host',
      'alpha',
      '--dockerfile',
      join(dir, 'Dockerfile'),
      '--build-arg',
      'GREETING=hi there',
    );
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /Using cache/, 'the engine reused the first build');
  });

  it('the built instance has the file, the build argument and the tool; the ignored file never left this machine', async () => {
    const id = (await docker.getContainer(containerName(`${tag}-1`)).inspect()).Id;
    const out = await dockerExec(docker, id, ['sh', '-c', 'cat /opt/greeting; /opt/tool/tool; ls /opt/ctx']);
    assert.match(out, /^hi there\ntool-ok\n/);
    assert.match(out, /kept\.txt/);
    assert.doesNotMatch(out, /secret\.txt/);
    const list = JSON.parse(cli('--json', 'list').stdout) as { name: string; image: string }[];
    assert.equal(list.find((i) => i.name === `${tag}-1`)?.image, `code-swarm-build/${tag}-1:latest`);
    // Deleting with --purge takes the instance's built image too (its layers stay as cache for the other).
    assert.equal(cli('delete', `${tag}-2`, '--purge').status, 0);
    await assert.rejects(docker.getImage(`code-swarm-build/${tag}-2:latest`).inspect(), /no such image/i);
    await docker.getImage(`code-swarm-build/${tag}-1:latest`).inspect();
  });

  it('a failing Dockerfile leaves a failed record with the log tail, and no container, volume or image of ours', async () => {
    const dir = context(`FROM ${lab().plainImage}\nRUN echo about to fail && exit 3\n`);
    const name = `${tag}-bad`;
    const r = cli('create', name, '--host', 'alpha', '--dockerfile', join(dir, 'Dockerfile'));
    assert.notEqual(r.status, 0);
    const last = r.stderr.trim().split('\n').pop() ?? '';
    assert.match(
      last,
      new RegExp(
        `^code-swarm: The build of code-swarm-build/${name}:latest on alpha failed at Step 2/\\d+ : RUN echo about to fail && exit 3: .*non-zero code: 3`,
      ),
    );
    const rec = (JSON.parse(cli('--json', 'list').stdout) as { name: string; state: string; buildLogTail?: string }[]).find(
      (i) => i.name === name,
    );
    assert.equal(rec?.state, 'failed');
    assert.match(rec?.buildLogTail ?? '', /about to fail/);
    await assert.rejects(docker.getContainer(containerName(name)).inspect(), /no such container/i);
    await assert.rejects(docker.getVolume(volumeName(name)).inspect(), /no such volume/i);
    await assert.rejects(docker.getImage(`code-swarm-build/${name}:latest`).inspect(), /no such image/i);
    const left = await ours();
    const mine = await Promise.all(left.map((id) => docker.getContainer(id).inspect()));
    assert.deepEqual(
      mine.filter((c) => !c.Name.startsWith(`/code-swarm-${tag}-`)).map((c) => `${c.Name} ${c.Config.Image}`),
      [],
      'no intermediate container of the build stays',
    );
  });

  it('Ctrl-C stops a build on the host and leaves nothing of it', async () => {
    const dir = context(`FROM ${lab().plainImage}\nRUN sleep 120\n`);
    const name = `${tag}-cancel`;
    const child = spawn(
      process.execPath,
      [
        CLI,
        '--state-dir',
        state,
        '--known-hosts',
        lab().knownHosts,
        'create',
        name,
        '--host',
        'alpha',
        '--dockerfile',
        join(dir, 'Dockerfile'),
      ],
      {
        env: { ...process.env, SSH_AUTH_SOCK: '' },
      },
    );
    let stderr = '';
    const started = Date.now();
    await new Promise<void>((resolveStep, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
        if (/Step 2\/\d+: RUN sleep 120/.test(stderr)) resolveStep();
      });
      child.on('exit', () => reject(new Error(`exited before the build's second step: ${stderr}`)));
    });
    // The step's container starts just after the line.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.ok(Date.now() - started < 60_000, 'the build did not run to its end');
    assert.notEqual(code, 0);
    assert.match(stderr, /code-swarm: Cancelled/);
    const rec = (JSON.parse(cli('--json', 'list').stdout) as { name: string }[]).find((i) => i.name === name);
    assert.equal(rec, undefined, 'a cancelled create leaves no record');
    // The engine notices its client went and removes the step's container.
    const deadline = Date.now() + 30_000;
    let sleeping: string[];
    do {
      const cs = await docker.listContainers({ all: true });
      sleeping = cs.filter((c) => c.Command.includes('sleep 120')).map((c) => c.Id);
      if (sleeping.length === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    } while (Date.now() < deadline);
    assert.deepEqual(sleeping, [], 'the build step container is gone');
    await assert.rejects(docker.getImage(`code-swarm-build/${name}:latest`).inspect(), /no such image/i);
  });
});
