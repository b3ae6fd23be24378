import { z } from 'zod';
import { asRoot, freeDisk } from '../common/hostFacts.js';
import { socketAccess, socketState } from '../common/socketAccess.js';
import { type CheckContext, error, type Finding, type HostCheck, NotChecked, ok, warning } from '../hostCheck.js';
import type { DockerEngine } from './dockerEngine.js';
import { DOCKER_DIALECT, type EngineDialect } from './engineDialect.js';
import { statusOf } from './dockerErrors.js';

const VersionSchema = z.object({ Version: z.string(), ApiVersion: z.string(), Os: z.string().optional(), Arch: z.string().optional() });

const InfoSchema = z.object({
  DockerRootDir: z.string(),
  CgroupVersion: z.string().optional(),
  MemoryLimit: z.boolean().optional(),
  PidsLimit: z.boolean().optional(),
  CpuCfsQuota: z.boolean().optional(),
  Warnings: z.array(z.string()).nullish(),
  /** Podman adds `name=rootless` when it runs rootless. */
  SecurityOptions: z.array(z.string()).nullish(),
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
export function limitsFinding(info: DockerInfo, dialect: Pick<EngineDialect, 'kind' | 'engine'> = DOCKER_DIALECT): Finding {
  const code = `${dialect.kind}.limits`;
  const off = [
    info.CpuCfsQuota === false ? 'cpu' : undefined,
    info.MemoryLimit === false ? 'memory' : undefined,
    info.PidsLimit === false ? 'pids' : undefined,
  ].filter((x): x is string => x !== undefined);
  const cgroup = `cgroup v${info.CgroupVersion ?? '1'}`;
  if (off.length === 0) return ok(code, `${dialect.engine} enforces cpu, memory and pids limits (${cgroup})`);
  const text = `${dialect.engine} would ignore the ${off.join(', ')} limit${off.length > 1 ? 's' : ''} (${cgroup})`;
  return off.includes('memory') || off.includes('pids') ? error(code, text) : warning(code, text);
}

/** How the engine behind a Docker-API socket is installed, started and pulled with, for the fixes. */
export interface EngineSetup {
  /** The binary whose presence says the engine is installed. */
  readonly binary: string;
  /** The distribution's package of the engine, by package manager. */
  readonly packages: Readonly<Record<'apt-get' | 'dnf', string>>;
  /** The command that starts it under systemd, now and at boot. */
  start(ctx: CheckContext): Promise<string[]>;
  /** The pull of an image, or undefined when the host has no CLI to run it. */
  pull(ctx: CheckContext, image: string): Promise<string[] | undefined>;
}

const hasCommand = async (ctx: CheckContext, name: string) => (await ctx.exec(['sh', '-c', 'command -v "$1"', 'sh', name])).code === 0;

export const DOCKER_SETUP: EngineSetup = {
  binary: 'dockerd',
  packages: { 'apt-get': 'docker.io', dnf: 'moby-engine' },
  start: (ctx) => asRoot(ctx, ['systemctl', 'enable', '--now', 'docker']),
  pull: async (ctx, image) => ((await hasCommand(ctx, 'docker')) ? ['docker', 'pull', image] : undefined),
};

/** The engine's /info, once per run; NotChecked while its socket or the engine itself fails (their own findings say why). */
export function engineInfo(ctx: CheckContext, engine: DockerEngine): Promise<DockerInfo> {
  const { kind, engine: name } = engine.dialect;
  return ctx.fact(`${kind}.info`, async () => {
    if (!(await socketState(ctx, engine.socketPath)).usable) throw new NotChecked(`the ${name} socket is not usable (${kind}.socket)`);
    try {
      return InfoSchema.parse(await engine.call('read the engine info', () => engine.api.info()));
    } catch (e) {
      throw new NotChecked(`${name} does not answer (${kind}.engine): ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

/**
 * The engine behind one Docker-API socket, as the doctor sees it: Docker's,
 * or Podman's compatible one (codes and messages then name Podman).
 */
export function dockerChecks(engine: DockerEngine, setup: EngineSetup = DOCKER_SETUP): readonly HostCheck[] {
  const { kind, engine: name, socketGroup: group, otherProvider } = engine.dialect;
  const socket = { engine: name, path: engine.socketPath, group, otherProvider };
  return [
    { id: `${kind}.socket`, run: async (ctx) => [await socketAccess(ctx, `${kind}.socket`, socket)] },
    { id: `${kind}.engine`, run: async (ctx) => [await engineFinding(ctx, engine, setup)] },
    { id: `${kind}.limits`, run: async (ctx) => [limitsFinding(await engineInfo(ctx, engine), engine.dialect)] },
    {
      id: `${kind}.disk`,
      run: async (ctx) => [await freeDisk(ctx, `${kind}.disk`, 'images and volumes', (await engineInfo(ctx, engine)).DockerRootDir)],
    },
    {
      id: `${kind}.image`,
      // Only once the engine answers: its socket's failure is the socket check's finding, not this one's.
      run: async (ctx) => (await engineInfo(ctx, engine), [await imageFinding(ctx, engine, setup)]),
    },
  ];
}

async function engineFinding(ctx: CheckContext, engine: DockerEngine, setup: EngineSetup): Promise<Finding> {
  const { kind, engine: name } = engine.dialect;
  const code = `${kind}.engine`;
  const s = await socketState(ctx, engine.socketPath);
  if (!s.exists) return notRunning(ctx, engine.dialect, setup);
  if (!s.usable) throw new NotChecked(`the ${name} socket is not usable (${kind}.socket)`);
  try {
    const v = VersionSchema.parse(await engine.call(`reach the ${name} engine`, () => engine.api.version()));
    const text = `${name} ${v.Version} (API ${v.ApiVersion}${v.Os ? `, ${v.Os}/${v.Arch ?? '?'}` : ''})`;
    return apiOlder(v.ApiVersion, MIN_DOCKER_API)
      ? warning(code, `${text} is older than API ${MIN_DOCKER_API}, the oldest Code Swarm is tested with; upgrade it`)
      : ok(code, text);
  } catch (e) {
    return error(code, `${name} does not answer on ${engine.socketPath}: ${e instanceof Error ? e.message : String(e)}`);
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
  'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; if command -v "$1" >/dev/null 2>&1; then d=yes; else d=no; fi; if [ -d /run/systemd/system ]; then s=yes; else s=no; fi; ' +
  'm=-; for x in apt-get dnf; do if command -v "$x" >/dev/null 2>&1; then m=$x; break; fi; done; echo "$d $s $m"';

export function parseEngineHost(stdout: string): EngineHost {
  const [d, s, m] = stdout.trim().split(' ');
  return { installed: d === 'yes', systemd: s === 'yes', packageManager: m === 'apt-get' || m === 'dnf' ? m : undefined };
}

/** No socket: installed but stopped (a start fix under systemd), or not installed (an install fix where a package manager is known). */
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
  if (!h.packageManager)
    return error(code, `${name} is not installed (no ${setup.binary}), and neither apt-get nor dnf is here: install it by hand`);
  const pkg = setup.packages[h.packageManager];
  const install =
    h.packageManager === 'apt-get'
      ? [await asRoot(ctx, ['apt-get', 'update']), await asRoot(ctx, ['apt-get', 'install', '-y', pkg])]
      : [await asRoot(ctx, ['dnf', 'install', '-y', pkg])];
  return error(code, `${name} is not installed (no ${setup.binary}): --fix installs ${pkg} with ${h.packageManager}`, [
    ...install,
    ...start,
  ]);
}

async function imageFinding(ctx: CheckContext, engine: DockerEngine, setup: EngineSetup): Promise<Finding> {
  const code = `${engine.dialect.kind}.image`;
  try {
    const i = z.object({ Size: z.number().optional() }).parse(await engine.api.getImage(ctx.image).inspect());
    return ok(code, `${ctx.image} is on the host${i.Size ? ` (${Math.round(i.Size / 1024 ** 2)} MB)` : ''}`);
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  const pull = await setup.pull(ctx, ctx.image);
  return warning(
    code,
    `${ctx.image} is not on the host: the first create pulls it, which needs a registry the host can reach`,
    pull ? [pull] : undefined,
  );
}
