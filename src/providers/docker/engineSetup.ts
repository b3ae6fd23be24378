import { asRoot, type RemoteUser, remoteUser } from '../common/hostFacts.js';
import { type CheckContext, error, type Finding } from '../hostCheck.js';
import { DOCKER_DIALECT, type EngineDialect } from './engineDialect.js';

/** The distributions whose packages of the engines the doctor knows (by os-release ID and ID_LIKE). */
export type DistroFamily = 'debian' | 'fedora' | 'rhel';

/** Commands that let a non-root SSH user use the socket of an engine just installed. */
export interface SocketAccessSetup {
  /** Before the install, so the socket is made right when the package first starts it (its group, say). */
  readonly before: readonly string[][];
  /** After the start: joining the socket's group (only a new login sees it: the connection is reopened). */
  readonly after: readonly string[][];
}

/** How the engine behind a Docker-API socket is installed, started and pulled with, for the fixes. */
export interface EngineSetup {
  /** The binary whose presence says the engine is installed. */
  readonly binary: string;
  /** The distribution's package of the engine; a family missing here gets no install fix. */
  readonly packages: Readonly<Partial<Record<DistroFamily, string>>>;
  /** The command that starts it under systemd, now and at boot. */
  start(ctx: CheckContext): Promise<string[]>;
  /** For a non-root SSH user on a systemd host: how the new socket becomes theirs (undefined: nothing to do). */
  access?(ctx: CheckContext, user: RemoteUser): Promise<SocketAccessSetup | undefined>;
  /** The pull of an image, or undefined when the host has no CLI to run it. */
  pull(ctx: CheckContext, image: string): Promise<string[] | undefined>;
}

const hasCommand = async (ctx: CheckContext, name: string) => (await ctx.exec(['sh', '-c', 'command -v "$1"', 'sh', name])).code === 0;

export const DOCKER_SETUP: EngineSetup = {
  binary: 'dockerd',
  packages: { debian: 'docker.io', fedora: 'moby-engine' },
  start: (ctx) => asRoot(ctx, ['systemctl', 'enable', '--now', 'docker']),
  // Both packages' docker.socket is group docker, a group they create.
  access: async (ctx, user) => ({ before: [], after: [await asRoot(ctx, ['usermod', '-aG', 'docker', user.name])] }),
  pull: async (ctx, image) => ((await hasCommand(ctx, 'docker')) ? ['docker', 'pull', image] : undefined),
};

/** What a host without the engine's socket has: the engine's binary, systemd, a package manager, its distribution. */
export interface EngineHost {
  readonly installed: boolean;
  readonly systemd: boolean;
  readonly packageManager: 'apt-get' | 'dnf' | undefined;
  /** os-release's ID, then its ID_LIKE words (empty without os-release). */
  readonly distro: readonly string[];
}

// /run/systemd/system exists exactly when systemd is the running init (sd_booted).
// A user's PATH often lacks the sbin directories dockerd is installed in.
// os-release is made to be sourced by a shell; a subshell keeps its variables.
const ENGINE_HOST_SCRIPT =
  'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; if command -v "$1" >/dev/null 2>&1; then d=yes; else d=no; fi; if [ -d /run/systemd/system ]; then s=yes; else s=no; fi; ' +
  'm=-; for x in apt-get dnf; do if command -v "$x" >/dev/null 2>&1; then m=$x; break; fi; done; echo "$d $s $m"; ' +
  '(if [ -r /etc/os-release ]; then . /etc/os-release; fi; echo "${ID:-} ${ID_LIKE:-}")';

export function parseEngineHost(stdout: string): EngineHost {
  const [first = '', second = ''] = stdout.split('\n');
  const [d, s, m] = first.trim().split(' ');
  return {
    installed: d === 'yes',
    systemd: s === 'yes',
    packageManager: m === 'apt-get' || m === 'dnf' ? m : undefined,
    distro: second.split(/\s+/).filter(Boolean),
  };
}

const RHEL_LIKE = ['rhel', 'centos', 'rocky', 'almalinux'];

/** The family whose packages fit: RHEL's clones say ID_LIKE "rhel fedora", but Fedora's packages are not theirs. */
export function distroFamily(distro: readonly string[]): DistroFamily | undefined {
  if (distro[0] !== 'fedora' && distro.some((x) => RHEL_LIKE.includes(x))) return 'rhel';
  if (distro.includes('fedora')) return 'fedora';
  if (distro.includes('debian') || distro.includes('ubuntu')) return 'debian';
  return undefined;
}

const MANAGER: Record<DistroFamily, 'apt-get' | 'dnf'> = { debian: 'apt-get', fedora: 'dnf', rhel: 'dnf' };

/** The known packages, for a message on a host the doctor installs nothing on. */
function knownPackages(setup: EngineSetup): string {
  const names: Record<DistroFamily, string> = { debian: 'Debian/Ubuntu', fedora: 'Fedora', rhel: 'RHEL' };
  return (Object.entries(setup.packages) as [DistroFamily, string][]).map(([f, p]) => `${p} on ${names[f]}`).join(', ');
}

/**
 * No socket: installed but stopped (a start fix under systemd), or not
 * installed: on Debian/Ubuntu (apt-get) and Fedora/RHEL (dnf) the install of
 * the distribution's own package, then under systemd its start and, for a
 * non-root user, the socket's group. Elsewhere the package is named and no
 * command listed: a guessed install is worse than none.
 */
export async function notRunning(
  ctx: CheckContext,
  dialect: Pick<EngineDialect, 'kind' | 'engine'> = DOCKER_DIALECT,
  setup: EngineSetup = DOCKER_SETUP,
): Promise<Finding> {
  const { engine: name, kind } = dialect;
  const code = `${kind}.engine`;
  const h = parseEngineHost((await ctx.exec(['sh', '-c', ENGINE_HOST_SCRIPT, 'sh', setup.binary])).stdout);
  const start = h.systemd ? [await setup.start(ctx)] : [];
  if (h.installed) {
    return h.systemd
      ? error(code, `${name} is installed but not running`, start)
      : error(
          code,
          `${name} is installed but not running, and systemd does not run this host: start ${setup.binary} the way it is run here`,
        );
  }
  const missing = `${name} is not installed (no ${setup.binary})`;
  const family = distroFamily(h.distro);
  const pkg = family && setup.packages[family];
  if (!family || !pkg) {
    const which = h.distro[0] ? `this distribution (${h.distro[0]})` : 'this distribution';
    return error(
      code,
      `${missing}: --fix installs it only from Debian/Ubuntu's or Fedora/RHEL's packages (${knownPackages(setup)}), not on ${which}: install it by hand`,
    );
  }
  const manager = MANAGER[family];
  if (h.packageManager !== manager) return error(code, `${missing}, and ${manager} is not here to install ${pkg} with: install it by hand`);
  const install =
    manager === 'apt-get'
      ? [await asRoot(ctx, ['apt-get', 'update']), await asRoot(ctx, ['apt-get', 'install', '-y', pkg])]
      : [await asRoot(ctx, ['dnf', 'install', '-y', pkg])];
  if (!h.systemd) {
    return error(
      code,
      `${missing}: --fix installs ${pkg} with ${manager}; systemd does not run this host: then start ${setup.binary} the way services are run here`,
      install,
    );
  }
  const user = await remoteUser(ctx);
  const access = user.uid === 0 ? undefined : await setup.access?.(ctx, user);
  const joins = access && access.after.length > 0;
  const text = `${missing}: --fix installs ${pkg} with ${manager} and starts it${joins ? `, and lets ${user.name} use its socket (a new login)` : ''}`;
  return {
    ...error(code, text, [...(access?.before ?? []), ...install, ...start, ...(access?.after ?? [])]),
    ...(joins ? { reconnect: true } : {}),
  };
}
