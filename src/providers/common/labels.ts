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

/**
 * Tags are labels under this prefix, never a bare key: Docker merges an
 * image's own labels into its containers' (`maintainer`, `org.opencontainers…`),
 * so only a prefix tells a tag from them when it is read back, and no tag
 * can pose as one of our labels above. `docker ps --filter
 * label=code-swarm.tag.team=web` (LXD: `user.code-swarm.tag.team`) finds them.
 */
export const TAG_LABEL_PREFIX = 'code-swarm.tag.';

/** The labels of an instance's tags, each key under `prefix` too. */
export function tagLabels(tags: Readonly<Record<string, string>> | undefined, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) out[`${prefix}${TAG_LABEL_PREFIX}${k}`] = v;
  return out;
}

/** The tags among an instance's labels (or LXD config keys, with their `user.` prefix). */
export function tagsFromLabels(labels: Readonly<Record<string, string>> | null | undefined, prefix = ''): Record<string, string> {
  const start = `${prefix}${TAG_LABEL_PREFIX}`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (k.startsWith(start) && k.length > start.length) out[k.slice(start.length)] = v;
  return out;
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
    ...tagLabels(spec.tags, prefix),
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
