import type { InstanceState } from '../../shared/model.js';
import { ownName } from '../common/instanceName.js';
import { parseSpecLabel, tagsFromLabels } from '../common/labels.js';
import type { ObservedInstance } from '../provider.js';
import { LXD_KEY, LXD_LABEL_PREFIX } from './lxdKeys.js';
import { mountsFromDevices } from './lxdOptions.js';
import { proxyPort } from './lxdPorts.js';
import type { LxdInstance } from './lxdSchemas.js';

/** LXD's words for an instance, in ours. */
export function mapLxdStatus(status: string): { state: InstanceState; error?: string } {
  switch (status) {
    case 'Running':
      return { state: 'running' };
    case 'Stopped':
    case 'Frozen':
      return { state: 'stopped' };
    case 'Starting':
    case 'Stopping':
      return { state: 'starting' };
    case 'Error':
      return { state: 'failed', error: 'LXD reports the instance in an error state' };
    default:
      return { state: 'failed', error: `unknown instance status "${status}"` };
  }
}

export function fromLxdInstance(inst: LxdInstance): ObservedInstance {
  const config = inst.config ?? {};
  const mapped = mapLxdStatus(inst.status);
  const spec = parseSpecLabel(config[LXD_KEY.spec]);
  const tags = tagsFromLabels(config, LXD_LABEL_PREFIX);
  const mounts = mountsFromDevices(inst.devices);
  return {
    id: config[LXD_KEY.instance] ?? inst.name,
    name: config[LXD_KEY.name] ?? ownName(inst.name) ?? inst.name,
    containerId: inst.name,
    image: spec.image ?? config['image.description'] ?? config['volatile.base_image']?.slice(0, 12) ?? 'unknown',
    state: mapped.state,
    port: proxyPort(inst),
    storeId: config[LXD_KEY.store],
    cookieSuffix: config[LXD_KEY.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt: lxdTime(inst.created_at),
    startedAt: mapped.state === 'running' ? lxdTime(inst.last_used_at) : undefined,
    error: mapped.error,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
  };
}

/** LXD writes "0001-01-01T00:00:00Z" for never; nanosecond precision is trimmed to what Date keeps. */
export function lxdTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** limits.memory ("2048MiB", "2GB") in bytes; undefined for what is not a size (e.g. a percentage). */
export function parseLxdMemory(v: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kMGT]i?B|B)?$/.exec(v ?? '');
  const unit = UNITS[m?.[2] ?? ''];
  return m && unit ? Math.round(Number(m[1]) * unit) : undefined;
}
