import { z } from 'zod';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { GATEWAY_NAME_LABEL } from './swarmModeNames.js';

/** The networks a service's tasks join (their ids), read before the service goes so its overlay goes too. */
const ServiceNetworksSchema = z.object({
  Spec: z.object({
    Labels: z.record(z.string(), z.string()).nullable().optional(),
    TaskTemplate: z
      .object({
        ContainerSpec: z.object({ Image: z.string().optional() }).optional(),
        Networks: z
          .array(z.object({ Target: z.string() }))
          .nullable()
          .optional(),
      })
      .optional(),
  }),
});

/**
 * The service's image (for a purge's jobs), the ids of the networks it
 * names (a taken slot's overlay has no instance's name) and its gateway's
 * name when that is a taken slot's.
 */
export async function serviceParts(engine: DockerEngine, key: string): Promise<{ image?: string; networks: string[]; gateway?: string }> {
  try {
    const info = ServiceNetworksSchema.parse(await engine.api.getService(key).inspect());
    const tt = info.Spec.TaskTemplate;
    const image = tt?.ContainerSpec?.Image?.replace(/@sha256:[0-9a-f]+$/, '');
    const gateway = info.Spec.Labels?.[GATEWAY_NAME_LABEL];
    return { ...(image ? { image } : {}), ...(gateway ? { gateway } : {}), networks: (tt?.Networks ?? []).map((n) => n.Target) };
  } catch {
    return { networks: [] };
  }
}
