import type Docker from 'dockerode';
import type { Swarm } from '../../src/core/swarm.js';
import { GATEWAY_NAME_LABEL, POOL_LABEL } from '../../src/providers/swarm/swarmModeNames.js';
import {
  readySlots,
  SlotClaimListSchema,
  slotLeftovers,
  SlotContainerListSchema,
  SlotNetworkListSchema,
} from '../../src/providers/swarm/swarmModeSlotChoice.js';
import { eventually } from './eventually.js';

const filters = { label: [POOL_LABEL] };

/** What carries the pool label on a manager: slots' gateways, overlays and claims. */
async function slotRows(manager: Docker) {
  return {
    containers: SlotContainerListSchema.parse(await manager.listContainers({ all: true, filters })),
    networks: SlotNetworkListSchema.parse(await manager.listNetworks({ filters })),
    claims: SlotClaimListSchema.parse(await manager.listConfigs({ filters })),
  };
}

/** Removes a manager's idle ready slots (any store's), and what half-made ones left; slots instances took are theirs. */
export async function sweepSwarmSlots(manager: Docker): Promise<void> {
  const rows = await slotRows(manager);
  const idle = slotLeftovers(rows.containers, rows.networks, rows.claims, { all: true });
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

/** Waits for a ready slot of this store on the manager (a refill runs after a create); its name. */
export async function readySlot(manager: Docker, storeId: string, timeoutMs = 60_000): Promise<string> {
  const found = await eventually(
    `a ready slot of store ${storeId}`,
    async () => {
      const rows = await slotRows(manager);
      return readySlots(rows.containers, rows.claims, storeId);
    },
    (slots) => slots.length > 0,
    timeoutMs,
  );
  return found[0]!.slot;
}

/**
 * What carries the pool label and is neither an idle slot nor a part of a
 * live instance (a taken slot's gateway and claim are named by its
 * service's label, its overlay by the service's network): should stay empty.
 */
export async function unaccountedSlotParts(manager: Docker): Promise<string[]> {
  const { containers, networks, claims } = await slotRows(manager);
  const services = (await manager.listServices()) as {
    Spec?: { Labels?: Record<string, string>; TaskTemplate?: { Networks?: { Target: string }[] } };
  }[];
  const live = new Set(services.flatMap((s) => s.Spec?.Labels?.[GATEWAY_NAME_LABEL] ?? []));
  const used = new Set(services.flatMap((s) => (s.Spec?.TaskTemplate?.Networks ?? []).map((n) => n.Target)));
  const claimed = new Set(claims.map((c) => c.Spec.Name));
  const idle = new Set(
    containers.filter((c) => c.State === 'running' && !claimed.has(c.Labels?.[POOL_LABEL] ?? '')).map((c) => c.Labels?.[POOL_LABEL]),
  );
  const ok = (slot: string | undefined) => slot !== undefined && (idle.has(slot) || live.has(slot));
  return [
    ...containers.filter((c) => !ok(c.Labels?.[POOL_LABEL])).map((c) => `container ${c.Names?.[0] ?? c.Id} (${c.State})`),
    ...networks.filter((n) => !(used.has(n.Id) || ok(n.Labels?.[POOL_LABEL]))).map((n) => `network ${n.Name}`),
    ...claims.filter((c) => !live.has(c.Spec.Name)).map((c) => `claim ${c.Spec.Name}`),
  ];
}
