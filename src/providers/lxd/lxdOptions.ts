import { z } from 'zod';
import type { GpuRequest, MountSpec } from '../../shared/model.js';
import type { InstanceSpec } from '../provider.js';
import type { LxdClient } from './lxdClient.js';
import { isNotFound } from './lxdDaemon.js';

/** Our disk devices are named after this prefix and their index, so they are told from a profile's. */
export const MOUNT_DEVICE_PREFIX = 'code-swarm-mount-';
export const GPU_DEVICE_PREFIX = 'code-swarm-gpu';
/** Where a named volume lives: LXD's custom volumes of the default pool. */
export const VOLUME_POOL = 'default';

/**
 * `--env` as LXD's `environment.*` keys: LXD hands them to the container's
 * init, and systemd passes its own environment on to the services it starts
 * (code-server's unit among them).
 */
export function environmentConfig(env: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [`environment.${k}`, v]));
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
