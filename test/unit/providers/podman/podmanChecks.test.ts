import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitsFinding } from '../../../../src/providers/docker/dockerChecks.js';
import { notRunning } from '../../../../src/providers/docker/engineSetup.js';
import type { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import { modeFinding, podmanSetup } from '../../../../src/providers/podman/podmanChecks.js';
import { PODMAN_DIALECT } from '../../../../src/providers/podman/podmanDialect.js';
import {
  describeUlimits,
  DROP_IN,
  dropInCommands,
  fixUlimits,
  isRlimitRefusal,
  parseHardLimits,
  ulimitsFinding,
  WRITE_NEW,
} from '../../../../src/providers/podman/podmanUlimits.js';
import type { ExecResult } from '../../../../src/transport/execTypes.js';
import { fakeCheckContext } from '../fakeCheckContext.js';

const fakeContext = (answers: Record<string, Partial<ExecResult>>) => fakeCheckContext(answers, { provider: 'podman', unanswered: 1 });

const ID_EPSILON = { stdout: '1005\nepsilon\nepsilon podman\nepsilon podman\n' };
const SOCKET_OK = { stdout: '660 root podman\nyes\n' };
const RUNC =
  'runc create failed: unable to start container process: error during container init: error setting rlimit type 7: operation not permitted';
const LAB_ULIMITS = [
  { Name: 'RLIMIT_NOFILE', Soft: 16384, Hard: 16384 },
  { Name: 'RLIMIT_NPROC', Soft: 4096, Hard: 4096 },
];

/** A Podman engine whose test container starts, or fails to with `startError`; records what was removed. */
function fakeEngine(startError?: string): DockerEngine & { removed: number } {
  const state = { removed: 0 };
  const container = {
    inspect: () => Promise.resolve({ HostConfig: { Ulimits: LAB_ULIMITS } }),
    start: () => (startError ? Promise.reject(Object.assign(new Error('HTTP 500'), { json: { message: startError } })) : Promise.resolve()),
    // The check waits for the exit of its `true` before removing the container.
    wait: () => Promise.resolve({ StatusCode: 0 }),
    remove: () => ((state.removed += 1), Promise.resolve()),
  };
  const engine = {
    dialect: PODMAN_DIALECT,
    socketPath: '/run/podman/podman.sock',
    call: (_what: string, f: () => Promise<unknown>) => f(),
    api: {
      info: () => Promise.resolve({ DockerRootDir: '/var/lib/containers/storage', CgroupVersion: '2' }),
      getImage: () => ({ inspect: () => Promise.resolve({ Size: 1 }) }),
      listImages: () => Promise.resolve([]),
      createContainer: () => Promise.resolve(container),
    },
    get removed() {
      return state.removed;
    },
  };
  return engine as unknown as DockerEngine & { removed: number };
}

describe('Podman checks', () => {
  it('reads the hard limits, unlimited included, and keeps the fix within them', () => {
    assert.deepEqual(parseHardLimits('1024\nunlimited\n'), { nofile: 1024, nproc: Infinity });
    assert.throws(() => parseHardLimits('sh: ulimit: bad\n'), /unexpected output of ulimit/);
    assert.deepEqual(fixUlimits({ nofile: 1024, nproc: Infinity }), { nofile: 1024, nproc: 4096 });
    assert.deepEqual(fixUlimits({ nofile: 1048576, nproc: 2000 }), { nofile: 16384, nproc: 2000 });
  });

  it('tells the runtime refusing rlimits (runc and crun words) from other start failures', () => {
    assert.equal(isRlimitRefusal(RUNC), true);
    assert.equal(isRlimitRefusal('crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted: OCI permission denied'), true);
    assert.equal(isRlimitRefusal('crun: executable file `true` not found in $PATH: No such file or directory'), false);
  });

  it('shows a container rlimits from its inspect, in either naming', () => {
    assert.equal(describeUlimits(LAB_ULIMITS), 'nofile=16384:16384, nproc=4096:4096');
    assert.equal(describeUlimits([{ Name: 'nofile', Soft: 1048576, Hard: 1048576 }]), 'nofile=1048576:1048576');
    assert.equal(describeUlimits(null), '');
    assert.equal(describeUlimits('garbage'), '');
  });

  it('the drop-in is written as a new file, never over an existing one', () => {
    const [mkdir, write] = dropInCommands({ nofile: 16384, nproc: 4096 });
    assert.deepEqual(mkdir, ['mkdir', '-p', '/etc/containers/containers.conf.d']);
    assert.equal(write?.[4], DROP_IN);
    const dir = mkdtempSync(join(tmpdir(), 'podcheck-'));
    try {
      // The same argv, run here with the file in a scratch directory.
      const argv = [...(write ?? [])];
      argv[4] = join(dir, '90-code-swarm.conf');
      execFileSync(argv[0] ?? 'sh', argv.slice(1));
      assert.equal(
        readFileSync(argv[4], 'utf8'),
        '# Written by code-swarm hosts doctor: this host refuses the rlimits Podman raises by default.\n' +
          '[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]\n',
      );
      assert.throws(() => execFileSync(argv[0] ?? 'sh', argv.slice(1), { stdio: 'ignore' }), 'a second write is refused');
      assert.match(readFileSync(argv[4], 'utf8'), /^# Written by code-swarm/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ulimits: ok when the test container starts, with the limits it got; the container is removed', async () => {
    const engine = fakeEngine();
    const f = await ulimitsFinding(fakeContext({ 'stat -L': SOCKET_OK }), engine, false);
    assert.deepEqual([f.code, f.severity], ['podman.ulimits', 'ok']);
    assert.equal(f.message, 'Podman starts containers with its default ulimits (nofile=16384:16384, nproc=4096:4096)');
    assert.equal(engine.removed, 1);
  });

  it('ulimits: the refusal with Podman own words, and the drop-in and restart as the fix', async () => {
    const engine = fakeEngine(RUNC);
    const ctx = fakeContext({
      'stat -L': SOCKET_OK,
      'id -un': ID_EPSILON,
      'ulimit -Hn': { stdout: '8192\nunlimited\n' },
      '/run/systemd': {},
    });
    const f = await ulimitsFinding(ctx, engine, false);
    assert.equal(f.severity, 'error');
    assert.match(
      f.message,
      /^Podman cannot start containers: this host refuses its default ulimits \(nofile=.*error setting rlimit type 7/,
    );
    assert.match(f.message, /--fix writes default_ulimits to \/etc\/containers\/containers\.conf\.d\/90-code-swarm\.conf$/);
    assert.ok(!f.message.includes('\n'));
    assert.deepEqual(f.fix?.[0], ['sudo', '-n', 'mkdir', '-p', '/etc/containers/containers.conf.d']);
    assert.deepEqual(f.fix?.[1]?.slice(0, 3), ['sudo', '-n', 'sh']);
    assert.equal(f.fix?.[1]?.at(-1), 'default_ulimits = ["nofile=8192:8192", "nproc=4096:4096"]');
    assert.deepEqual(f.fix?.[2], ['sudo', '-n', 'systemctl', 'try-restart', 'podman.service']);
    assert.equal(engine.removed, 1);
    const existing = fakeContext({ 'stat -L': SOCKET_OK, 'id -un': ID_EPSILON, [`-e ${DROP_IN}`]: {} });
    const again = await ulimitsFinding(existing, fakeEngine(RUNC), false);
    assert.equal(again.fix, undefined, 'an existing drop-in is not overwritten');
    assert.match(again.message, /90-code-swarm\.conf is there: check its default_ulimits/);
  });

  it('ulimits: another start failure is a warning without a fix', async () => {
    const f = await ulimitsFinding(fakeContext({ 'stat -L': SOCKET_OK }), fakeEngine('crun: executable file `true` not found'), false);
    assert.deepEqual([f.severity, f.fix], ['warning', undefined]);
    assert.match(f.message, /^a test container from img did not start: crun: executable/);
  });

  it('speaks of Podman: limits, mode, and the install, start and pull fixes', async () => {
    const l = limitsFinding(
      { DockerRootDir: '/', CgroupVersion: '2', MemoryLimit: true, PidsLimit: true, CpuCfsQuota: true },
      PODMAN_DIALECT,
    );
    assert.deepEqual([l.code, l.message], ['podman.limits', 'Podman enforces cpu, memory and pids limits (cgroup v2)']);
    assert.deepEqual(modeFinding({ DockerRootDir: '/', SecurityOptions: ['name=seccomp'] }, '/run/podman/podman.sock'), {
      code: 'podman.mode',
      severity: 'ok',
      message: "rootful Podman serves /run/podman/podman.sock: its containers and images are root's",
    });
    const v1 = modeFinding(
      { DockerRootDir: '/', CgroupVersion: '1', SecurityOptions: ['name=rootless'] },
      '/run/user/1000/podman/podman.sock',
    );
    assert.equal(v1.severity, 'warning');
    const debian = fakeContext({ 'id -un': ID_EPSILON, 'sh -c PATH': { stdout: 'no yes apt-get\ndebian\n' } });
    const missing = await notRunning(debian, PODMAN_DIALECT, podmanSetup(false));
    assert.deepEqual(
      [missing.code, missing.message],
      [
        'podman.engine',
        'Podman is not installed (no podman): --fix installs podman with apt-get and starts it, and lets epsilon use its socket (a new login)',
      ],
    );
    // The socket's group first (the package starts the socket as it installs), then the install, the start and the membership.
    assert.deepEqual(missing.fix, [
      ['sudo', '-n', 'groupadd', '-f', '--system', 'podman'],
      ['sudo', '-n', 'mkdir', '-p', '/etc/systemd/system/podman.socket.d'],
      [
        'sudo',
        '-n',
        'sh',
        '-c',
        WRITE_NEW,
        'sh',
        '/etc/systemd/system/podman.socket.d/90-code-swarm.conf',
        '[Socket]',
        'SocketGroup=podman',
      ],
      ['sudo', '-n', 'apt-get', 'update'],
      ['sudo', '-n', 'apt-get', 'install', '-y', 'podman'],
      ['sudo', '-n', 'systemctl', 'enable', '--now', 'podman.socket'],
      ['sudo', '-n', 'usermod', '-aG', 'podman', 'epsilon'],
    ]);
    assert.equal(missing.reconnect, true);
    const withDropIn = fakeContext({
      'id -un': ID_EPSILON,
      'sh -c PATH': { stdout: 'no yes apt-get\ndebian\n' },
      'test -e /etc/systemd/system/podman.socket.d': { code: 0 },
    });
    const kept = await notRunning(withDropIn, PODMAN_DIALECT, podmanSetup(false));
    assert.ok(!kept.fix?.some((argv) => argv.includes('mkdir')), 'a drop-in already there is left as it is');
    const rootless = fakeContext({ 'id -un': ID_EPSILON, 'sh -c PATH': { stdout: 'no yes dnf\nrocky rhel centos fedora\n' } });
    assert.deepEqual((await notRunning(rootless, PODMAN_DIALECT, podmanSetup(true))).fix, [
      ['sudo', '-n', 'dnf', 'install', '-y', 'podman'],
      ['systemctl', '--user', 'enable', '--now', 'podman.socket'],
    ]);
    const withCli = fakeContext({ 'id -un': ID_EPSILON, 'command -v podman': {} });
    assert.deepEqual(await podmanSetup(false).pull(withCli, 'img'), ['sudo', '-n', 'podman', 'pull', 'img']);
    assert.deepEqual(await podmanSetup(true).pull(withCli, 'img'), ['podman', 'pull', 'img']);
    assert.deepEqual(await podmanSetup(true).start(withCli), ['systemctl', '--user', 'enable', '--now', 'podman.socket']);
  });
});
