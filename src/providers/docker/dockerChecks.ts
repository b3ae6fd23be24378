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

/** No socket: installed but stopped (a start fix where systemd runs it), or not installed. */
async function notRunning(ctx: CheckContext): Promise<Finding> {
  const r = await ctx.exec([
    'sh',
    '-c',
    'command -v dockerd >/dev/null 2>&1 || exit 3; command -v systemctl >/dev/null 2>&1 && systemctl cat docker.service >/dev/null 2>&1 || exit 4',
  ]);
  if (r.code === 3) {
    return error(
      'docker.engine',
      'Docker is not installed (no dockerd): install it, e.g. apt-get install docker.io or dnf install moby-engine',
    );
  }
  if (r.code === 0) {
    return error('docker.engine', 'Docker is installed but not running', [await asRoot(ctx, ['systemctl', 'enable', '--now', 'docker'])]);
  }
  return error('docker.engine', 'Docker is installed but not running, and not under systemd: start dockerd the way this host runs it');
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
