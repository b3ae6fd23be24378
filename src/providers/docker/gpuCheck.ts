import { type CheckContext, type Finding, ok, warning } from '../hostCheck.js';
import type { DockerEngine } from './dockerEngine.js';
import type { EngineDialect } from './engineDialect.js';

/** Where CDI device specs live (`nvidia-ctk cdi generate` writes them there); Podman's --gpus goes through them. */
const CDI_DIRS = ['/etc/cdi', '/var/run/cdi'];
/** A device node of each kind of GPU a container can be given. */
const GPU_DEVICES = ['/dev/nvidia0', '/dev/dri/renderD128'];

/** What the doctor reads of a host's GPUs: the engine's runtimes, the CDI specs and the device nodes. */
export interface GpuFacts {
  readonly runtimes: readonly string[];
  readonly cdiSpecs: readonly string[];
  readonly devices: readonly string[];
}

/**
 * Whether `--gpus` can work on this engine: Docker needs the nvidia runtime
 * (device requests), Podman CDI specs. A host without GPUs is fine; one with
 * a GPU the engine cannot hand out is a warning naming what to install.
 */
export function gpuFinding(facts: GpuFacts, dialect: Pick<EngineDialect, 'kind' | 'engine' | 'gpuStyle'>): Finding {
  const code = `${dialect.kind}.gpu`;
  const ready = dialect.gpuStyle === 'cdi' ? facts.cdiSpecs.length > 0 : facts.runtimes.includes('nvidia');
  const how = dialect.gpuStyle === 'cdi' ? `CDI specs (${facts.cdiSpecs.join(', ')})` : 'the nvidia runtime';
  if (ready) return ok(code, `${dialect.engine} can give instances GPUs through ${how}: --gpus works here`);
  if (facts.devices.length === 0) return ok(code, `no GPU on this host: a create with --gpus would fail here`);
  const missing =
    dialect.gpuStyle === 'cdi'
      ? 'no CDI spec describes it (install the NVIDIA Container Toolkit, then: nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml)'
      : `${dialect.engine} has no nvidia runtime (install the NVIDIA Container Toolkit, then: nvidia-ctk runtime configure --runtime=docker)`;
  return warning(code, `${facts.devices.join(', ')} is here but ${missing}; until then --gpus fails`);
}

/** Reads the facts over the host's link: the runtimes from the engine's /info (read once by the doctor), and `ls` of the CDI folders and device nodes (missing ones are simply absent). */
export async function readGpuFacts(ctx: CheckContext, info: { Runtimes?: Record<string, unknown> | null }): Promise<GpuFacts> {
  const [cdi, dev] = await Promise.all([ctx.exec(['ls', '-1', ...CDI_DIRS]), ctx.exec(['ls', '-1d', ...GPU_DEVICES])]);
  const runtimes = Object.keys(info.Runtimes ?? {});
  const cdiSpecs = cdi.stdout.split('\n').filter((l) => /\.(ya?ml|json)$/.test(l));
  const devices = dev.stdout.split('\n').filter((l) => l.startsWith('/dev/'));
  return { runtimes, cdiSpecs, devices };
}

export async function gpuCheckFindings(
  ctx: CheckContext,
  engine: DockerEngine,
  info: { Runtimes?: Record<string, unknown> | null },
): Promise<Finding[]> {
  return [gpuFinding(await readGpuFacts(ctx, info), engine.dialect)];
}
