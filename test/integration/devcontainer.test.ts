import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { openAsBrowser, visit } from '../lab/browserVisit.js';
import { dockerExec, lab, labDocker } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { CLI, labCli } from '../lab/labCli.js';

interface Listed {
  name: string;
  state: string;
  forwardPorts?: number[];
  unsupported?: string[];
  buildLogTail?: string;
  env?: string[];
}

/** A project with .devcontainer/{devcontainer.json,Dockerfile}; the Dockerfile builds FROM the lab's plain image (no network). */
function project(devcontainer: string): string {
  const dir = suiteDir('csw-dc-');
  mkdirSync(join(dir, '.devcontainer'), { recursive: true });
  writeFileSync(
    join(dir, '.devcontainer', 'Dockerfile'),
    `FROM ${lab().plainImage}\nARG GREETING=unset\nCOPY readme.txt /opt/project-readme.txt\nRUN echo "$GREETING" > /opt/built\n`,
  );
  writeFileSync(join(dir, 'readme.txt'), 'from the context\n');
  writeFileSync(join(dir, '.devcontainer', 'devcontainer.json'), devcontainer);
  return join(dir, '.devcontainer', 'devcontainer.json');
}

describe('create --devcontainer: a devcontainer.json built on alpha over SSH', function () {
  this.timeout(420_000);
  const docker = labDocker('alpha');
  const tag = `d${process.pid.toString(36)}`;
  let state: string;
  const cli = labCli(() => state);
  const listed = (name: string) => (JSON.parse(cli('--json', 'list').stdout) as Listed[]).find((i) => i.name === name);

  before(() => {
    state = suiteDir('csw-dc-state-');
    const a = lab().hosts.alpha;
    const added = cli('hosts', 'add', 'alpha', '--ssh', `alpha@${a.address}`, '--identity', lab().clientKey);
    assert.equal(added.status, 0, added.stderr);
  });

  after(() => {
    for (const n of [`${tag}-ok`, `${tag}-post`, `${tag}-bad`]) cli('delete', n, '--purge');
  });

  it('builds it, runs postCreateCommand once with the env, keeps forwardPorts and reports what it did not do', async () => {
    const file = project(`{
      // JSONC: comments and trailing commas, as VS Code writes them
      "name": "demo",
      "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "GREETING": "built-hi" } },
      "containerEnv": { "DC_GREETING": "hello-dc" },
      "remoteEnv": { "DC_REMOTE": "remote-\${localEnv:DC_TEST_LOCAL}" },
      "forwardPorts": [3000, "db:5432"],
      "features": { "ghcr.io/devcontainers/features/node:1": {} },
      "postCreateCommand": "echo post-create-ran && echo \\"$DC_GREETING $DC_REMOTE $(id -u)\\" >> \${containerWorkspaceFolder}/post-created",
    }`);
    const name = `${tag}-ok`;
    const r = spawnSync(
      process.execPath,
      [CLI, '--state-dir', state, '--known-hosts', lab().knownHosts, '--json', 'create', name, '--host', 'alpha', '--devcontainer', file],
      {
        encoding: 'utf8',
        timeout: 400_000,
        env: { ...process.env, SSH_AUTH_SOCK: '', DC_TEST_LOCAL: 'from-here' },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const made = JSON.parse(r.stdout) as Listed & { health: string };
    assert.equal(made.state, 'running');
    assert.equal(made.health, 'healthy');
    assert.deepEqual(made.forwardPorts, [3000]);
    assert.deepEqual(made.unsupported, ['forwardPorts "db:5432"', 'features']);
    assert.deepEqual(made.env?.sort(), ['DC_GREETING', 'DC_REMOTE']);
    assert.match(r.stderr, /^Not supported, left out: forwardPorts "db:5432", features$/m);

    const id = (await docker.getContainer(containerName(name)).inspect()).Id;
    const out = await dockerExec(docker, id, [
      'sh',
      '-c',
      'cat /opt/built /opt/project-readme.txt /home/coder/project/post-created; echo "env=$DC_GREETING"',
    ]);
    assert.equal(out, 'built-hi\nfrom the context\nhello-dc remote-from-here 1000\nenv=hello-dc\n');
    const log = await dockerExec(docker, id, ['sh', '-c', 'cat "$HOME/.code-swarm/postCreateCommand.log"']);
    assert.match(log, /^post-create-ran$/m, 'a copy of its output is kept in the instance');
    // Kept on the record: list shows it after the create.
    assert.deepEqual(listed(name)?.forwardPorts, [3000]);
    assert.deepEqual(listed(name)?.unsupported, ['forwardPorts "db:5432"', 'features']);
    // Once: a restart does not run it again.
    assert.equal(cli('restart', name).status, 0);
    const after = await dockerExec(docker, id, ['cat', '/home/coder/project/post-created']);
    assert.equal(after, 'hello-dc remote-from-here 1000\n');
  });

  it('opens its forwarded port through the tunnel, logged in (code-swarm open --proxy-port)', async () => {
    const name = `${tag}-ok`;
    const port = listed(name)?.forwardPorts?.[0];
    assert.equal(port, 3000, 'the port the devcontainer.json forwards');
    // An app on that port inside the instance, on its loopback; node is the one brought in with code-server.
    const id = (await docker.getContainer(containerName(name)).inspect()).Id;
    await dockerExec(docker, id, [
      'sh',
      '-c',
      `nohup "$(command -v node || echo /opt/code-swarm/cs/node)" -e 'require("http").createServer((q, s) => s.end("dc-app saw " + q.url)).listen(${port}, "127.0.0.1")' >/tmp/dc-app.log 2>&1 &`,
    ]);
    const child = spawn(
      process.execPath,
      [CLI, '--json', '--state-dir', state, '--known-hosts', lab().knownHosts, 'open', name, '--proxy-port', String(port)],
      {
        env: { ...process.env, SSH_AUTH_SOCK: '' },
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    try {
      for (const deadline = Date.now() + 60_000; !stdout.includes('\n');) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail('no URL from code-swarm open');
        await new Promise((r) => setTimeout(r, 50));
      }
      const { url } = JSON.parse(stdout.split('\n')[0] ?? '') as { url: string };
      // As a browser: the token buys the cookie, then the app answers at its root through code-server's proxy (once it listens).
      const { cookie, path } = await openAsBrowser(url);
      let body = '';
      for (let i = 0; i < 40 && !body.startsWith('dc-app'); i++) {
        body = (await visit(new URL(path, url).toString(), cookie)).body;
        if (!body.startsWith('dc-app')) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(body, 'dc-app saw /');
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a failing postCreateCommand fails the create with its output’s tail, leaving a failed record and no container or volume', async () => {
    // The engine copies stdout and stderr apart, so lines of the two only keep their order when time separates them.
    const file = project(
      JSON.stringify({ image: lab().plainImage, postCreateCommand: ['sh', '-c', 'echo setting up; sleep 1; echo it broke >&2; exit 7'] }),
    );
    const name = `${tag}-post`;
    const r = cli('create', name, '--host', 'alpha', '--devcontainer', file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^ {2}setting up$/m, 'its output streams while it runs');
    const last = r.stderr.trim().split('\n').pop() ?? '';
    assert.match(
      last,
      /^code-swarm: postCreateCommand "sh -c echo setting up; sleep 1; echo it broke >&2; exit 7" failed with exit code 7: it broke — Fix the command/,
    );
    const rec = listed(name);
    assert.equal(rec?.state, 'failed');
    assert.match(rec?.buildLogTail ?? '', /setting up\nit broke/);
    await assert.rejects(docker.getContainer(containerName(name)).inspect(), /no such container/i);
    await assert.rejects(docker.getVolume(volumeName(name)).inspect(), /no such volume/i);
    assert.equal(cli('delete', name).status, 0);
  });

  it('a bad devcontainer.json is refused in one line (exit 2) and nothing is made', async () => {
    const file = project('{ "image": "x", "forwardPorts": [3000,, 1] }');
    const name = `${tag}-bad`;
    const r = cli('create', name, '--host', 'alpha', '--devcontainer', file);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] ?? '',
      /^code-swarm: .*\/\.devcontainer\/devcontainer\.json: not valid JSON with comments at line 1, column 39 \(ValueExpected\)/,
    );
    const both = cli('create', name, '--host', 'alpha', '--devcontainer', file, '--image', 'x');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /Give --devcontainer, or --image \/ --dockerfile, not both/);
    assert.equal(listed(name), undefined);
    await assert.rejects(docker.getContainer(containerName(name)).inspect(), /no such container/i);
  });
});
