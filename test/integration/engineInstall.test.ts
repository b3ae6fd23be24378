import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Swarm } from '../../src/core/swarm.js';
import { lab, labSwarm } from '../lab/lab.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');
/** The user of the engine-less image (scripts/lab/build-engineless.sh): sudo without a password, like a cloud image's. */
const USER = 'lab';
const DROP_IN = '/etc/systemd/system/podman.socket.d/90-code-swarm.conf';
const INSTALL = [
  ['sudo', '-n', 'groupadd', '-f', '--system', 'podman'],
  ['sudo', '-n', 'mkdir', '-p', '/etc/systemd/system/podman.socket.d'],
  ['sudo', '-n', 'sh', '-c', 'f=$1; shift; set -C; printf "%s\\n" "$@" >"$f"', 'sh', DROP_IN, '[Socket]', 'SocketGroup=podman'],
  ['sudo', '-n', 'apt-get', 'update'],
  ['sudo', '-n', 'apt-get', 'install', '-y', 'podman'],
  ['sudo', '-n', 'systemctl', 'enable', '--now', 'podman.socket'],
  ['sudo', '-n', 'usermod', '-aG', 'podman', USER],
];

interface Report {
  name: string;
  findings: { code: string; severity: string; message: string; fix?: string[][] }[];
  applied?: { code: string; argv: string[] | null; ok: boolean; detail?: string }[];
}

const lxc = (...args: string[]) => execFileSync('lxc', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** A shell command in the container as root, behind Code Swarm's back (LXD's own exec, not SSH); its exit code. */
const inContainer = (name: string, script: string) => spawnSync('lxc', ['exec', name, '--', 'sh', '-c', script], { encoding: 'utf8' });

/** Containers of this suite left by a run that died before its `after`. */
const PREFIX = 'csw-engineless-';

/**
 * The doctor installing an engine for real: a fresh LXD system container on
 * gamma (the lab's engine-less image: sshd and sudo, no engine, no network)
 * whose apt knows only the lab's offline repository (podman and its
 * dependencies, mounted read-only). Its sshd is reached through gamma: an
 * LXD proxy on gamma's loopback, and gamma as the jump host.
 */
describe('host doctor: installing an engine on a host without one', function () {
  this.timeout(600_000);
  const name = `${PREFIX}${randomBytes(3).toString('hex')}`;
  let port = 0;
  let swarm: Swarm;
  let dir: string;
  let knownHosts: string;
  let target: string[];
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, '--state-dir', dir, '--known-hosts', knownHosts, ...args], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const doctor = (...extra: string[]) => {
    const r = cli('--json', 'hosts', 'doctor', 'eng', ...target, '--provider', 'podman', ...extra);
    assert.ok(r.stdout.startsWith('{'), `the doctor printed a report: ${r.stdout}${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  };
  const finding = (r: Report, code: string) => {
    const f = r.findings.find((x) => x.code === code);
    assert.ok(f, `${code} in ${JSON.stringify(r.findings.map((x) => x.code))}`);
    return f;
  };
  const noPodman = () => inContainer(name, 'command -v podman').status !== 0;

  before(async () => {
    for (const stale of lxc('list', '--format', 'csv', '-c', 'n')
      .split('\n')
      .filter((n) => n.startsWith(PREFIX))) {
      lxc('delete', '--force', stale);
    }
    // Nesting, as Podman in an LXD container needs; no network device: the lab's repository is all it has.
    lxc('launch', lab().engineless.image, name, '-c', 'security.nesting=true');
    lxc(
      'config',
      'device',
      'add',
      name,
      'apt',
      'disk',
      `source=${lab().engineless.aptRepository}`,
      'path=/srv/code-swarm-apt',
      'readonly=true',
    );
    // sshd, reached on gamma's loopback (LXD runs in gamma's namespace) through gamma.
    for (let attempt = 0; port === 0; attempt++) {
      const p = 20_000 + Math.floor(Math.random() * 10_000);
      try {
        lxc('config', 'device', 'add', name, 'ssh', 'proxy', 'bind=host', `listen=tcp:127.0.0.1:${p}`, 'connect=tcp:127.0.0.1:22');
        port = p;
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
    const key = readFileSync(`${lab().clientKey}.pub`, 'utf8');
    const push = spawnSync(
      'lxc',
      [
        'exec',
        name,
        '--',
        'sh',
        '-c',
        `umask 077 && cat >/home/${USER}/.ssh/authorized_keys && chown ${USER}: /home/${USER}/.ssh/authorized_keys`,
      ],
      { input: key, encoding: 'utf8' },
    );
    assert.equal(push.status, 0, push.stderr);
    for (let i = 0; inContainer(name, 'systemctl is-active -q ssh').status !== 0; i++) {
      assert.ok(i < 300, `${name}'s sshd did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Its host key, read through LXD (the fingerprint check a user does out of band), next to the lab's.
    const hostKey = inContainer(name, 'cut -d" " -f1-2 /etc/ssh/ssh_host_ed25519_key.pub').stdout.trim();
    ({ swarm, dir } = await labSwarm());
    knownHosts = join(mkdtempSync(join(tmpdir(), 'csw-engineless-')), 'known_hosts');
    writeFileSync(knownHosts, `${readFileSync(lab().knownHosts, 'utf8')}[127.0.0.1]:${port} ${hostKey}\n`);
    const g = lab().hosts.gamma;
    target = ['--ssh', `${USER}@127.0.0.1:${port}`, '--identity', lab().clientKey, '--jump', `${g.user}@${g.address}:${g.port}`];
  });

  after(() => {
    swarm?.dispose();
    lxc('delete', '--force', name);
    assert.ok(!lxc('list', '--format', 'csv', '-c', 'n').includes(name), 'the container is gone');
    if (knownHosts) rmSync(resolve(knownHosts, '..'), { recursive: true, force: true });
  });

  it('reports the missing engine, with the install its distribution and sudo allow', () => {
    assert.ok(noPodman(), 'the image has no Podman');
    const { code, report } = doctor();
    assert.equal(code, 1, 'an error finding makes the exit code 1');
    assert.equal(finding(report, 'ssh.connect').severity, 'ok');
    assert.match(finding(report, 'os.system').message, /^Debian GNU\/Linux 12 \(bookworm\)/);
    assert.equal(
      finding(report, 'podman.socket').message,
      'No Podman socket at /run/podman/podman.sock: Podman is not installed or not running',
    );
    const engine = finding(report, 'podman.engine');
    assert.equal(engine.severity, 'error');
    assert.equal(
      engine.message,
      `Podman is not installed (no podman): --fix installs podman with apt-get and starts it, and lets ${USER} use its socket (a new login)`,
    );
    assert.deepEqual(engine.fix, INSTALL);
    assert.match(finding(report, 'sudo.available').message, /^sudo -n may run the fixes that need root \(7\)$/);
  });

  it('--dry-run prints the install and changes nothing', () => {
    const r = cli('hosts', 'doctor', 'eng', ...target, '--provider', 'podman', '--dry-run');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^--fix would run:\n {2}podman\.engine: sudo -n groupadd -f --system podman\n/m);
    assert.match(r.stdout, /^ {2}podman\.engine: sudo -n apt-get install -y podman$/m);
    assert.match(r.stdout, /^ {2}podman\.engine: \(reopen the SSH connection, so the new login gets the new groups\)$/m);
    assert.ok(noPodman(), 'still no podman binary');
    assert.notEqual(inContainer(name, `getent group podman || test -e ${DROP_IN}`).status, 0, 'no group, no drop-in');
  });

  it('--fix installs Podman from the offline repository, starts its socket for group podman; the report after it has no error', () => {
    const { code, report, stderr } = doctor('--fix');
    assert.deepEqual(
      report.applied?.map((a) => [a.argv, a.ok, a.detail]),
      INSTALL.map((argv) => [argv, true, undefined]),
      'every command ran and succeeded (no reconnect: a host not saved has no persistent connection)',
    );
    assert.ok(!noPodman(), 'podman is installed');
    assert.equal(inContainer(name, 'stat -c %G /run/podman/podman.sock').stdout.trim(), 'podman');
    assert.deepEqual(
      report.findings.filter((f) => f.severity === 'error'),
      [],
      stderr,
    );
    assert.equal(code, 0, stderr);
    assert.equal(finding(report, 'podman.socket').message, `${USER} may use /run/podman/podman.sock (mode 660, root:podman)`);
    assert.match(finding(report, 'podman.engine').message, /^Podman 4\.3\.\S+ \(API 1\.41, linux\/amd64\)$/);
    assert.equal(finding(report, 'podman.mode').severity, 'ok');
  });

  it('a second doctor run has no error, and the host is added and answers hosts test', () => {
    const again = doctor();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.report.findings.filter((f) => f.fix !== undefined && f.severity === 'error').length, 0, 'nothing left to fix');
    const added = cli('hosts', 'add', 'eng', ...target, '--provider', 'podman');
    assert.equal(added.code, 0, added.stderr);
    const tested = cli('hosts', 'test', 'eng');
    assert.equal(tested.code, 0, tested.stderr);
    assert.match(tested.stdout, /^eng: ok, Podman 4\.3\.\S+ \(API 1\.41\), [\d.]+ ms$/m);
    assert.equal(cli('hosts', 'remove', 'eng').code, 0);
  });
});
