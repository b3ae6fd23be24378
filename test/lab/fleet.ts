import type Docker from 'dockerode';
import type { Swarm } from '../../src/core/swarm.js';
import { lab, labDocker, type LabHostName } from './lab.js';

/** A host record of the swarm and the lab machine (or the local engine) behind it. */
export interface FleetHost {
  readonly name: string;
  readonly on: LabHostName | 'local';
}

/**
 * Adds lab hosts under names of our choosing. Several records may point at
 * the same lab host: each record gets its own SSH connection and lists the
 * whole engine, which is how a fleet of many hosts looks to our code (and a
 * heavier list than a real host with only its own instances).
 */
export async function addFleetHosts(swarm: Swarm, hosts: readonly FleetHost[]): Promise<void> {
  for (const h of hosts) {
    if (h.on === 'local') {
      await swarm.addHost({ name: h.name, local: true });
      continue;
    }
    const l = lab().hosts[h.on];
    await swarm.addHost({ name: h.name, ssh: `${l.user}@${l.address}:${l.port}`, identityFile: lab().clientKey, provider: l.provider });
  }
}

export interface Outcome {
  readonly name: string;
  readonly error?: string;
}

/** Runs op over items with at most `limit` in flight; records each outcome instead of stopping at the first failure. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  op: (item: T) => Promise<unknown>,
  nameOf: (item: T) => string,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await op(item);
        out.push({ name: nameOf(item) });
      } catch (e) {
        out.push({ name: nameOf(item), error: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Containers and volumes labelled with a store's id on the given engines: what a cleanup must leave at zero. */
export async function labelledLeftovers(storeId: string, on: readonly (LabHostName | 'local')[]): Promise<string[]> {
  const found: string[] = [];
  for (const h of new Set(on)) {
    const docker = labDocker(h);
    const label = [`code-swarm.store=${storeId}`];
    const [containers, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters: { label } }),
      docker.listVolumes({ filters: { label } }),
    ]);
    for (const c of containers) found.push(`${h}: container ${c.Names[0] ?? c.Id}`);
    for (const v of volumes.Volumes ?? []) found.push(`${h}: volume ${v.Name}`);
  }
  return found;
}

/** Removes, behind Code Swarm's back, whatever a failed run left with this store's label. */
export async function removeLabelled(storeId: string, on: readonly (LabHostName | 'local')[]): Promise<void> {
  await removeLabelledFrom(storeId, [...new Set(on)].map(labDocker), 16);
}

/** The same on any engines (the bench's fleet), all engines at once, at most `limit` removals in flight on each. */
export async function removeLabelledFrom(storeId: string, engines: readonly Docker[], limit: number): Promise<void> {
  const label = [`code-swarm.store=${storeId}`];
  await Promise.all(
    engines.map(async (docker) => {
      const containers = await docker.listContainers({ all: true, filters: { label } });
      await eachLimited(
        containers,
        limit,
        (c) => docker.getContainer(c.Id).remove({ force: true }),
        (c) => c.Id,
      );
      const volumes = await docker.listVolumes({ filters: { label } });
      await eachLimited(
        volumes.Volumes ?? [],
        limit,
        (v) => docker.getVolume(v.Name).remove(),
        (v) => v.Name,
      );
    }),
  );
}
