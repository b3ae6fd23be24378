import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDevcontainer } from '../../../src/core/devcontainerFile.js';
import { validateBuild } from '../../../src/core/validateBuild.js';
import { SwarmError } from '../../../src/shared/errors.js';

describe('readDevcontainer', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'csw-dc-'));
    mkdirSync(join(dir, 'proj', '.devcontainer'), { recursive: true });
    writeFileSync(join(dir, 'proj', '.devcontainer', 'Dockerfile'), 'FROM x\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a devcontainer.json into proj/.devcontainer and reads it back with a fixed local environment. */
  const read = (text: string, env: NodeJS.ProcessEnv = { HOME: '/home/me', TOKEN: 't0k' }) => {
    const file = join(dir, 'proj', '.devcontainer', `dc${n++}.json`);
    writeFileSync(file, text);
    return readDevcontainer(file, dir, env);
  };
  const refusal = (text: string): string => {
    try {
      read(text);
    } catch (e) {
      assert.ok(e instanceof SwarmError && e.code === 'invalid-input', String(e));
      const line = e.oneLine();
      assert.doesNotMatch(line, /\n/);
      return line;
    }
    throw new Error('accepted');
  };

  it('takes JSONC (comments, trailing commas) and an image, env, ports, limits, user and a string command', () => {
    const plan = read(`{
      // a comment
      "name": "demo",
      "image": "debian:12",
      /* another */
      "containerEnv": { "GREETING": "hi", "SHARED": "container" },
      "remoteEnv": { "SHARED": "remote", "FROM_HERE": "\${localEnv:TOKEN}", "DROPPED": null },
      "forwardPorts": [3000, "8080", 3000],
      "hostRequirements": { "cpus": 2, "memory": "4gb", "gpu": true },
      "remoteUser": "vscode",
      "postCreateCommand": "echo ok > \${containerWorkspaceFolder}/made",
    }`);
    assert.equal(plan.image, 'debian:12');
    assert.equal(plan.build, undefined);
    assert.deepEqual(plan.env, ['GREETING=hi', 'SHARED=remote', 'FROM_HERE=t0k']);
    assert.deepEqual(plan.forwardPorts, [3000, 8080]);
    assert.equal(plan.cpus, 2);
    assert.equal(plan.memory, '4gb');
    assert.equal(plan.gpus, 'all');
    assert.equal(plan.user, 'vscode');
    assert.deepEqual(plan.postCreateCommands, [['/bin/sh', '-c', 'echo ok > /home/coder/project/made']]);
    assert.deepEqual(plan.unsupported, []);
  });

  it('resolves build.dockerfile and build.context from the devcontainer.json folder, as the spec says', () => {
    const plan = read('{ "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "V": "${localEnv:TOKEN}" } } }');
    assert.deepEqual(plan.build, {
      dockerfile: join(dir, 'proj', '.devcontainer', 'Dockerfile'),
      context: join(dir, 'proj'),
      buildArgs: ['V=t0k'],
    });
    // What the build path makes of it: the Dockerfile relative to the context.
    assert.equal(validateBuild(plan.build!).dockerfile, '.devcontainer/Dockerfile');
    // No context: the file's own folder; the older top-level spelling too.
    assert.equal(read('{ "dockerFile": "Dockerfile" }').build?.context, join(dir, 'proj', '.devcontainer'));
  });

  it('reports by name what it does not do, and stays silent about editor-only settings', () => {
    const plan = read(
      `{
      "image": "debian:12",
      "features": { "ghcr.io/devcontainers/features/node:1": {} },
      "runArgs": ["--privileged"],
      "postStartCommand": "x",
      "dockerComposeFile": "compose.yml",
      "someFutureKey": 1,
      "forwardPorts": ["db:5432"],
      "build": undefined,
      "hostRequirements": { "storage": "32gb", "gpu": "optional" },
      "remoteEnv": { "PATH": "\${containerEnv:PATH}:/opt/bin" },
      "mounts": [{ "type": "tmpfs", "target": "/tmp/x" }, "source=\${localWorkspaceFolder}/cache,target=/cache,type=bind"],
      "customizations": { "vscode": { "extensions": ["ms-python.python"], "settings": {} } },
      "portsAttributes": { "3000": { "label": "app" } },
    }`.replace('"build": undefined,', ''),
    );
    assert.deepEqual(plan.unsupported, [
      'remoteEnv.PATH (${containerEnv:PATH})',
      'mounts.0 (type tmpfs)',
      'mounts.1 (a path on this machine)',
      'hostRequirements.storage',
      'hostRequirements.gpu "optional"',
      'forwardPorts "db:5432"',
      'features',
      'runArgs',
      'postStartCommand',
      'dockerComposeFile',
      'someFutureKey',
      'customizations.vscode.extensions',
    ]);
    assert.deepEqual(plan.env, []);
    assert.deepEqual(plan.mounts, []);
    assert.equal(plan.gpus, undefined);
  });

  it('turns both mount forms into --mount values, checked like them', () => {
    const plan = read(`{ "image": "x", "mounts": [
      "source=cache-vol,target=/home/coder/.cache,type=volume",
      "src=/srv/data,dst=/data,type=bind,readonly",
      { "source": "other", "target": "/mnt/other", "type": "volume" }
    ] }`);
    assert.deepEqual(plan.mounts, ['cache-vol:/home/coder/.cache', '/srv/data:/data:ro', 'other:/mnt/other']);
    assert.match(
      refusal('{ "image": "x", "mounts": ["source=v,target=/home/coder/project,type=volume"] }'),
      /dc\d+\.json: mounts\.0 is refused: target "\/home\/coder\/project" would cover/,
    );
    assert.match(refusal('{ "image": "x", "mounts": ["source=v,type=volume"] }'), /mounts\.0 has no target/);
    assert.match(
      refusal('{ "image": "x", "mounts": ["source=rel/dir,target=/d,type=bind"] }'),
      /mounts\.0 is a bind whose source is not an absolute path/,
    );
  });

  it('runs the object form of postCreateCommand one after another; an array is an argv', () => {
    assert.deepEqual(read('{ "image": "x", "postCreateCommand": { "a": "echo a", "b": ["touch", "/tmp/b"] } }').postCreateCommands, [
      ['/bin/sh', '-c', 'echo a'],
      ['touch', '/tmp/b'],
    ]);
    assert.deepEqual(read('{ "image": "x", "postCreateCommand": ["echo", "${HOME}"] }').postCreateCommands, [['echo', '${HOME}']]);
  });

  it('refuses bad JSONC, bad fields and a file with no image, in one line naming the file and where', () => {
    assert.match(refusal('{ "image": "x" '), /dc\d+\.json: not valid JSON with comments at line 1, column \d+ \(CloseBraceExpected\)/);
    assert.match(refusal('{\n  "image": "x",\n  "forwardPorts": [1,, 2]\n}'), /at line 3, column 22 \(ValueExpected\)/);
    assert.match(refusal('[1]'), /\(top level\) is not an object/);
    assert.match(refusal('{ "image": 12 }'), /dc\d+\.json: image is not valid: expected string, received number/);
    assert.match(refusal('{ "image": "x", "containerEnv": { "A": 1 } }'), /: containerEnv\.A /);
    assert.match(refusal('{ "image": "x", "forwardPorts": [70000] }'), /: forwardPorts\.0 70000 is not a port/);
    assert.match(refusal('{ "image": "x", "hostRequirements": { "cpus": -1 } }'), /: hostRequirements\.cpus /);
    assert.match(
      refusal('{ "image": "x", "containerEnv": { "PASSWORD": "p" } }'),
      /: containerEnv\.PASSWORD is reserved: code-server's login reads it — Pick another name/,
    );
    assert.match(refusal('{ "image": "x", "containerEnv": { "A": "two\\nlines" } }'), /: containerEnv\.A value holds a control character/);
    assert.match(refusal('{ "name": "nothing" }'), /: image is missing, and so is build\.dockerfile/);
    assert.match(refusal('{ "dockerComposeFile": "c.yml", "service": "app" }'), /: dockerComposeFile is not supported/);
    assert.match(refusal('{ "image": "x", "build": { "dockerfile": "Dockerfile" } }'), /: image and build\.dockerfile are both given/);
    assert.throws(() => readDevcontainer(join(dir, 'nope.json'), dir), /devcontainer file ".*nope\.json" does not exist/);
    assert.throws(() => readDevcontainer(dir, dir), /is a folder/);
    assert.throws(() => readDevcontainer('a\nb', dir), /is not a usable path/);
  });
});
