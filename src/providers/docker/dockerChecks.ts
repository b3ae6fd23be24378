import { z } from 'zod';
import { asRoot, freeDisk } from '../common/hostFacts.js';
import { socketAccess, socketState } from '../common/socketAccess.js';
import { type CheckContext, error, type Finding, type HostCheck, NotChecked, ok, warning } from '../hostCheck.js';
import type { DockerEngine } from './dockerEngine.js';
import { statusOf } from './dockerErrors.js';

const VersionSchema = z.object({ Version: z.string(), ApiVersion: z.string(), Os: z.string().optional(), Arch: z.string().optional() });

const InfoSchema = z.object({
  DockerRootDir: z.string(),
  CgroupVersion: z.string().optional(),
  MemoryLimit: z.boolean().optional(),
  PidsLimit: z.boolean().optional(),
  CpuCfsQuota: z.boolean().optional(),
  Warnings: z.array(z.string()).nullish(),
});
export type DockerInfo = z.infer<typeof InfoSchema>;

/** The oldest API the Docker provider is tested with (Docker 20.10). */
export const MIN_DOCKER_API = '1.41';

/** Whether API version `a` (`1.41`) is older than `b`. */
export function apiOlder(a: string, b: string): boolean {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am < bm || (am === bm && an < bn);
}

/** Which of the limits a create sets the engine will enforce, from its /info. */
export function limitsFinding(info: DockerInfo): Finding {
  const off = [
    info.CpuCfsQuota === false ? 'cpu' : undefined,
    info.MemoryLimit === false ? 'memory' : undefined,
    info.PidsLimit === false ? 'pids' : undefined,
  ].filter((x): x is string => x !== undefined);
  const cgroup = `cgroup v${info.CgroupVersion ?? '1'}`;
  if (off.length === 0) return ok('docker.limits', `Docker enforces cpu, memory and pids limits (${cgroup})`);
  const text = `Docker would ignore the ${off.join(', ')} limit${off.length > 1 ? 's' : ''} (${cgroup})`;
  return off.includes('memory') || off.includes('pids') ? error('docker.limits', text) : warning('docker.limits', text);
}

/** The Docker engine behind one socket, as the doctor sees it. */
export function dockerChecks(engine: DockerEngine): readonly HostCheck[] {
  const socket = { engine: 'Docker', path: engine.socketPath, group: 'docker', otherProvider: 'LXD' };
  const info = (ctx: CheckContext) =>
    ctx.fact('docker.info', async () => {
      if (!(await socketState(ctx, engine.socketPath)).usable) throw new NotChecked('the Docker socket is not usable (docker.socket)');
      try {
        return InfoSchema.parse(await engine.call('read the engine info', () => engine.api.info()));
      } catch (e) {
        throw new NotChecked(`Docker does not answer (docker.engine): ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  return [
    { id: 'docker.socket', run: async (ctx) => [await socketAccess(ctx, 'docker.socket', socket)] },
    { id: 'docker.engine', run: async (ctx) => [await engineFinding(ctx, engine)] },
    { id: 'docker.limits', run: async (ctx) => [limitsFinding(await info(ctx))] },
    {
      id: 'docker.disk',
      run: async (ctx) => [await freeDisk(ctx, 'docker.disk', 'images and volumes', (await info(ctx)).DockerRootDir)],
    },
    {
      id: 'docker.image',
      // Only once the engine answers: its socket's failure is docker.socket's finding, not this one's.
      run: async (ctx) => (await info(ctx), [await imageFinding(ctx, engine)]),
    },
  ];
}

async function engineFinding(ctx: CheckContext, engine: DockerEngine): Promise<Finding> {
  const s = await socketState(ctx, engine.socketPath);
  if (!s.exists) return notRunning(ctx);
  if (!s.usable) throw new NotChecked('the Docker socket is not usable (docker.socket)');
  try {
    const v = VersionSchema.parse(await engine.call('reach the Docker engine', () => engine.api.version()));
    const text = `Docker ${v.Version} (API ${v.ApiVersion}${v.Os ? `, ${v.Os}/${v.Arch ?? '?'}` : ''})`;
    return apiOlder(v.ApiVersion, MIN_DOCKER_API)
      ? warning('docker.engine', `${text} is older than API ${MIN_DOCKER_API}, the oldest Code Swarm is tested with; upgrade it`)
      : ok('docker.engine', text);
  } catch (e) {
    return error('docker.engine', `Docker does not answer on ${engine.socketPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** What a host without a Docker socket has: the engine's binary, systemd, a package manager. */
export interface EngineHost {
  readonly installed: boolean;
  readonly systemd: boolean;
  readonly packageManager: 'apt-get' | 'dnf' | undefined;
}

// /run/systemd/system exists exactly when systemd is the running init (sd_booted).
// A user's PATH often lacks the sbin directories dockerd is installed in.
const ENGINE_HOST_SCRIPT =
  'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; if command -v dockerd >/dev/null 2>&1; then d=yes; else d=no; fi; if [ -d /run/systemd/system ]; then s=yes; else s=no; fi; ' +
  'm=-; for x in apt-get dnf; do if command -v "$x" >/dev/null 2>&1; then m=$x; break; fi; done; echo "$d $s $m"';

export function parseEngineHost(stdout: string): EngineHost {
  const [d, s, m] = stdout.trim().split(' ');
  return { installed: d === 'yes', systemd: s === 'yes', packageManager: m === 'apt-get' || m === 'dnf' ? m : undefined };
}

/** The distribution's package of the Docker engine, by package manager. */
const ENGINE_PACKAGE = { 'apt-get': 'docker.io', dnf: 'moby-engine' } as const;

/** No socket: installed but stopped (a start fix under systemd), or not installed (an install fix where a package manager is known). */
export async function notRunning(ctx: CheckContext): Promise<Finding> {
  const h = parseEngineHost((await ctx.exec(['sh', '-c', ENGINE_HOST_SCRIPT])).stdout);
  const start = h.systemd ? [await asRoot(ctx, ['systemctl', 'enable', '--now', 'docker'])] : [];
  if (h.installed) {
    return h.systemd
      ? error('docker.engine', 'Docker is installed but not running', start)
      : error(
          'docker.engine',
          'Docker is installed but not running, and systemd does not run this host: start dockerd the way it is run here',
        );
  }
  if (!h.packageManager)
    return error('docker.engine', 'Docker is not installed (no dockerd), and neither apt-get nor dnf is here: install it by hand');
  const pkg = ENGINE_PACKAGE[h.packageManager];
  const install =
    h.packageManager === 'apt-get'
      ? [await asRoot(ctx, ['apt-get', 'update']), await asRoot(ctx, ['apt-get', 'install', '-y', pkg])]
      : [await asRoot(ctx, ['dnf', 'install', '-y', pkg])];
  return error('docker.engine', `Docker is not installed (no dockerd): --fix installs ${pkg} with ${h.packageManager}`, [
    ...install,
    ...start,
  ]);
}

async function imageFinding(ctx: CheckContext, engine: DockerEngine): Promise<Finding> {
  try {
    const i = z.object({ Size: z.number().optional() }).parse(await engine.api.getImage(ctx.image).inspect());
    return ok('docker.image', `${ctx.image} is on the host${i.Size ? ` (${Math.round(i.Size / 1024 ** 2)} MB)` : ''}`);
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  const cli = await ctx.exec(['sh', '-c', 'command -v docker']);
  return warning(
    'docker.image',
    `${ctx.image} is not on the host: the first create pulls it, which needs a registry the host can reach`,
    cli.code === 0 ? [['docker', 'pull', ctx.image]] : undefined,
  );
}
