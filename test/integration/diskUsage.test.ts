import assert from 'node:assert/strict';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { dockerExecResult, lab, labConnection, labDocker, uniqueName } from '../lab/lab.js';
import { cliAddLabHost, labCli, purgeAll } from '../lab/labCli.js';
import { suiteDir } from '../support/suiteArtifacts.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

interface StatsJson {
  name: string;
  memoryBytes: number;
  diskUsedBytes?: number;
  diskLimitBytes?: number;
}

/**
 * Disk used beside the quota (docs/DISK.md, issue #21): `stats` reads it from
 * the engine — LXD's root disk usage on the lab's btrfs pool, Docker's
 * writable layer (SizeRw) — and a write inside the instance shows in it.
 */
describe('disk used: stats', function () {
  this.timeout(420_000);
  let state: string;
  const cli = labCli(() => state);
  const stats = (name: string): StatsJson => {
    const r = cli('--json', 'stats', name);
    assert.equal(r.status, 0, r.stderr);
    const [one] = JSON.parse(r.stdout) as StatsJson[];
    assert.equal(one?.name, name);
    return one!;
  };
  let gamma: SshHostLink;

  before(() => {
    state = suiteDir('csw-disk-used-state-');
    for (const host of ['alpha', 'gamma'] as const) cliAddLabHost(cli, host);
    gamma = new SshHostLink(labConnection('gamma'));
  });

  after(() => {
    purgeAll(cli);
    gamma.dispose();
  });

  it("shows an LXD instance's writes in its disk use, as LXD reports it, beside its quota", async () => {
    const name = uniqueName('du');
    const made = cli('create', name, '--host', 'gamma', '--image', lab().lxdImage, '--disk', '2g');
    assert.equal(made.status, 0, made.stderr);
    const lxd = lxdInstanceName(name);
    const before = stats(name);
    assert.equal(before.diskLimitBytes, 2 * GIB);
    assert.equal(typeof before.diskUsedBytes, 'number', 'the btrfs pool reports a root usage');
    // sync: btrfs counts the written extents against the instance at the commit.
    const write = await gamma.exec(
      [
        'lxc',
        'exec',
        lxd,
        '--',
        'sh',
        '-c',
        'dd if=/dev/urandom of=/home/coder/project/fill bs=1M count=300 status=none && sync && echo done',
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(write.stdout.trim(), 'done', write.stderr);
    const after = stats(name);
    const query = await gamma.exec(['lxc', 'query', `/1.0/instances/${lxd}/state`], { timeoutMs: 30_000 });
    const lxdSays = (JSON.parse(query.stdout) as { disk?: { root?: { usage?: number } } }).disk?.root?.usage;
    assert.equal(typeof lxdSays, 'number');
    const grown = after.diskUsedBytes! - before.diskUsedBytes!;
    assert.ok(grown >= 290 * MIB && grown <= 360 * MIB, `grew by ${grown} bytes for 300 MiB written`);
    assert.ok(Math.abs(after.diskUsedBytes! - lxdSays!) <= 8 * MIB, `stats ${after.diskUsedBytes} vs lxc query ${lxdSays}`);
    assert.equal(after.diskLimitBytes, 2 * GIB);

    const table = cli('stats', name);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /BLOCK I\/O\s+DISK\n/);
    assert.match(table.stdout, new RegExp(`^${name}\\s.*\\s\\d+m / 2g$`, 'm'));
  });

  it("shows a Docker container's writes to its writable layer in its disk use (asked by name, no quota)", async () => {
    const name = uniqueName('du');
    const made = cli('create', name, '--host', 'alpha', '--image', lab().lightImage);
    assert.equal(made.status, 0, made.stderr);
    const before = stats(name);
    assert.equal(before.diskLimitBytes, undefined, 'no quota, none reported');
    assert.equal(typeof before.diskUsedBytes, 'number', 'SizeRw is there without a quota');
    const docker = labDocker('alpha');
    const write = await dockerExecResult(docker, containerName(name), [
      'sh',
      '-c',
      'dd if=/dev/urandom of=/tmp/fill bs=1M count=100 2>&1 && sync',
    ]);
    assert.equal(write.code, 0, write.output);
    const grown = stats(name).diskUsedBytes! - before.diskUsedBytes!;
    assert.ok(grown >= 99 * MIB && grown <= 110 * MIB, `grew by ${grown} bytes for 100 MiB written`);

    const all = cli('--json', 'stats', '--host', 'alpha');
    assert.equal(all.status, 0, all.stderr);
    const inRound = (JSON.parse(all.stdout) as StatsJson[]).find((u) => u.name === name);
    assert.equal(inRound?.diskUsedBytes, undefined, 'a round does not size an instance without a quota');
  });
});
