import { z } from 'zod';
import { LABEL } from '../common/labels.js';
import { POOL_LABEL } from './swarmModeNames.js';

const Labels = z.record(z.string(), z.string()).nullable().optional();

/** The fields of a container list (filtered by POOL_LABEL) a slot choice reads. */
export const SlotContainerListSchema = z.array(
  z.object({
    Id: z.string(),
    Names: z.array(z.string()).nullable().optional(),
    State: z.string(),
    Labels,
    NetworkSettings: z
      .object({
        Networks: z
          .record(z.string(), z.object({ NetworkID: z.string().optional() }))
          .nullable()
          .optional(),
      })
      .nullable()
      .optional(),
  }),
);
export type SlotContainerRow = z.infer<typeof SlotContainerListSchema>[number];

/** The fields of a network list (filtered by POOL_LABEL) a slot choice reads. */
export const SlotNetworkListSchema = z.array(z.object({ Id: z.string(), Name: z.string(), Labels }));
export type SlotNetworkRow = z.infer<typeof SlotNetworkListSchema>[number];

/** A slot a create may take: its gateway (by its slot name) and the overlay it is attached to. */
export interface ReadySlot {
  readonly slot: string;
  readonly gatewayId: string;
  readonly networkId: string;
}

/** What a refill or a host's removal takes away: never a slot an instance took. */
export interface SlotLeftovers {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
}

function nameOf(row: SlotContainerRow): string {
  return (row.Names?.[0] ?? '').replace(/^\//, '');
}

/** Still a slot: its gateway keeps its slot's name until a create renames it to the instance's. */
function unclaimed(row: SlotContainerRow): boolean {
  const slot = row.Labels?.[POOL_LABEL];
  return slot !== undefined && nameOf(row) === slot;
}

function ofStore(labels: Record<string, string> | null | undefined, storeId: string | undefined): boolean {
  return storeId === undefined || labels?.[LABEL.store] === storeId;
}

/** The slots of this store a create may take: unclaimed, their gateway running and on its overlay. */
export function readySlots(containers: readonly SlotContainerRow[], storeId: string): ReadySlot[] {
  return containers.flatMap((c) => {
    if (!unclaimed(c) || c.State !== 'running' || !ofStore(c.Labels, storeId)) return [];
    const networkId = Object.values(c.NetworkSettings?.Networks ?? {}).find((n) => n.NetworkID)?.NetworkID;
    return networkId ? [{ slot: nameOf(c), gatewayId: c.Id, networkId }] : [];
  });
}

/**
 * What is not a usable slot and belongs to no instance: an unclaimed
 * gateway that does not run (a refill killed between its create and its
 * start, or one that died), and an overlay whose slot has no gateway left
 * (killed before its gateway was made). `all` adds the idle slots
 * themselves (a host's removal). A slot another process is making at this
 * very moment may be caught too: its refill then fails and removes what it
 * made, so nothing is left either way.
 */
export function slotLeftovers(
  containers: readonly SlotContainerRow[],
  networks: readonly SlotNetworkRow[],
  options: { storeId?: string; all?: boolean } = {},
): SlotLeftovers {
  const gone = containers.filter(
    (c) => unclaimed(c) && ofStore(c.Labels, options.storeId) && (options.all === true || c.State !== 'running'),
  );
  const goneIds = new Set(gone.map((c) => c.Id));
  // A slot still has a gateway when any container of it stays: running and unclaimed, or taken by an instance.
  const kept = new Set(containers.filter((c) => !goneIds.has(c.Id)).map((c) => c.Labels?.[POOL_LABEL]));
  const nets = networks.filter((n) => {
    const slot = n.Labels?.[POOL_LABEL];
    return slot !== undefined && !kept.has(slot) && ofStore(n.Labels, options.storeId);
  });
  return { containers: gone.map((c) => c.Id), networks: nets.map((n) => n.Id) };
}
