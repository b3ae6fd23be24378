import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LxdApiError, type LxdClient } from './lxdClient.js';
import { isNotFound } from './lxdDaemon.js';
import { LXD_KEY, LXD_LABEL_PREFIX } from './lxdKeys.js';
import { forceStop } from './lxdLifecycle.js';
import { instancePath } from './lxdPaths.js';
import { LxdInstanceSchema, type LxdInstance } from './lxdSchemas.js';

/**
 * Why templates: an instance's first start has LXD shift its whole root file
 * system to the container's uids (~2.3 s of a ~4.5 s create on gamma). A copy
 * of a stopped instance that has started once is already shifted, and its
 * first start skips that. So each host keeps, per image fingerprint, one such
 * instance (never started again), and creates copy it (docs/ARCHITECTURE.md).
 */

/** Config key of a template: the fingerprint of the image it is a copy of. */
export const TEMPLATE_KEY = `${LXD_LABEL_PREFIX}code-swarm.template`;
/** Config key of a template: the alias it was made for, so a newer image under that alias replaces it. */
export const TEMPLATE_IMAGE_KEY = `${LXD_LABEL_PREFIX}code-swarm.template-image`;
/** LXD's record that the root file system is shifted to these uids: set by the first start. */
const SHIFTED_KEY = 'volatile.last_state.idmap';

/**
 * Our instance names are `code-swarm-` + a DNS label, which never starts with
 * `-`: these can never be one of them.
 */
const TEMPLATE_PREFIX = 'code-swarm--template-';
const BUILD_PREFIX = 'code-swarm--building-';
/** LXD instance names are host names: 63 characters at most. */
const FINGERPRINT_CHARS = 24;
const BUSY_ATTEMPTS = 40;
const BUSY_RETRY_MS = 250;
/** dir-backed pools unpack and delete whole root file systems. */
const SLOW_OP_S = 900;

export function templateName(fingerprint: string): string {
  return `${TEMPLATE_PREFIX}${fingerprint.slice(0, FINGERPRINT_CHARS)}`;
}

/** Whether an LXD instance is a template (finished or still being made), never a user's instance. */
export function isTemplateName(name: string): boolean {
  return name.startsWith(TEMPLATE_PREFIX) || name.startsWith(BUILD_PREFIX);
}

/** A template new instances may be copied from: made for this image, stopped, shifted by its one start. */
export function isReadyTemplate(inst: LxdInstance, fingerprint: string): boolean {
  return inst.status === 'Stopped' && inst.config?.[TEMPLATE_KEY] === fingerprint && Boolean(inst.config?.[SHIFTED_KEY]);
}

/**
 * The config keys an instance copied from a template would inherit from it
 * and must not have: an empty value in the create request drops the key.
 */
export function templateKeysDropped(): Record<string, string> {
  return { [TEMPLATE_KEY]: '', [TEMPLATE_IMAGE_KEY]: '' };
}

const AliasSchema = z.object({ target: z.string() });

/** The fingerprint an alias names now; undefined when there is no such alias (the create from the image says so). */
export async function aliasFingerprint(api: LxdClient, alias: string): Promise<string | undefined> {
  try {
    return (await api.get(`/1.0/images/aliases/${encodeURIComponent(alias)}`, AliasSchema)).target;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** A ready template: its name, and the profiles a create from the image gets (a copy names them itself, or has none). */
export interface Template {
  readonly name: string;
  readonly profiles: readonly string[];
}

const TemplateSchema = LxdInstanceSchema.extend({ profiles: z.array(z.string()).nullish() });

/** The ready template of this image on the host, if there is one. */
export async function readyTemplate(api: LxdClient, fingerprint: string): Promise<Template | undefined> {
  const name = templateName(fingerprint);
  try {
    const inst = await api.get(instancePath(name), TemplateSchema);
    return isReadyTemplate(inst, fingerprint) ? { name, profiles: inst.profiles ?? [] } : undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Makes the template of `alias` (now `fingerprint`): created from the image
 * under a name of its own, started once (the shift), stopped, and only then
 * renamed to the name creates copy from, so no create ever copies a half-made
 * one. Two creates that make one at once both finish; the second rename is
 * refused and its copy deleted. Templates of an older image of the alias go.
 * `storeId` labels it like our instances, so sweeps by store find it.
 */
export async function buildTemplate(api: LxdClient, alias: string, fingerprint: string, storeId: string): Promise<void> {
  const temp = `${BUILD_PREFIX}${fingerprint.slice(0, FINGERPRINT_CHARS)}-${randomBytes(3).toString('hex')}`;
  const config = { [TEMPLATE_KEY]: fingerprint, [TEMPLATE_IMAGE_KEY]: alias, [LXD_KEY.store]: storeId };
  await api.run('POST', '/1.0/instances', {
    body: { name: temp, type: 'container', source: { type: 'image', fingerprint }, config },
    waitS: SLOW_OP_S,
  });
  try {
    await api.run('PUT', `${instancePath(temp)}/state`, { body: { action: 'start' }, waitS: 120 });
    // The shift is done once the start returns; nothing in it needs to run.
    await forceStop(api, temp);
    if (!isReadyTemplate(await api.get(instancePath(temp), LxdInstanceSchema), fingerprint)) {
      throw new Error(`${temp} did not record a shifted root file system (${SHIFTED_KEY})`);
    }
    await api.run('POST', instancePath(temp), { body: { name: templateName(fingerprint) }, waitS: 60 });
  } catch (e) {
    await forceStop(api, temp).catch(() => undefined);
    await deleteWhenFree(api, temp).catch(() => undefined);
    if (e instanceof LxdApiError && /already exists/i.test(e.message)) return;
    throw e;
  }
  await removeStaleTemplates(api, alias, fingerprint);
}

/**
 * After a start that failed, LXD 5.0 refuses a delete for about a second
 * ("Instance is busy running a "stop" operation"): tried again meanwhile.
 */
async function deleteWhenFree(api: LxdClient, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await api.run('DELETE', instancePath(name), { waitS: SLOW_OP_S });
      return;
    } catch (e) {
      if (isNotFound(e)) return;
      if (!(e instanceof LxdApiError) || !/busy/i.test(e.message) || attempt >= BUSY_ATTEMPTS) throw e;
    }
    await sleep(BUSY_RETRY_MS);
  }
}

/** Deletes the templates of `alias` made from an image other than `fingerprint`. */
export async function removeStaleTemplates(api: LxdClient, alias: string, fingerprint: string): Promise<void> {
  const rows = await api.get('/1.0/instances?recursion=1', z.array(LxdInstanceSchema));
  const stale = rows.filter(
    (r) => r.name.startsWith(TEMPLATE_PREFIX) && r.config?.[TEMPLATE_IMAGE_KEY] === alias && r.config[TEMPLATE_KEY] !== fingerprint,
  );
  await Promise.all(stale.map((r) => api.run('DELETE', instancePath(r.name), { waitS: SLOW_OP_S }).catch(() => undefined)));
}
