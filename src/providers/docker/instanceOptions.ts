import type Docker from 'dockerode';
import type { GpuRequest, MountSpec } from '../../shared/model.js';

/**
 * How an engine with Docker's API is given GPUs: Docker's device requests
 * (the nvidia runtime hook picks the devices), or Podman's CDI device names
 * (`nvidia.com/gpu=all`, from the spec `nvidia-ctk cdi generate` writes).
 */
export type GpuStyle = 'device-requests' | 'cdi';

/** CDI's name for NVIDIA's GPUs (`nvidia.com/gpu=all`, `nvidia.com/gpu=0`). */
export const CDI_GPU = 'nvidia.com/gpu';

/** `--env` as Docker's `K=V` list, leaving out the names we set ourselves. */
export function envEntries(env: Readonly<Record<string, string>> | undefined, own: ReadonlySet<string>): string[] {
  return Object.entries(env ?? {})
    .filter(([k]) => !own.has(k))
    .map(([k, v]) => `${k}=${v}`);
}

/** `--mount` as Docker's mounts: a named volume, or a host path bound as it is. */
export function optionMounts(mounts: readonly MountSpec[] | undefined): Docker.MountSettings[] {
  return (mounts ?? []).map((m) => ({
    Type: m.type,
    Source: m.source,
    Target: m.target,
    ReadOnly: m.readOnly,
  }));
}

/** `--gpus` as the engine takes it; nothing when none were asked for. */
export function gpuDevices(gpus: GpuRequest | undefined, style: GpuStyle): Partial<Docker.HostConfig> {
  if (gpus === undefined) return {};
  if (style === 'cdi') {
    const names = gpus === 'all' ? [`${CDI_GPU}=all`] : Array.from({ length: gpus }, (_, i) => `${CDI_GPU}=${i}`);
    return { Devices: names.map((n) => ({ PathOnHost: n, PathInContainer: n, CgroupPermissions: 'rwm' })) };
  }
  // Count -1 is Docker's "all"; the capability picks NVIDIA's hook, as `docker run --gpus` does.
  return {
    DeviceRequests: [{ Driver: 'nvidia', Count: gpus === 'all' ? -1 : gpus, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }],
  };
}

/** The GPUs a container was made with, in either form. */
export function gpusFromHostConfig(host: Docker.HostConfig): GpuRequest | undefined {
  const request = host.DeviceRequests?.find((r) => (r.Capabilities ?? []).some((c) => c.includes('gpu')));
  if (request) return request.Count === -1 || request.Count === undefined ? 'all' : request.Count;
  // dockerode types Devices as any: read it as the mappings it is.
  const devices = (host.Devices ?? []) as readonly Partial<Docker.DeviceMapping>[];
  const cdi = devices.map((d) => d.PathOnHost ?? '').filter((p) => p.startsWith(`${CDI_GPU}=`));
  if (cdi.length === 0) return undefined;
  return cdi.includes(`${CDI_GPU}=all`) ? 'all' : cdi.length;
}

/** A mount as inspect and list report it (top-level `Mounts`: Docker and Podman both fill it). */
export interface EngineMount {
  readonly Type?: string;
  readonly Name?: string;
  readonly Source?: string;
  readonly Destination?: string;
  readonly RW?: boolean;
}

/** The instance's mounts besides the workspace, as the engine reports them. */
export function mountsFromEngine(mounts: readonly EngineMount[] | null | undefined, workspace: string): MountSpec[] {
  const out: MountSpec[] = [];
  for (const m of mounts ?? []) {
    if (!m.Destination || m.Destination === workspace) continue;
    // Podman's compat answers may leave a volume's name out: its source path has it (…/volumes/NAME/_data).
    const volume = m.Name || /\/volumes\/([^/]+)\/_data$/.exec(m.Source ?? '')?.[1];
    if (m.Type === 'volume' && volume) out.push({ type: 'volume', source: volume, target: m.Destination, readOnly: m.RW === false });
    else if (m.Type === 'bind' && m.Source) out.push({ type: 'bind', source: m.Source, target: m.Destination, readOnly: m.RW === false });
  }
  return out;
}
