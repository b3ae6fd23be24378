import { z } from 'zod';
import { SwarmError } from '../../shared/errors.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import type { InstanceSpec } from '../provider.js';
import { PROJECT_DIR, TASK_WRAPPER } from './swarmModeSpec.js';
import { ServiceMountsSchema } from './swarmModeState.js';

/** The parts of a service's stored spec that make it hardened; anything absent reads as not applied. */
const StoredServiceSchema = z.object({
  Spec: z.object({
    TaskTemplate: z
      .object({
        ContainerSpec: z
          .object({
            User: z.string().optional(),
            Command: z.array(z.string()).nullish(),
            CapabilityAdd: z.array(z.string()).nullish(),
            CapabilityDrop: z.array(z.string()).nullish(),
            Mounts: ServiceMountsSchema,
          })
          .passthrough()
          .optional(),
        Resources: z
          .object({
            Limits: z
              .object({ NanoCPUs: z.number().optional(), MemoryBytes: z.number().optional(), Pids: z.number().optional() })
              .nullish(),
          })
          .passthrough()
          .nullish(),
      })
      .passthrough(),
    EndpointSpec: z
      .object({ Ports: z.array(z.unknown()).nullish() })
      .passthrough()
      .nullish(),
  }),
});
type StoredService = z.infer<typeof StoredServiceSchema>;

/** What the read-back compares with. */
export type ServiceHardeningSpec = Pick<InstanceSpec, 'name' | 'cpus' | 'memoryBytes' | 'pidsLimit' | 'mounts'>;

/**
 * What the manager stored for the service, against what the create asked
 * for: a socket proxy or an engine plugin may rewrite a service create as it
 * may a container create, and an older engine drops fields it does not know
 * (the pids limit before API 1.41). The task's containers live on other
 * nodes, out of the manager's inspect, so the stored spec is what can be read
 * back; no-new-privileges is the wrapper's (setpriv), so the wrapper must be
 * the command. One line per setting that did not hold.
 */
export function serviceHardeningProblems(stored: StoredService, spec: ServiceHardeningSpec): string[] {
  const problems: string[] = [];
  const c = stored.Spec.TaskTemplate.ContainerSpec ?? {};
  const user = c.User ?? '';
  if (user === '' || /^(root|0)(:|$)/.test(user)) problems.push(`runs as ${user ? `user ${user}` : 'the image default (root)'}`);
  if ((c.CapabilityAdd ?? []).length > 0) problems.push(`adds capabilities ${(c.CapabilityAdd ?? []).join(', ')}`);
  if (!(c.CapabilityDrop ?? []).some((cap) => /^(CAP_)?ALL$/i.test(cap))) problems.push('does not drop all capabilities');
  if (c.Command?.[2] !== TASK_WRAPPER) problems.push('no no-new-privileges (the task wrapper is not its command)');
  const limits = stored.Spec.TaskTemplate.Resources?.Limits ?? {};
  const nanoCpus = Math.round(spec.cpus * 1e9);
  if (limits.NanoCPUs !== nanoCpus)
    problems.push(`CPU limit ${spec.cpus} not applied (engine reports ${limits.NanoCPUs ? limits.NanoCPUs / 1e9 : 'none'})`);
  if (limits.MemoryBytes !== spec.memoryBytes)
    problems.push(`memory limit ${spec.memoryBytes} not applied (engine reports ${limits.MemoryBytes ?? 'none'})`);
  if (spec.pidsLimit > 0 && limits.Pids !== spec.pidsLimit)
    problems.push(`pids limit ${spec.pidsLimit} not applied (engine reports ${limits.Pids && limits.Pids > 0 ? limits.Pids : 'none'})`);
  const mounts = c.Mounts ?? [];
  if (!mounts.some((m) => m.Target === PROJECT_DIR)) problems.push(`no workspace volume at ${PROJECT_DIR}`);
  for (const want of spec.mounts ?? []) {
    const got = mounts.find((m) => m.Target === want.target);
    if (!got || got.Source !== want.source) problems.push(`mount ${want.source}:${want.target} missing`);
    else if (want.readOnly && got.ReadOnly !== true) problems.push(`mount ${want.target} not read-only`);
  }
  const published = stored.Spec.EndpointSpec?.Ports ?? [];
  if (published.length > 0) problems.push(`publishes ${published.length} port(s) on every node`);
  return problems;
}

/**
 * Reads a service just made back from the manager and refuses it when its
 * hardening did not hold: one line naming each setting. The caller's undo
 * removes it, so nothing weaker than asked for stays on the cluster.
 */
export async function requireServiceHardened(engine: DockerEngine, serviceId: string, spec: ServiceHardeningSpec): Promise<void> {
  const raw = await engine.call('read the service back', () => engine.api.getService(serviceId).inspect());
  const problems = serviceHardeningProblems(engine.checked(StoredServiceSchema, raw, 'service'), spec);
  if (problems.length === 0) return;
  throw new SwarmError(`Swarm on ${engine.link.label} did not keep the hardening of ${spec.name}: ${problems.join('; ')}`, {
    code: 'internal',
    hint: 'It was removed. Check what sits between Code Swarm and the manager (a socket proxy or plugin may rewrite a service create), and the engine version (20.10 or later)',
  });
}
