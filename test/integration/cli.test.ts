import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { lab, labDocker, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');

describe('code-swarm CLI against the lab', function () {
  this.timeout(180_000);
  let state: string;
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, '--state-dir', state, '--known-hosts', lab().knownHosts, ...args], {
      encoding: 'utf8',
      timeout: 170_000,
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (...args: string[]) => {
    const r = run('--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown> & Array<Record<string, unknown>>;
  };

  before(() => {
    state = suiteDir('csw-cli-');
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node'), 'the CLI is built (npm run build)');
  });

  it('adds hosts, refusing an unknown host key unless told to accept it', () => {
    const a = lab().hosts.alpha;
    const bare = spawnSync(
      process.execPath,
      [
        CLI,
        '--state-dir',
        state,
        'hosts',
        'add',
        'alpha',
        '--ssh',
        `alpha@${a.address}`,
        '--identity',
        lab().clientKey,
        '--known-hosts',
        '/dev/null',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(bare.status, 1);
    assert.match(bare.stderr, /^code-swarm: The host key of alpha .* is unknown: ssh-ed25519 SHA256:\S+ — .*--accept-new-host-key\)\n$/);
    const host = json('hosts', 'add', 'alpha', '--ssh', `alpha@${a.address}`, '--identity', lab().clientKey);
    assert.deepEqual([host.name, host.kind, host.provider, host.address], ['alpha', 'ssh', 'docker', `alpha@${a.address}:22`]);
    const g = lab().hosts.gamma;
    const trusted = run(
      '--json',
      '--known-hosts',
      '/dev/null',
      '--accept-new-host-key',
      'hosts',
      'add',
      'g2',
      '--ssh',
      `gamma@${g.address}`,
      '--identity',
      lab().clientKey,
    );
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(JSON.parse(trusted.stdout).provider, 'lxd', 'the provider is detected by probing the sockets');
    assert.equal(json('hosts', 'add', 'local', '--local').kind, 'local');
    const list = json('hosts', 'list');
    assert.deepEqual(list.map((h) => h.name).sort(), ['alpha', 'g2', 'local']);
    const test = json('hosts', 'test', 'alpha');
    assert.equal(test.ok, true);
    assert.match(String(test.engineVersion), /Docker/);
    assert.equal(typeof test.latencyMs, 'number');
  });

  it('runs an instance through its whole life with stable --json shapes', () => {
    const name = uniqueName('cli');
    const made = json('create', name, '--host', 'alpha', '--image', lab().dockerImage, '--cpus', '1', '--memory', '1g');
    for (const k of ['id', 'name', 'host', 'provider', 'state', 'health', 'image', 'createdAt']) assert.ok(k in made, k);
    assert.equal(made.health, 'healthy');
    const listed = json('list', '--host', 'alpha');
    assert.equal(listed.find((i) => i.name === name)?.state, 'running');
    const h = json('health', name);
    assert.deepEqual([h.name, h.health, h.httpStatus], [name, 'healthy', 200]);
    assert.equal(json('stop', name).state, 'stopped');
    assert.equal(json('start', name).health, 'healthy');
    assert.equal(json('restart', name).health, 'healthy');
    const logs = run('logs', name, '--tail', '20');
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /HTTP server listening/);
    const pw = json('password', name).password as string;
    assert.ok(pw.length >= 24);
    assert.equal(json('delete', name, '--purge').deleted, true);
    assert.ok(!readFileSync(join(state, 'swarm.json'), 'utf8').includes(pw));
  });

  it('watch prints a stop made on the engine as one JSON line, and ends cleanly on Ctrl-C', async () => {
    const name = uniqueName('cliw');
    json('create', name, '--host', 'alpha', '--image', lab().lightImage, '--cpus', '0.2', '--memory', '64m');
    const child = spawn(
      process.execPath,
      [CLI, '--state-dir', state, '--known-hosts', lab().knownHosts, '--json', 'watch', '--host', 'alpha'],
      {
        env: { ...process.env, SSH_AUTH_SOCK: '' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const until = async (what: string, ok: () => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!ok()) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`${what}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until('the watch to start', () => stderr.includes('watching alpha'));
      await labDocker('alpha').getContainer(containerName(name)).stop({ t: 0 });
      await until('a line for the stop', () => stdout.includes('"to":"stopped"'));
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const mine = lines.filter((l) => l.name === name);
      assert.equal(mine.length, 1, stdout);
      assert.deepEqual([mine[0]?.host, mine[0]?.from, mine[0]?.to, mine[0]?.port], ['alpha', 'running', 'stopped', null]);
      assert.match(String(mine[0]?.at), /^\d{4}-\d\d-\d\dT/);
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill('SIGKILL');
      run('delete', name, '--purge');
    }
  });

  it('fails with one actionable line and a non-zero code', () => {
    const cases: Array<[string[], RegExp, number]> = [
      [['create', 'Bad_Name', '--host', 'alpha'], /name/i, 2],
      [['create', 'ok', '--host', 'nowhere'], /Unknown host "nowhere".*Known hosts/, 1],
      [['create', 'ok', '--host', 'alpha', '--memory', 'lots'], /lots/, 2],
      [['start', 'ghost'], /Unknown instance "ghost".*code-swarm list/, 1],
      [['hosts', 'add', 'x', '--ssh', 'a@b@c'], /./, 2],
      [['frobnicate'], /unknown command/, 2],
      [['list', '--bogus'], /bogus/, 2],
      [['list', '--purge'], /list does not take --purge — usage: code-swarm list \[--host HOST\]/, 2],
    ];
    for (const [args, pattern, code] of cases) {
      const r = run(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, /^code-swarm: /);
    }
  });
});
