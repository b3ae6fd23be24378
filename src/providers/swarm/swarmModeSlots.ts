import { randomBytes } from 'node:crypto';
import { LABEL } from '../common/labels.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { statusOf } from '../docker/dockerErrors.js';
import { POOL_LABEL, slotName, slotOverlayName } from './swarmModeNames.js';
import {
  readySlots,
  slotLeftovers,
  SlotContainerListSchema,
  SlotNetworkListSchema,
  SlotClaimListSchema,
  type ReadySlot,
  type SlotClaimRow,
  type SlotContainerRow,
  type SlotNetworkRow,
} from './swarmModeSlotChoice.js';
import { gatewayOptions, overlayOptions } from './swarmModeSpec.js';

/**
 * Ready slots (docs/ARCHITECTURE.md, "Where create → healthy goes"): an
 * overlay no instance has used with a gateway already attached and running
 * on the manager, made in the background after a create, so the next create
 * on this host skips the overlay's set-up on the manager (~1.5 s).
 */

/** Slots kept ready per swarm host and store: creates come one at a time far more often than in bursts. */
export const POOL_SIZE = 1;

/** What a slot is made of: the gateway runs this image as this user (the last create's: likely the next one's). */
export interface SlotRecipe {
  readonly image: string;
  readonly user: string;
  readonly storeId: string;
  readonly encrypted: boolean;
}

interface SlotRows {
  containers: SlotContainerRow[];
  networks: SlotNetworkRow[];
  claims: SlotClaimRow[];
}

const filters = { label: [POOL_LABEL] };

async function slotRows(engine: DockerEngine): Promise<SlotRows> {
  const [containers, networks, claims] = await Promise.all([
    engine.call('list the ready slots', () => engine.api.listContainers({ all: true, filters })),
    engine.call('list the ready slots’ overlays', () => engine.api.listNetworks({ filters })),
    engine.call('list the slots’ claims', () => engine.api.listConfigs({ filters })),
  ]);
  return {
    containers: engine.checked(SlotContainerListSchema, containers, 'container list'),
    networks: engine.checked(SlotNetworkListSchema, networks, 'network list'),
    claims: engine.checked(SlotClaimListSchema, claims, 'config list'),
  };
}

/** A slot taken for an instance: its claim's id too, removed with the instance. */
export interface TakenSlot extends ReadySlot {
  readonly claimId: string;
}

/**
 * Takes a ready slot for an instance by making its claim: a Swarm config
 * named as the slot (labelled with the instance). Swarm's store keeps names
 * unique, so of two creates (in any processes) after one slot, one makes
 * it and the other is refused (409) and tries the next. (Renaming the
 * gateway would say it better, but Docker 20.10 cannot rename a container
 * on a Swarm overlay: moby/moby#42351.) Undefined when none is left, or a
 * claim fails otherwise: the create then makes its own overlay and gateway,
 * as without a pool.
 */
export async function takeSlot(engine: DockerEngine, labels: Record<string, string>): Promise<TakenSlot | undefined> {
  const { containers, claims } = await slotRows(engine);
  const storeId = labels[LABEL.store] ?? '';
  for (const slot of readySlots(containers, claims, storeId)) {
    try {
      const made = (await engine.api.createConfig({
        Name: slot.slot,
        Labels: { ...labels, [POOL_LABEL]: slot.slot },
        Data: Buffer.from(slot.slot).toString('base64'),
      })) as { id?: string; ID?: string };
      return { ...slot, claimId: made.id ?? made.ID ?? slot.slot };
    } catch (e) {
      if (statusOf(e) !== 409) return undefined;
    }
  }
  return undefined;
}

/** Removes an instance's claims (by its id label): its slot is gone with it. */
export async function removeClaims(engine: DockerEngine, instanceId: string): Promise<void> {
  const claims = engine.checked(
    SlotClaimListSchema,
    await engine.call('list the slots’ claims', () => engine.api.listConfigs({ filters: { label: [`${LABEL.instance}=${instanceId}`] } })),
    'config list',
  );
  for (const c of claims) await engine.call('remove the slot’s claim', () => engine.api.getConfig(c.ID).remove(), undefined, [404]);
}

/** Removes what `slotLeftovers` names: gateways first, which frees their overlays. */
async function removeLeftovers(engine: DockerEngine, rows: SlotRows, options: { storeId: string; all?: boolean }): Promise<void> {
  const left = slotLeftovers(rows.containers, rows.networks, rows.claims, options);
  for (const id of left.containers)
    await engine.call('remove a slot’s gateway', () => engine.api.getContainer(id).remove({ force: true }), undefined, [404]);
  for (const id of left.networks) await removeNetwork(engine, id);
}

/** An overlay's removal, again for a moment while a just-removed container still holds it. */
export async function removeNetwork(engine: DockerEngine, id: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.call('remove an overlay', () => engine.api.getNetwork(id).remove(), undefined, [404]);
      return;
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Tops this store's pool up to POOL_SIZE, after removing what an earlier
 * refill left half made (killed midway).
 */
export async function refillSlots(engine: DockerEngine, recipe: SlotRecipe): Promise<void> {
  const rows = await slotRows(engine);
  await removeLeftovers(engine, rows, { storeId: recipe.storeId });
  if (readySlots(rows.containers, rows.claims, recipe.storeId).length >= POOL_SIZE) return;
  await makeSlot(engine, recipe);
}

/** Removes this store's idle slots (a host's removal; the tests' and bench's sweeps). Taken slots are instances' and stay. */
export async function removeIdleSlots(engine: DockerEngine, storeId: string): Promise<void> {
  await removeLeftovers(engine, await slotRows(engine), { storeId, all: true });
}

/** One slot: the overlay, then the gateway attached to it and started; what was made is removed again if a step fails. */
async function makeSlot(engine: DockerEngine, recipe: SlotRecipe): Promise<void> {
  const slot = slotName(randomBytes(6).toString('hex'));
  const labels = { [POOL_LABEL]: slot, [LABEL.store]: recipe.storeId };
  let network: string | undefined;
  let gateway: string | undefined;
  try {
    const net = await engine.call('create a slot’s overlay', () =>
      engine.api.createNetwork(overlayOptions(slotOverlayName(slot), labels, recipe.encrypted)),
    );
    network = net.id;
    const gw = await engine.call('create a slot’s gateway', () =>
      engine.api.createContainer(gatewayOptions({ name: slot, image: recipe.image, labels }, net.id, recipe.user)),
    );
    gateway = gw.id;
    await engine.call('start a slot’s gateway', () => gw.start());
  } catch (e) {
    if (gateway !== undefined)
      await engine.api
        .getContainer(gateway)
        .remove({ force: true })
        .catch(() => undefined);
    if (network !== undefined) await removeNetwork(engine, network).catch(() => undefined);
    throw e;
  }
}
