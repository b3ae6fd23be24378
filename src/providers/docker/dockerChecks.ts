import { z } from 'zod';
import { freeDisk } from '../common/hostFacts.js';
import { socketAccess, socketState } from '../common/socketAccess.js';
import { type CheckContext, error, type Finding, type HostCheck, NotChecked, ok, warning } from '../hostCheck.js';
import type { DockerEngine } from './dockerEngine.js';
import { DOCKER_DIALECT, type EngineDialect } from './engineDialect.js';
import { statusOf } from './dockerErrors.js';
import { gpuCheckFindings } from './gpuCheck.js';
import { quotaFinding } from '../common/quotaFinding.js';
import { dockerQuotaProblem, StorageInfoSchema } from './dockerQuota.js';
import { DOCKER_SETUP, type EngineSetup, notRunning } from './engineSetup.js';

const VersionSchema = z.object({ Version: z.string(), ApiVersion: z.string(), Os: z.string().optional(), Arch: z.string().optional() });

const InfoSchema = StorageInfoSchema.extend({
  DockerRootDir: z.string(),
  /** The engine's OCI runtimes (`nvidia` for --gpus on Docker). */
  Runtimes: z.record(z.string(), z.unknown()).nullish(),
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
    // Only once the engine answers, like the image: a GPU the engine cannot hand out is named with what to install.
    { id: `${kind}.gpu`, run: async (ctx) => gpuCheckFindings(ctx, engine, await engineInfo(ctx, engine)) },
    {
      id: `${kind}.quota`,
      run: async (ctx) => {
        const why = await dockerQuotaProblem(engine, await engineInfo(ctx, engine));
        return [quotaFinding(`${kind}.quota`, why)];
      },
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
