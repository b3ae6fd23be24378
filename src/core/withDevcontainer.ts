import { SwarmError } from '../shared/errors.js';
import type { InstanceRecord } from '../shared/model.js';
import type { DevcontainerPlan } from './devcontainerFile.js';
import type { BuildInput } from './validateBuild.js';

/** The parts of a create's input a devcontainer.json fills in (core/instanceLifecycle.ts's CreateInput has them all). */
export interface DevcontainerTarget {
  readonly image?: string;
  readonly build?: BuildInput;
  readonly env?: readonly string[];
  readonly mounts?: readonly string[];
  readonly cpus?: string | number;
  readonly memory?: string;
  readonly gpus?: string;
}

/**
 * A create from a devcontainer.json, as the create options every other path
 * takes: its image or build, env, mounts and limits. What is given on the
 * command line as well wins (a variable of the same name, --cpus, --memory,
 * --gpus); mounts add up.
 */
export function withDevcontainer<T extends DevcontainerTarget>(input: T, plan: DevcontainerPlan): T {
  if (input.image !== undefined || input.build !== undefined) {
    throw new SwarmError('Give --devcontainer, or --image / --dockerfile, not both', {
      code: 'invalid-input',
      hint: 'The devcontainer.json names its own image or build',
    });
  }
  const given = new Set((input.env ?? []).map((e) => e.slice(0, Math.max(0, e.indexOf('=')))));
  const env = [...plan.env.filter((e) => !given.has(e.slice(0, e.indexOf('=')))), ...(input.env ?? [])];
  const mounts = [...plan.mounts, ...(input.mounts ?? [])];
  const cpus = input.cpus ?? plan.cpus;
  const memory = input.memory ?? plan.memory;
  const gpus = input.gpus ?? plan.gpus;
  return {
    ...input,
    ...(plan.image !== undefined ? { image: plan.image } : {}),
    ...(plan.build !== undefined ? { build: plan.build } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(cpus !== undefined ? { cpus } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
  };
}

/** What the record keeps of a devcontainer.json beyond the create's options: its ports, and what was not done. */
export function devcontainerFields(dc: DevcontainerPlan): Partial<InstanceRecord> {
  return {
    ...(dc.forwardPorts.length > 0 ? { forwardPorts: [...dc.forwardPorts] } : {}),
    ...(dc.unsupported.length > 0 ? { unsupported: [...dc.unsupported] } : {}),
  };
}
