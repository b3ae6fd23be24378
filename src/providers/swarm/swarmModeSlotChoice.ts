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

/** The fields of a Swarm config list (filtered by POOL_LABEL): a config named after a slot is its claim. */
export const SlotClaimListSchema = z.array(z.object({ ID: z.string(), Spec: z.object({ Name: z.string(), Labels }) }));
export type SlotClaimRow = z.infer<typeof SlotClaimListSchema>[number];

/** A slot a create may take: its gateway (named as the slot) and the overlay it is attached to. */
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

function ofStore(labels: Record<string, string> | null | undefined, storeId: string | undefined): boolean {
  return storeId === undefined || labels?.[LABEL.store] === storeId;
}

/** The slots a create took: each has a claim (a Swarm config named as the slot). */
function claimed(claims: readonly SlotClaimRow[]): Set<string> {
  return new Set(claims.map((c) => c.Spec.Name));
}

/** The slots of this store a create may take: unclaimed, their gateway running and on its overlay. */
export function readySlots(containers: readonly SlotContainerRow[], claims: readonly SlotClaimRow[], storeId: string): ReadySlot[] {
  const taken = claimed(claims);
  return containers.flatMap((c) => {
    const slot = c.Labels?.[POOL_LABEL];
    if (slot === undefined || nameOf(c) !== slot || taken.has(slot) || c.State !== 'running' || !ofStore(c.Labels, storeId)) return [];
    const networkId = Object.values(c.NetworkSettings?.Networks ?? {}).find((n) => n.NetworkID)?.NetworkID;
    return networkId ? [{ slot, gatewayId: c.Id, networkId }] : [];
  });
}

/**
 * What is not a usable slot and belongs to no instance: an unclaimed
 * gateway that does not run (a refill killed between its create and its
 * start, or one that died), and an overlay whose slot has neither a gateway
 * nor a claim (killed before its gateway was made). `all` adds the idle
 * slots themselves (a host's removal). A slot another process is making at
 * this very moment may be caught too: its refill then fails and removes
 * what it made, so nothing is left either way.
 */
export function slotLeftovers(
  containers: readonly SlotContainerRow[],
  networks: readonly SlotNetworkRow[],
  claims: readonly SlotClaimRow[],
  options: { storeId?: string; all?: boolean } = {},
): SlotLeftovers {
  const taken = claimed(claims);
  const gone = containers.filter((c) => {
    const slot = c.Labels?.[POOL_LABEL];
    return slot !== undefined && !taken.has(slot) && ofStore(c.Labels, options.storeId) && (options.all === true || c.State !== 'running');
  });
  const goneIds = new Set(gone.map((c) => c.Id));
  const kept = new Set([...taken, ...containers.filter((c) => !goneIds.has(c.Id)).map((c) => c.Labels?.[POOL_LABEL])]);
  const nets = networks.filter((n) => {
    const slot = n.Labels?.[POOL_LABEL];
    return slot !== undefined && !kept.has(slot) && ofStore(n.Labels, options.storeId);
  });
  return { containers: gone.map((c) => c.Id), networks: nets.map((n) => n.Id) };
}
