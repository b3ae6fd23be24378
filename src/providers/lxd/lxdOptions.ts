import { z } from 'zod';
import type { GpuRequest, MountSpec } from '../../shared/model.js';
import type { InstanceSpec } from '../provider.js';
import type { LxdClient } from './lxdClient.js';
import { isNotFound } from './lxdDaemon.js';
import type { FirstStartFile } from './lxdFirstStart.js';

/** Our disk devices are named after this prefix and their index, so they are told from a profile's. */
export const MOUNT_DEVICE_PREFIX = 'code-swarm-mount-';
export const GPU_DEVICE_PREFIX = 'code-swarm-gpu';
/** Where a named volume lives: LXD's custom volumes of the default pool. */
export const VOLUME_POOL = 'default';

/** Where the environment file and the drop-in that hands it to code-server's unit live in the instance. */
export const ENV_DIR = '/etc/code-swarm';
export const ENV_FILE = `${ENV_DIR}/env`;
/** Drop-ins of code-server's unit. */
export const CODE_SERVER_DROP_IN_DIR = '/etc/systemd/system/code-server@coder.service.d';

/**
 * `--env` as a systemd EnvironmentFile of code-server's unit (root's, 0600),
 * not LXD's `environment.*` keys: those reach `lxc exec` and the container's
 * init, but systemd does not pass its own environment on to the services it
 * starts, so code-server would never see them.
 */
export function environmentFile(env: Readonly<Record<string, string>>): string {
  // Inside double quotes systemd takes \" \\ \` \$ as the character itself and expands nothing.
  return Object.entries(env)
    .map(([k, v]) => `${k}="${v.replace(/["\\`$]/g, (c) => `\\${c}`)}"\n`)
    .join('');
}

/** The environment file and the drop-in that reads it, for the instance's first start; nothing when there is no env. */
export function environmentFiles(env: Readonly<Record<string, string>> | undefined): FirstStartFile[] {
  if (!env || Object.keys(env).length === 0) return [];
  return [
    { path: ENV_FILE, content: environmentFile(env) },
    { path: `${CODE_SERVER_DROP_IN_DIR}/code-swarm-env.conf`, content: `[Service]\nEnvironmentFile=${ENV_FILE}\n` },
  ];
}

/** `--mount` and `--gpus` as LXD devices: a disk per mount (a host path, or a custom volume of the default pool), a gpu per GPU. */
export function optionDevices(spec: Pick<InstanceSpec, 'mounts' | 'gpus'>): Record<string, Record<string, string>> {
  const devices: Record<string, Record<string, string>> = {};
  (spec.mounts ?? []).forEach((m, i) => {
    devices[`${MOUNT_DEVICE_PREFIX}${i}`] = {
      type: 'disk',
      ...(m.type === 'volume' ? { pool: VOLUME_POOL } : {}),
      source: m.source,
      path: m.target,
      ...(m.readOnly ? { readonly: 'true' } : {}),
    };
  });
  Object.assign(devices, gpuDevices(spec.gpus));
  return devices;
}

/** All GPUs is one physical gpu device with no id; N GPUs are N devices, ids 0 to N-1 (LXD's DRM card ids). */
export function gpuDevices(gpus: GpuRequest | undefined): Record<string, Record<string, string>> {
  if (gpus === undefined) return {};
  if (gpus === 'all') return { [GPU_DEVICE_PREFIX]: { type: 'gpu', gputype: 'physical' } };
  return Object.fromEntries(
    Array.from({ length: gpus }, (_, i) => [`${GPU_DEVICE_PREFIX}-${i}`, { type: 'gpu', gputype: 'physical', id: String(i) }]),
  );
}

/** Our mounts, read back from the instance's devices. */
export function mountsFromDevices(devices: Readonly<Record<string, Readonly<Record<string, string>>>> | null | undefined): MountSpec[] {
  return Object.entries(devices ?? {})
    .filter(([name, d]) => name.startsWith(MOUNT_DEVICE_PREFIX) && d['type'] === 'disk' && d['source'] && d['path'])
    .sort(([a], [b]) => Number(a.slice(MOUNT_DEVICE_PREFIX.length)) - Number(b.slice(MOUNT_DEVICE_PREFIX.length)))
    .map(([, d]) => ({
      type: d['pool'] !== undefined ? 'volume' : 'bind',
      source: d['source'] as string,
      target: d['path'] as string,
      readOnly: d['readonly'] === 'true',
    }));
}

/**
 * Makes the custom volumes a create mounts that do not exist yet, as Docker
 * makes a named volume on first use. They outlive the instance: they are the
 * user's, not ours.
 */
export async function ensureVolumes(api: LxdClient, mounts: readonly MountSpec[] | undefined): Promise<void> {
  const path = `/1.0/storage-pools/${VOLUME_POOL}/volumes/custom`;
  for (const m of mounts ?? []) {
    if (m.type !== 'volume') continue;
    try {
      await api.get(`${path}/${encodeURIComponent(m.source)}`, z.unknown());
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await api.run('POST', path, { body: { name: m.source, type: 'custom', config: {} } });
    }
  }
}
