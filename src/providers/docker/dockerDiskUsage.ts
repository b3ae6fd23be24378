import type Docker from 'dockerode';
import { z } from 'zod';
import type { InstanceRef } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';

// Only the size the engine adds when asked: SizeRw is absent (or -1 on some engines) when it could not size the layer.
const SizedInspectSchema = z.object({ SizeRw: z.number().nullish() });

/**
 * The container's writable layer, as `GET /containers/ID/json?size=true`
 * sizes it. The engine walks the layer's files to answer, so the caller
 * decides how often (core's ResourceMonitor: instances with a quota, once a
 * minute). The workspace volume is not in it; see docs/DISK.md for why it is
 * not read.
 */
export async function writableLayerBytes(engine: DockerEngine, ref: InstanceRef): Promise<number | undefined> {
  // dockerode's types leave `size` out; it passes every option on as a query parameter.
  const sized: Docker.ContainerInspectOptions & { size: boolean } = { size: true };
  const raw: unknown = await engine.call('read the disk use', () => engine.container(ref).inspect(sized), ref);
  return sizeRwOf(engine.checked(SizedInspectSchema, raw, 'inspect'));
}

/** SizeRw when the engine could size the layer; undefined otherwise. */
export function sizeRwOf(inspect: z.infer<typeof SizedInspectSchema>): number | undefined {
  const n = inspect.SizeRw;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}
