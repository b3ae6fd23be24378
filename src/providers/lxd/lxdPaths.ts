import { instanceName } from '../common/instanceName.js';
import type { InstanceRef } from '../provider.js';

/** What an instance is called in LXD. */
export function lxdInstanceName(name: string): string {
  return instanceName(name);
}

/** How to address the LXD instance of a ref: its recorded name when known. */
export function lxdNameOf(ref: InstanceRef): string {
  return ref.containerId ?? lxdInstanceName(ref.name);
}

export function instancePath(name: string): string {
  return `/1.0/instances/${encodeURIComponent(name)}`;
}

export function snapshotPath(name: string, snapshot: string): string {
  return `${instancePath(name)}/snapshots/${encodeURIComponent(snapshot)}`;
}

export function filesPath(name: string, path: string): string {
  return `${instancePath(name)}/files?path=${encodeURIComponent(path)}`;
}

/** Headers of a file push: what LXD creates, owned by whom, with what mode. */
export function fileHeaders(type: 'file' | 'directory' | 'symlink', uid: number, mode: number): Record<string, string> {
  return {
    'X-LXD-type': type,
    'X-LXD-uid': String(uid),
    'X-LXD-gid': String(uid),
    'X-LXD-mode': `0${mode.toString(8)}`,
  };
}
