import assert from 'node:assert/strict';
import { parseDf, parseRemoteUser } from '../../../../src/providers/common/hostFacts.js';
import { parseSocketState, socketAccess } from '../../../../src/providers/common/socketAccess.js';
import { parseCgroup, parseSystem, sudoCheck } from '../../../../src/providers/common/systemChecks.js';
import { apiOlder, limitsFinding } from '../../../../src/providers/docker/dockerChecks.js';
import { distroFamily, notRunning, parseEngineHost } from '../../../../src/providers/docker/engineSetup.js';
import { poolFinding, rootPoolOf } from '../../../../src/providers/lxd/lxdChecks.js';
import { error } from '../../../../src/providers/hostCheck.js';
import type { ExecResult } from '../../../../src/transport/execTypes.js';
import { fakeCheckContext } from '../fakeCheckContext.js';

const fakeContext = (answers: Record<string, Partial<ExecResult>>) => fakeCheckContext(answers, { provider: 'docker', unanswered: 127 });

const ID_DELTA = { stdout: '1004\ndelta\ndelta\ndelta\n' };
const SOCKET = { engine: 'Docker', path: '/var/run/docker.sock', group: 'docker', otherProvider: 'LXD' };

describe('host checks: parsing what hosts answer', () => {
  it('reads the user, its session groups and the groups a new login would get', () => {
    assert.deepEqual(parseRemoteUser('1004\ndelta\ndelta\ndelta docker\n'), {
      name: 'delta',
      uid: 1004,
      sessionGroups: ['delta'],
      groups: ['delta', 'docker'],
    });
    assert.throws(() => parseRemoteUser('oops'), /unexpected output of id/);
  });

  it('reads free space from df -Pk, mount points with spaces included', () => {
    const out = 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda1 1000 10 2048 1% /mnt/my disk\n';
    assert.deepEqual(parseDf(out), { availableBytes: 2048 * 1024, mountedOn: '/mnt/my disk' });
    assert.throws(() => parseDf('df: nope\n'), /unexpected output of df/);
  });

  it('reads a socket state: missing, or mode, owner, group and whether this login may use it', () => {
    assert.deepEqual(parseSocketState('missing\n'), { exists: false, mode: '', owner: '', group: '', usable: false });
    assert.deepEqual(parseSocketState('660 root docker\nno\n'), {
      exists: true,
      mode: '660',
      owner: 'root',
      group: 'docker',
      usable: false,
    });
    assert.throws(() => parseSocketState('660 root\n'), /unexpected socket state/);
  });

  it('reads the system from uname and os-release', () => {
    const s = parseSystem('Linux\n6.1.0\nx86_64\nNAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
    assert.deepEqual(s, { kernel: 'Linux', release: '6.1.0', machine: 'x86_64', distribution: 'Debian GNU/Linux 12 (bookworm)' });
    assert.equal(parseSystem('Darwin\n23.0\narm64\n').distribution, undefined);
  });

  it('tells cgroup v2 from v1 and lists the limit controllers offered', () => {
    assert.deepEqual(parseCgroup('cgroup2fs\ncpuset cpu io memory pids\n'), { version: 2, controllers: ['cpu', 'memory', 'pids'] });
    assert.deepEqual(parseCgroup('tmpfs\ncpu memory \n'), { version: 1, controllers: ['cpu', 'memory'] });
  });

  it('grades the limits Docker enforces: memory or pids missing is an error, cpu a warning', () => {
    assert.equal(
      limitsFinding({ DockerRootDir: '/', CgroupVersion: '2', MemoryLimit: true, PidsLimit: true, CpuCfsQuota: true }).severity,
      'ok',
    );
    const pids = limitsFinding({ DockerRootDir: '/', MemoryLimit: true, PidsLimit: false, CpuCfsQuota: true });
    assert.deepEqual([pids.severity, pids.message], ['error', 'Docker would ignore the pids limit (cgroup v1)']);
    assert.equal(limitsFinding({ DockerRootDir: '/', CpuCfsQuota: false }).severity, 'warning');
  });

  it('compares API versions numerically', () => {
    assert.equal(apiOlder('1.9', '1.41'), true);
    assert.equal(apiOlder('1.41', '1.41'), false);
    assert.equal(apiOlder('1.43', '1.41'), false);
    assert.equal(apiOlder('0.99', '1.0'), true);
  });

  it("finds the default profile's root pool and grades its free space", () => {
    assert.equal(rootPoolOf({ devices: { root: { type: 'disk', path: '/', pool: 'fast' }, eth0: { type: 'nic' } } }), 'fast');
    assert.equal(rootPoolOf({ devices: { data: { type: 'disk', path: '/data', pool: 'x' } } }), undefined);
    assert.equal(poolFinding('p', 'dir', { space: { used: 0, total: 100 * 1024 ** 3 } }).severity, 'ok');
    assert.equal(poolFinding('p', 'dir', { space: { used: 0, total: 2 * 1024 ** 3 } }).severity, 'warning');
    assert.equal(poolFinding('p', 'dir', { space: { used: 10, total: 1024 } }).severity, 'error');
    assert.match(poolFinding('p', undefined, {}).message, /free space unknown/);
  });
});

describe('host checks: the socket and sudo verdicts', () => {
  it('a user outside the socket group gets the usermod fix through sudo -n, and a reconnect', async () => {
    const ctx = fakeContext({ 'id -un': ID_DELTA, 'stat -L': { stdout: '660 root docker\nno\n' } });
    const f = await socketAccess(ctx, 'docker.socket', SOCKET);
    assert.equal(f.severity, 'error');
    assert.match(f.message, /delta is not in group docker$/);
    assert.deepEqual(f.fix, [['sudo', '-n', 'usermod', '-aG', 'docker', 'delta']]);
    assert.equal(f.reconnect, true);
  });

  it('root gets the same fix without sudo', async () => {
    const ctx = fakeContext({ 'id -un': { stdout: '0\nroot\nroot\nroot\n' }, 'stat -L': { stdout: '660 root docker\nno\n' } });
    assert.deepEqual((await socketAccess(ctx, 'docker.socket', SOCKET)).fix, [['usermod', '-aG', 'docker', 'root']]);
  });

  it('a membership newer than the login needs only the reconnect', async () => {
    const ctx = fakeContext({ 'id -un': { stdout: '1004\ndelta\ndelta\ndelta docker\n' }, 'stat -L': { stdout: '660 root docker\nno\n' } });
    const f = await socketAccess(ctx, 'docker.socket', SOCKET);
    assert.equal(f.fix, undefined);
    assert.equal(f.reconnect, true);
    assert.match(f.message, /predates it/);
  });

  it('a socket only its owner may use is explained, never chmod-ed', async () => {
    const ctx = fakeContext({ 'id -un': ID_DELTA, 'stat -L': { stdout: '600 root root\nno\n' } });
    const f = await socketAccess(ctx, 'docker.socket', SOCKET);
    assert.equal(f.severity, 'error');
    assert.equal(f.fix, undefined);
    assert.match(f.message, /lets only its owner in/);
  });

  it('a usable socket and a missing one', async () => {
    const usable = fakeContext({ 'id -un': ID_DELTA, 'stat -L': { stdout: '660 root docker\nyes\n' } });
    assert.equal((await socketAccess(usable, 'docker.socket', SOCKET)).severity, 'ok');
    const missing = fakeContext({ 'id -un': ID_DELTA, 'stat -L': { stdout: 'missing\n' } });
    assert.match((await socketAccess(missing, 'docker.socket', SOCKET)).message, /not installed or not running/);
  });

  it('sudo: asks sudo -n -l about each root fix, and warns about the ones it may not run', async () => {
    const fix = error('docker.socket', 'x', [['sudo', '-n', 'usermod', '-aG', 'docker', 'delta']]);
    const allowed = fakeContext({ 'id -un': ID_DELTA, 'command -v sudo': {}, 'sudo -n -l': { code: 0 } });
    const [ok] = await sudoCheck.run(allowed, [fix]);
    assert.equal(ok?.severity, 'ok');
    assert.ok(allowed.ran.some((a) => a.join(' ') === 'sudo -n -l usermod -aG docker delta'));
    const refused = fakeContext({ 'id -un': ID_DELTA, 'command -v sudo': {}, 'sudo -n -l': { code: 1 } });
    const [w] = await sudoCheck.run(refused, [fix]);
    assert.equal(w?.severity, 'warning');
    assert.match(w?.message ?? '', /usermod -aG docker delta/);
    const none = fakeContext({ 'id -un': ID_DELTA, 'command -v sudo': { code: 1 } });
    assert.equal((await sudoCheck.run(none, []))[0]?.severity, 'ok', 'no fix needs root: a missing sudo is no problem');
  });

  it('a host without Docker: the install with its package manager, then the start under systemd and the group', async () => {
    assert.deepEqual(parseEngineHost('no yes apt-get\nubuntu debian\n'), {
      installed: false,
      systemd: true,
      packageManager: 'apt-get',
      distro: ['ubuntu', 'debian'],
    });
    assert.deepEqual(parseEngineHost('yes no -\n \n'), { installed: true, systemd: false, packageManager: undefined, distro: [] });
    const debian = fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'no yes apt-get\ndebian\n' } });
    const f = await notRunning(debian);
    assert.deepEqual(f.fix, [
      ['sudo', '-n', 'apt-get', 'update'],
      ['sudo', '-n', 'apt-get', 'install', '-y', 'docker.io'],
      ['sudo', '-n', 'systemctl', 'enable', '--now', 'docker'],
      ['sudo', '-n', 'usermod', '-aG', 'docker', 'delta'],
    ]);
    assert.equal(f.reconnect, true, 'the new group needs a new login');
    assert.match(
      f.message,
      /^Docker is not installed \(no dockerd\): --fix installs docker\.io with apt-get and starts it, and lets delta use/,
    );
    const fedoraRoot = fakeContext({ 'id -un': { stdout: '0\nroot\nroot\nroot\n' }, dockerd: { stdout: 'no yes dnf\nfedora\n' } });
    const root = await notRunning(fedoraRoot);
    assert.deepEqual(root.fix, [
      ['dnf', 'install', '-y', 'moby-engine'],
      ['systemctl', 'enable', '--now', 'docker'],
    ]);
    assert.equal(root.reconnect, undefined, 'root joins no group');
    const noSystemd = fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'no no apt-get\ndebian\n' } });
    const n = await notRunning(noSystemd);
    assert.deepEqual(n.fix, [
      ['sudo', '-n', 'apt-get', 'update'],
      ['sudo', '-n', 'apt-get', 'install', '-y', 'docker.io'],
    ]);
    assert.match(n.message, /systemd does not run this host: then start dockerd the way services are run here$/);
    const stopped = fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'yes yes apt-get\ndebian\n' } });
    assert.deepEqual((await notRunning(stopped)).fix, [['sudo', '-n', 'systemctl', 'enable', '--now', 'docker']]);
    const bare = fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'no no -\n\n' } });
    const b = await notRunning(bare);
    assert.equal(b.fix, undefined);
    assert.match(b.message, /install it by hand/);
  });

  it('installs nothing it would have to guess: other distributions, Docker on RHEL, a missing package manager', async () => {
    assert.equal(distroFamily(['rhel', 'fedora']), 'rhel');
    assert.equal(distroFamily(['rocky', 'rhel', 'centos', 'fedora']), 'rhel');
    assert.equal(distroFamily(['fedora']), 'fedora');
    assert.equal(distroFamily(['linuxmint', 'ubuntu', 'debian']), 'debian');
    assert.equal(distroFamily(['alpine']), undefined);
    const alpine = await notRunning(fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'no yes -\nalpine\n' } }));
    assert.equal(alpine.fix, undefined);
    assert.equal(
      alpine.message,
      "Docker is not installed (no dockerd): --fix installs it only from Debian/Ubuntu's or Fedora/RHEL's packages (docker.io on Debian/Ubuntu, moby-engine on Fedora), not on this distribution (alpine): install it by hand",
    );
    const rhel = await notRunning(fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'no yes dnf\nrhel fedora\n' } }));
    assert.equal(rhel.fix, undefined, 'RHEL does not package Docker');
    const noApt = await notRunning(fakeContext({ 'id -un': ID_DELTA, dockerd: { stdout: 'no yes -\ndebian\n' } }));
    assert.equal(noApt.fix, undefined);
    assert.match(noApt.message, /apt-get is not here to install docker\.io with/);
  });

  it('a socket only root may use: no fix that joins group root', async () => {
    const ctx = fakeContext({ 'id -un': ID_DELTA, 'stat -L': { stdout: '660 root root\nno\n' } });
    const f = await socketAccess(ctx, 'docker.socket', SOCKET);
    assert.equal(f.severity, 'error');
    assert.equal(f.fix, undefined);
    assert.equal(f.reconnect, undefined);
    assert.match(f.message, /only root may; have Docker create it for group docker \(SocketGroup= in its socket unit/);
  });
});
