import { type CheckContext, error, type Finding, type HostCheck, ok, warning } from '../hostCheck.js';
import { remoteUser } from './hostFacts.js';

export interface HostSystem {
  readonly kernel: string;
  readonly release: string;
  readonly machine: string;
  /** os-release's PRETTY_NAME, when the host has one. */
  readonly distribution: string | undefined;
}

const SYSTEM_SCRIPT = 'uname -s; uname -r; uname -m; cat /etc/os-release 2>/dev/null || true';

export function parseSystem(stdout: string): HostSystem {
  const [kernel, release, machine, ...rest] = stdout.split('\n');
  if (!kernel || !machine) throw new Error(`unexpected output of uname: ${JSON.stringify(stdout.slice(0, 80))}`);
  const pretty = rest.map((l) => /^PRETTY_NAME=(.*)$/.exec(l)?.[1]).find((v) => v !== undefined);
  const distribution = pretty?.replace(/^(["'])(.*)\1$/, '$2');
  return { kernel, release: release ?? '', machine, distribution: distribution || undefined };
}

/** Architectures code-server publishes builds (and images) for. */
const CODE_SERVER_ARCHES = new Set(['x86_64', 'amd64', 'aarch64', 'arm64']);

export const systemCheck: HostCheck = {
  id: 'os.system',
  async run(ctx) {
    const r = await ctx.exec(['sh', '-c', SYSTEM_SCRIPT]);
    const s = parseSystem(r.stdout);
    const name = `${s.distribution ?? s.kernel}, ${s.kernel} ${s.release}`;
    const os =
      s.kernel === 'Linux'
        ? ok('os.system', name)
        : error('os.system', `${name}: instances need a Linux host (containers share its kernel)`);
    const arch = CODE_SERVER_ARCHES.has(s.machine)
      ? ok('os.arch', `${s.machine}: code-server images exist for it`)
      : warning('os.arch', `${s.machine}: code-server ships for x86_64 and arm64 only; the image must be built for ${s.machine}`);
    return [os, arch];
  },
};

export interface CgroupState {
  readonly version: 1 | 2;
  /** Of cpu, memory and pids: the ones the kernel offers. */
  readonly controllers: readonly string[];
}

// v2: the root's cgroup.controllers lists what may be delegated; v1 mounts one hierarchy per controller.
const CGROUP_SCRIPT =
  'stat -fc %T /sys/fs/cgroup; if [ -f /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/cgroup.controllers; ' +
  'else for c in cpu memory pids; do if [ -d "/sys/fs/cgroup/$c" ]; then printf "%s " "$c"; fi; done; echo; fi';

export function parseCgroup(stdout: string): CgroupState {
  const [fsType, list] = stdout.split('\n');
  const version = fsType?.trim() === 'cgroup2fs' ? 2 : 1;
  const offered = (list ?? '').split(/\s+/);
  return { version, controllers: ['cpu', 'memory', 'pids'].filter((c) => offered.includes(c)) };
}

export const cgroupCheck: HostCheck = {
  id: 'cgroup.version',
  async run(ctx) {
    const r = await ctx.exec(['sh', '-c', CGROUP_SCRIPT]);
    if (r.code !== 0) throw new Error(`reading /sys/fs/cgroup failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    const c = parseCgroup(r.stdout);
    const version =
      c.version === 2
        ? ok('cgroup.version', 'cgroup v2')
        : warning(
            'cgroup.version',
            'cgroup v1: rootful engines still enforce limits, but rootless ones ignore pids limits; boot with systemd.unified_cgroup_hierarchy=1 for v2',
          );
    const missing = ['cpu', 'memory', 'pids'].filter((x) => !c.controllers.includes(x));
    let controllers: Finding;
    if (missing.length === 0) controllers = ok('cgroup.controllers', 'cpu, memory and pids controllers present: limits will be enforced');
    else if (missing.includes('memory') || missing.includes('pids')) {
      controllers = error('cgroup.controllers', `no ${missing.join(', ')} controller: instances would run without those limits`);
    } else controllers = warning('cgroup.controllers', 'no cpu controller: instances would run without a cpu limit');
    return [version, controllers];
  },
};

/** A port nothing listens on, normally: a refusal proves the forward reached the host's loopback. */
const PROBE_PORT = 9;

export const loopbackCheck: HostCheck = {
  id: 'loopback.forward',
  async run(ctx) {
    try {
      const s = await ctx.link.openTcp('127.0.0.1', PROBE_PORT);
      s.destroy();
      return [ok('loopback.forward', 'the host loopback answers through the connection (health probes and tunnels)')];
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/refused/i.test(msg)) {
        return [ok('loopback.forward', 'the host loopback answers through the connection (health probes and tunnels)')];
      }
      if (/prohibited/i.test(msg)) {
        return [error('loopback.forward', 'sshd refuses TCP forwarding (AllowTcpForwarding): health probes and tunnels need it')];
      }
      return [error('loopback.forward', `the host loopback cannot be reached through the connection: ${msg}`)];
    }
  },
};

/** The fixes listed by the other checks that go through `sudo -n`. */
function rootFixes(findings: readonly Finding[]): string[][] {
  return findings.flatMap((f) => (f.fix ?? []).filter((argv) => argv[0] === 'sudo').map((argv) => [...argv]));
}

export const sudoCheck: HostCheck = {
  id: 'sudo.available',
  late: true,
  async run(ctx: CheckContext, earlier) {
    const user = await remoteUser(ctx);
    if (user.uid === 0) return [ok('sudo.available', 'the SSH user is root: fixes need no sudo')];
    const needed = rootFixes(earlier);
    const has = await ctx.exec(['sh', '-c', 'command -v sudo']);
    if (has.code !== 0) {
      return needed.length > 0
        ? [warning('sudo.available', 'sudo is not installed: run the fixes marked sudo as root yourself')]
        : [ok('sudo.available', 'no fix needs root (sudo is not installed)')];
    }
    if (needed.length === 0) {
      const r = await ctx.exec(['sudo', '-n', 'true']);
      return [ok('sudo.available', r.code === 0 ? 'sudo -n works' : 'no fix needs root (sudo -n would ask for a password)')];
    }
    // `sudo -l CMD` answers whether this exact command is allowed, without running it.
    const refused: string[] = [];
    for (const argv of needed) {
      const r = await ctx.exec(['sudo', '-n', '-l', ...argv.slice(2)]);
      if (r.code !== 0) refused.push(argv.slice(2).join(' '));
    }
    if (refused.length === 0) return [ok('sudo.available', `sudo -n may run the fixes that need root (${needed.length})`)];
    return [warning('sudo.available', `sudo -n may not run: ${refused.join('; ')}: run it as root yourself, or allow it in sudoers`)];
  },
};
