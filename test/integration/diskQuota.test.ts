import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { lab, labConnection, labDocker, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { cliAddLabHost, labCli, purgeAll } from '../lab/labCli.js';

/**
 * `create --disk SIZE` (docs/DISK.md): enforced where the host's storage
 * holds a size (the lab's LXD keeps root disks on a btrfs pool), refused in
 * one line, before anything is made, where it would not (the lab's Docker
 * and Podman keep containers with overlay on ext4; Swarm's volumes take no
 * size).
 */
const TESTBED = resolve(__dirname, '../../../scripts/testbed');

describe('disk quotas: create --disk', function () {
  this.timeout(420_000);
  let state: string;
  const cli = labCli(() => state);
  const listed = (name: string) =>
    (JSON.parse(cli('--json', 'list').stdout) as { name: string; diskBytes?: number }[]).find((i) => i.name === name);
  let gamma: SshHostLink;

  before(() => {
    state = suiteDir('csw-disk-state-');
    for (const host of ['alpha', 'epsilon', 'gamma'] as const) cliAddLabHost(cli, host);
    cliAddLabHost(cli, 'solo', '--provider', 'swarm');
    gamma = new SshHostLink(labConnection('gamma'));
  });

  after(() => {
    purgeAll(cli);
    gamma.dispose();
  });

  it("holds an LXD instance's writes to its size: past it, the workspace gets no more room", async () => {
    const name = uniqueName('disk');
    const r = cli('--json', 'create', name, '--host', 'gamma', '--image', lab().lxdImage, '--disk', '2g');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { diskBytes?: number }).diskBytes, 2 * 1024 ** 3);
    assert.equal(listed(name)?.diskBytes, 2 * 1024 ** 3);
    const lxd = lxdInstanceName(name);
    const size = await gamma.exec(['lxc', 'config', 'device', 'get', lxd, 'root', 'size'], { timeoutMs: 30_000 });
    assert.equal(size.stdout.trim(), `${2 * 1024 ** 3}B`, 'the root device has the size');
    // The image's own files count too (~1.1 GB): 1.5 GB more cannot fit in 2 GB.
    const write = await gamma.exec(
      ['lxc', 'exec', lxd, '--', 'sh', '-c', 'dd if=/dev/zero of=/home/coder/project/big bs=1M count=1536 2>&1; echo "exit $?"'],
      { timeoutMs: 180_000 },
    );
    assert.match(write.stdout, /No space left on device|Disk quota exceeded/, write.stdout);
    assert.doesNotMatch(write.stdout, /exit 0$/m);
    // Room again once the file goes: the quota is a limit, not a broken disk.
    const again = await gamma.exec(
      [
        'lxc',
        'exec',
        lxd,
        '--',
        'sh',
        '-c',
        'rm -f /home/coder/project/big && echo ok > /home/coder/project/small && cat /home/coder/project/small',
      ],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(again.stdout.trim(), 'ok');
  });

  for (const host of ['alpha', 'epsilon'] as const) {
    it(`is refused on ${host}, whose engine keeps containers on ext4, in one line, leaving nothing`, async () => {
      const docker = labDocker(host);
      const name = uniqueName('disk');
      const r = cli('create', name, '--host', host, '--disk', '2g');
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0] ?? '',
        new RegExp(
          `^code-swarm: ${host} cannot enforce --disk: (Docker|Podman) keeps containers with overlay2? on extfs, and overlay enforces sizes only on xfs mounted with pquota — `,
        ),
      );
      assert.equal(listed(name), undefined, 'no record');
      await assert.rejects(docker.getContainer(containerName(name)).inspect(), /no such container/i);
      await assert.rejects(docker.getVolume(volumeName(name)).inspect(), /no such volume/i);
      const probes = ((await docker.listVolumes()).Volumes ?? []).filter((v) => v.Name.startsWith('code-swarm-quota-probe-'));
      assert.deepEqual(probes, [], 'no probe volume stays');
    });
  }

  it('is refused on gamma while the kernel enforces no quota on its pool (accounting marked inconsistent), leaving nothing', async () => {
    const name = uniqueName('disk');
    execFileSync('bash', [TESTBED, 'fault', 'gamma', 'qgroups-break'], { stdio: 'ignore' });
    try {
      const r = cli('create', name, '--host', 'gamma', '--image', lab().lxdImage, '--disk', '2g');
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        /^code-swarm: gamma cannot enforce --disk: the kernel marked the quota accounting of LXD's pool sized inconsistent, so it enforces no size until a rescan: run btrfs quota rescan -w \/var\/lib\/lxd\/storage-pools\/sized as root/,
      );
      assert.equal(listed(name), undefined, 'no record');
      const lxd = await gamma.exec(['lxc', 'list', '--format', 'csv', '--columns', 'n'], { timeoutMs: 30_000 });
      assert.ok(!lxd.stdout.split('\n').includes(lxdInstanceName(name)), 'no LXD instance');
    } finally {
      execFileSync('bash', [TESTBED, 'fault', 'gamma', 'qgroups-mend'], { stdio: 'ignore' });
    }
  });

  it('is refused on a Swarm-mode host, and a size that is not one is refused before any host is asked', () => {
    const swarm = cli('create', uniqueName('disk'), '--host', 'solo', '--disk', '2g');
    assert.equal(swarm.status, 2);
    assert.match(swarm.stderr, /^code-swarm: solo cannot enforce --disk: a Swarm-mode cluster makes each workspace volume on the node/);
    for (const [bad, said] of [
      ['0', /Disk size "0" is zero/],
      ['10x', /Disk size "10x" is not a size/],
      ['100m', /Disk size "100m" is too small/],
    ] as const) {
      const r = cli('create', uniqueName('disk'), '--host', 'gamma', '--disk', bad);
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, said);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
