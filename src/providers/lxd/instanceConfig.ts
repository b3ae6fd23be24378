import { instanceLabels } from '../common/labels.js';
import type { InstanceSpec } from '../provider.js';
import { LXD_LABEL_PREFIX } from './lxdKeys.js';
import { optionDevices } from './lxdOptions.js';
import { proxyDevice, PROXY_DEVICE } from './lxdPorts.js';
import { sizedRootDevice } from './lxdQuota.js';

/** Bytes → what limits.memory takes; whole MiB, rounded up so a limit never shrinks. */
export function memoryLimit(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / 1024 ** 2))}MiB`;
}

/** What LXD's limits.cpu* take for a Docker-style CPU count. */
export function cpuLimits(cpus: number): Record<string, string> {
  const whole = Math.max(1, Math.ceil(cpus));
  // limits.cpu alone would grant whole CPUs; the allowance caps time like docker --cpus.
  return Number.isInteger(cpus) && cpus >= 1
    ? { 'limits.cpu': String(whole) }
    : { 'limits.cpu': String(whole), 'limits.cpu.allowance': `${Math.max(1, Math.round(cpus * 100))}ms/100ms` };
}

/** The body of the POST that creates an instance: limits, hardening, our labels and the loopback proxy. */
export function instanceBody(name: string, spec: InstanceSpec, port: number, rootPool?: string): Record<string, unknown> {
  return {
    name,
    type: 'container',
    source: { type: 'image', alias: spec.image },
    config: {
      ...cpuLimits(spec.cpus),
      'limits.memory': memoryLimit(spec.memoryBytes),
      'limits.processes': String(spec.pidsLimit),
      'security.privileged': 'false',
      'security.nesting': 'false',
      ...instanceLabels(spec, LXD_LABEL_PREFIX),
    },
    devices: {
      ...optionDevices(spec),
      // --disk: the profile's root device, on its pool, with a size (checked to be enforced before, lxdQuota.ts).
      ...(spec.diskBytes !== undefined && rootPool !== undefined ? { root: sizedRootDevice(rootPool, spec.diskBytes) } : {}),
      [PROXY_DEVICE]: proxyDevice(port),
    },
  };
}
