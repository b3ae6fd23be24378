import type { InstanceSpec } from '../provider.js';

/** Labels (Docker labels, LXD `user.*` keys) every instance carries. */
export const LABEL = {
  instance: 'code-swarm.instance',
  name: 'code-swarm.name',
  store: 'code-swarm.store',
  spec: 'code-swarm.spec',
  cookieSuffix: 'code-swarm.cookie-suffix',
} as const;

/** Seconds of code-server's own idle timeout, on an instance that has one (docs/IDLE.md). */
export const IDLE_LABEL = 'code-swarm.idle-timeout';

/** The environment variable code-server 4.106+ reads its idle timeout from; older ones ignore it. */
export const IDLE_TIMEOUT_ENV = 'CODE_SERVER_IDLE_TIMEOUT_SECONDS';

/** An idle-timeout label read back: a whole number of seconds, or nothing. */
export function parseIdleLabel(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,9}$/.test(raw)) return undefined;
  return Number(raw);
}

/** What the spec label keeps of a spec: what a list shows without asking the engine for its limits. */
export interface SpecLabel {
  readonly image: string;
  readonly cpus: number;
  readonly memoryBytes: number;
}

/**
 * The labels an instance is made with, each key under `prefix` (LXD lets us
 * invent only `user.*` config keys). Docker and LXD write the same five.
 */
export function instanceLabels(spec: InstanceSpec, prefix = ''): Record<string, string> {
  const specLabel: SpecLabel = { image: spec.image, cpus: spec.cpus, memoryBytes: spec.memoryBytes };
  return {
    [`${prefix}${LABEL.instance}`]: spec.id,
    [`${prefix}${LABEL.name}`]: spec.name,
    [`${prefix}${LABEL.store}`]: spec.storeId,
    [`${prefix}${LABEL.spec}`]: JSON.stringify(specLabel),
    [`${prefix}${LABEL.cookieSuffix}`]: spec.cookieSuffix,
    ...(spec.idleTimeoutSeconds !== undefined ? { [`${prefix}${IDLE_LABEL}`]: String(spec.idleTimeoutSeconds) } : {}),
  };
}

/**
 * The spec label read back. Anyone with access to the engine can edit it, so
 * every field is checked: what is missing or of the wrong type is left out,
 * never passed on as something else.
 */
export function parseSpecLabel(raw: string | undefined): Partial<SpecLabel> {
  let v: unknown;
  try {
    v = JSON.parse(raw || '{}');
  } catch {
    return {};
  }
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  return {
    ...(typeof o['image'] === 'string' ? { image: o['image'] } : {}),
    ...(typeof o['cpus'] === 'number' ? { cpus: o['cpus'] } : {}),
    ...(typeof o['memoryBytes'] === 'number' ? { memoryBytes: o['memoryBytes'] } : {}),
  };
}
