import type Docker from 'dockerode';
import type { Swarm } from '../../src/core/swarm.js';
import { POOL_LABEL } from '../../src/providers/swarm/swarmModeNames.js';
import {
  readySlots,
  slotLeftovers,
  SlotContainerListSchema,
  SlotNetworkListSchema,
} from '../../src/providers/swarm/swarmModeSlotChoice.js';
import { eventually } from './eventually.js';

/** A manager's idle ready slots (any store's) and their overlays; slots instances took are theirs, left alone. */
export async function idleSwarmSlots(manager: Docker): Promise<{ containers: readonly string[]; networks: readonly string[] }> {
  const containers = SlotContainerListSchema.parse(await manager.listContainers({ all: true, filters: { label: [POOL_LABEL] } }));
  const networks = SlotNetworkListSchema.parse(await manager.listNetworks({ filters: { label: [POOL_LABEL] } }));
  return slotLeftovers(containers, networks, { all: true });
}

/** Removes them: the sweep after a suite, beside `hosts remove` (which removes its own store's). */
export async function sweepSwarmSlots(manager: Docker): Promise<void> {
  const idle = await idleSwarmSlots(manager);
  for (const id of idle.containers)
    await manager
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const id of idle.networks)
    await manager
      .getNetwork(id)
      .remove()
      .catch(() => undefined);
}

/**
 * A swarm suite's end: its instances deleted, its host removed (which
 * removes its store's idle slots once the refill under way is done), the
 * Swarm disposed, and whatever a failed run left swept.
 */
export async function closeSwarmSuite(swarm: Swarm, host: string, manager: Docker): Promise<void> {
  for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
  await swarm.removeHost(host, { force: true }).catch(() => undefined);
  await swarm.dispose();
  await sweepSwarmSlots(manager);
}

/** Waits for a ready slot of this store on the manager (a refill runs after a create); its gateway's name. */
export async function readySlot(manager: Docker, storeId: string, timeoutMs = 60_000): Promise<string> {
  const found = await eventually(
    `a ready slot of store ${storeId}`,
    async () =>
      readySlots(SlotContainerListSchema.parse(await manager.listContainers({ all: true, filters: { label: [POOL_LABEL] } })), storeId),
    (slots) => slots.length > 0,
    timeoutMs,
  );
  return found[0]!.slot;
}

/**
 * What carries the pool label and is neither an idle slot nor a part of a
 * live instance (a taken slot's gateway is named after its service; its
 * overlay is named by that service): should stay empty.
 */
export async function unaccountedSlotParts(manager: Docker): Promise<string[]> {
  const containers = SlotContainerListSchema.parse(await manager.listContainers({ all: true, filters: { label: [POOL_LABEL] } }));
  const networks = SlotNetworkListSchema.parse(await manager.listNetworks({ filters: { label: [POOL_LABEL] } }));
  const services = (await manager.listServices()) as { Spec?: { Name?: string; TaskTemplate?: { Networks?: { Target: string }[] } } }[];
  const gateways = new Set(services.map((s) => `${s.Spec?.Name ?? ''}-gw`));
  const used = new Set(services.flatMap((s) => (s.Spec?.TaskTemplate?.Networks ?? []).map((n) => n.Target)));
  const name = (c: (typeof containers)[number]) => (c.Names?.[0] ?? '').replace(/^\//, '');
  const idle = new Set(
    containers.filter((c) => name(c) === c.Labels?.[POOL_LABEL] && c.State === 'running').map((c) => c.Labels?.[POOL_LABEL]),
  );
  return [
    ...containers.filter((c) => !(idle.has(name(c)) || gateways.has(name(c)))).map((c) => `container ${name(c)} (${c.State})`),
    ...networks.filter((n) => !(used.has(n.Id) || idle.has(n.Labels?.[POOL_LABEL]))).map((n) => `network ${n.Name}`),
  ];
}
