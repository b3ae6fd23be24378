import assert from 'node:assert/strict';
import { instanceName } from '../../../../src/providers/common/instanceName.js';
import type { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import { isSlotName, POOL_LABEL, slotName, slotOverlayName } from '../../../../src/providers/swarm/swarmModeNames.js';
import {
  readySlots,
  slotLeftovers,
  type SlotContainerRow,
  type SlotNetworkRow,
} from '../../../../src/providers/swarm/swarmModeSlotChoice.js';
import { takeSlot } from '../../../../src/providers/swarm/swarmModeSlots.js';
import { observedFromSwarm } from '../../../../src/providers/swarm/swarmModeState.js';

const STORE = 'store-1';

/** A slot's gateway row as `GET /containers/json` gives it; `name` differs from `slot` once a create took it. */
function gw(slot: string, opts: { name?: string; state?: string; store?: string; net?: string } = {}): SlotContainerRow {
  return {
    Id: `id-${opts.name ?? slot}`,
    Names: [`/${opts.name ?? slot}`],
    State: opts.state ?? 'running',
    Labels: { [POOL_LABEL]: slot, 'code-swarm.store': opts.store ?? STORE },
    NetworkSettings: { Networks: { [slotOverlayName(slot)]: { NetworkID: opts.net ?? `net-${slot}` } } },
  };
}

function net(slot: string, store = STORE): SlotNetworkRow {
  return { Id: `net-${slot}`, Name: slotOverlayName(slot), Labels: { [POOL_LABEL]: slot, 'code-swarm.store': store } };
}

/** An engine whose containers are renamed as Docker does: one at a time, a missing name is a 404. */
function fakeEngine(rows: SlotContainerRow[], opts: { renameStatus?: number } = {}) {
  const names = new Set(rows.map((r) => r.Names?.[0]?.slice(1) ?? ''));
  const renames: string[] = [];
  const api = {
    listContainers: () => Promise.resolve(rows),
    listNetworks: () => Promise.resolve([]),
    getContainer: (name: string) => ({
      rename: ({ name: to }: { name: string }) => {
        renames.push(`${name}->${to}`);
        if (opts.renameStatus !== undefined) return Promise.reject(Object.assign(new Error('no'), { statusCode: opts.renameStatus }));
        if (!names.delete(name)) return Promise.reject(Object.assign(new Error('No such container'), { statusCode: 404 }));
        names.add(to);
        return Promise.resolve();
      },
    }),
  };
  const engine = {
    api,
    call: <T>(_what: string, fn: () => Promise<T>) => fn(),
    checked: <T>(schema: { parse: (v: unknown) => T }, value: unknown) => schema.parse(value),
  } as unknown as DockerEngine;
  return { engine, renames, names };
}

describe('swarm-mode ready slots: choice, take and names', () => {
  it('names slots so no instance can be named like one', () => {
    const s = slotName('abc123');
    assert.equal(isSlotName(s), true);
    // Instance names are DNS labels (no underscore): none of their engine names is a slot's.
    for (const n of ['slot-abc123', 'code-swarm_slot-abc123', 'a']) assert.equal(isSlotName(instanceName(n)), false);
    assert.equal(isSlotName(`${instanceName('slot')}-gw`), false);
  });

  it('offers only running, unclaimed slots of this store, with their overlay', () => {
    const rows = [
      gw('code-swarm_slot-a'),
      gw('code-swarm_slot-b', { state: 'created' }),
      gw('code-swarm_slot-c', { name: 'code-swarm-web-gw' }),
      gw('code-swarm_slot-d', { store: 'another' }),
    ];
    assert.deepEqual(readySlots(rows, STORE), [
      { slot: 'code-swarm_slot-a', gatewayId: 'id-code-swarm_slot-a', networkId: 'net-code-swarm_slot-a' },
    ]);
  });

  it('takes a slot by renaming its gateway to the instance’s', async () => {
    const { engine, renames, names } = fakeEngine([gw('code-swarm_slot-a')]);
    const taken = await takeSlot(engine, STORE, 'code-swarm-web-gw');
    assert.equal(taken?.networkId, 'net-code-swarm_slot-a');
    assert.deepEqual(renames, ['code-swarm_slot-a->code-swarm-web-gw']);
    assert.equal(names.has('code-swarm-web-gw'), true);
  });

  it('gives one slot to one of two creates at once; the other finds none and makes its own', async () => {
    const { engine } = fakeEngine([gw('code-swarm_slot-a')]);
    const [one, two] = await Promise.all([takeSlot(engine, STORE, 'code-swarm-x-gw'), takeSlot(engine, STORE, 'code-swarm-y-gw')]);
    assert.deepEqual([one !== undefined, two !== undefined].sort(), [false, true]);
  });

  it('tries the next slot when another create took the first (404)', async () => {
    const rows = [gw('code-swarm_slot-a'), gw('code-swarm_slot-b')];
    const { engine, names } = fakeEngine(rows);
    names.delete('code-swarm_slot-a');
    const taken = await takeSlot(engine, STORE, 'code-swarm-web-gw');
    assert.equal(taken?.slot, 'code-swarm_slot-b');
  });

  it('falls back to making its own when a rename fails otherwise (e.g. the name is taken: 409)', async () => {
    const { engine } = fakeEngine([gw('code-swarm_slot-a')], { renameStatus: 409 });
    assert.equal(await takeSlot(engine, STORE, 'code-swarm-web-gw'), undefined);
  });

  it('finds what a killed refill left half made, and never a slot an instance took', () => {
    const containers = [
      gw('code-swarm_slot-ready'),
      gw('code-swarm_slot-notstarted', { state: 'created' }),
      gw('code-swarm_slot-taken', { name: 'code-swarm-web-gw', state: 'exited' }),
    ];
    const networks = ['ready', 'notstarted', 'taken', 'nogateway'].map((s) => net(`code-swarm_slot-${s}`));
    assert.deepEqual(slotLeftovers(containers, networks, { storeId: STORE }), {
      containers: ['id-code-swarm_slot-notstarted'],
      networks: ['net-code-swarm_slot-notstarted', 'net-code-swarm_slot-nogateway'],
    });
    // A host's removal takes the idle ready one too; the taken one is an instance's.
    assert.deepEqual(slotLeftovers(containers, networks, { storeId: STORE, all: true }), {
      containers: ['id-code-swarm_slot-ready', 'id-code-swarm_slot-notstarted'],
      networks: ['net-code-swarm_slot-ready', 'net-code-swarm_slot-notstarted', 'net-code-swarm_slot-nogateway'],
    });
    // Another store's slots are its own.
    assert.deepEqual(slotLeftovers(containers, networks, { storeId: 'another', all: true }), { containers: [], networks: [] });
  });

  it('lists a taken slot’s gateway as its instance’s, by its new name', () => {
    const [o] = observedFromSwarm({
      services: [{ ID: 's1', Spec: { Name: 'code-swarm-web', Labels: { 'code-swarm.instance': 'i1', 'code-swarm.name': 'web' } } }],
      tasks: [
        {
          ID: 't',
          ServiceID: 's1',
          NodeID: 'n1',
          DesiredState: 'running',
          Status: { State: 'running', Timestamp: '2026-12-06T05:00:00Z' },
        },
      ],
      nodes: [],
      gateways: [
        {
          Id: 'other',
          Names: ['/code-swarm_slot-b'],
          State: 'running',
          Labels: { [POOL_LABEL]: 'code-swarm_slot-b' },
          Ports: [{ PrivatePort: 8080, PublicPort: 40001, IP: '127.0.0.1' }],
        },
        {
          Id: 'g',
          Names: ['/code-swarm-web-gw'],
          State: 'running',
          Labels: { [POOL_LABEL]: 'code-swarm_slot-a' },
          Ports: [{ PrivatePort: 8080, PublicPort: 40000, IP: '127.0.0.1' }],
        },
      ],
    });
    assert.equal(o?.port, 40000);
  });
});
