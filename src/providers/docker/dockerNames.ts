import { instanceName } from '../common/instanceName.js';
import type { InstanceRef } from '../provider.js';

/** What an instance's container is called. */
export function containerName(name: string): string {
  return instanceName(name);
}

/** The volume that keeps an instance's workspace across restarts and restores. */
export function volumeName(name: string): string {
  return `${instanceName(name)}-project`;
}

/** The image repository an instance's snapshots are tagged in. */
export function snapshotRepo(ref: InstanceRef): string {
  return `code-swarm-snapshot/${ref.name}`;
}

/** How to address the container of a ref: its id when known, else its name. */
export function containerKey(ref: InstanceRef): string {
  return ref.containerId ?? containerName(ref.name);
}

/** The image a build on the host makes for an instance: one tag per instance, so deleting one never takes another's. */
export function builtImageName(name: string): string {
  return `code-swarm-build/${name}:latest`;
}
