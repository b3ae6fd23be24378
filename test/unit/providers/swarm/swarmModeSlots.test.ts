import assert from 'node:assert/strict';
import { instanceName } from '../../../../src/providers/common/instanceName.js';
import type { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import { GATEWAY_NAME_LABEL, isSlotName, POOL_LABEL, slotName, slotOverlayName } from '../../../../src/providers/swarm/swarmModeNames.js';
import {
  readySlots,
  slotLeftovers,
  type SlotClaimRow,
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

/** A claim (a Swarm config named as the slot). */
function claim(slot: string): SlotClaimRow {
  return { ID: `cfg-${slot}`, Spec: { Name: slot, Labels: { [POOL_LABEL]: slot } } };
}

/** An engine whose config names are unique, as Swarm keeps them: a second claim of a name is a 409. */
function fakeEngine(rows: SlotContainerRow[], opts: { claimStatus?: number; claimed?: string[] } = {}) {
  const configs = new Set(opts.claimed ?? []);
  const tried: string[] = [];
  const api = {
    listContainers: () => Promise.resolve(rows),
    listNetworks: () => Promise.resolve([]),
    listConfigs: () => Promise.resolve((opts.claimed ?? []).map(claim)),
    createConfig: ({ Name }: { Name: string }) => {
      tried.push(Name);
      if (opts.claimStatus !== undefined) return Promise.reject(Object.assign(new Error('no'), { statusCode: opts.claimStatus }));
      if (configs.has(Name)) return Promise.reject(Object.assign(new Error('name conflicts with an existing object'), { statusCode: 409 }));
      configs.add(Name);
      return Promise.resolve({ ID: `cfg-${Name}` });
    },
  };
  const engine = {
    api,
    call: <T>(_what: string, fn: () => Promise<T>) => fn(),
    checked: <T>(schema: { parse: (v: unknown) => T }, value: unknown) => schema.parse(value),
  } as unknown as DockerEngine;
  return { engine, tried, configs };
}

const LABELS = { 'code-swarm.instance': 'i1', 'code-swarm.store': STORE };

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
      gw('code-swarm_slot-c'),
      gw('code-swarm_slot-d', { store: 'another' }),
    ];
    assert.deepEqual(readySlots(rows, [claim('code-swarm_slot-c')], STORE), [
      { slot: 'code-swarm_slot-a', gatewayId: 'id-code-swarm_slot-a', networkId: 'net-code-swarm_slot-a' },
    ]);
  });

  it('takes a slot by making its claim, a config named as the slot and labelled with the instance', async () => {
    const { engine, tried } = fakeEngine([gw('code-swarm_slot-a')]);
    const taken = await takeSlot(engine, LABELS);
    assert.equal(taken?.networkId, 'net-code-swarm_slot-a');
    assert.equal(taken?.gatewayId, 'id-code-swarm_slot-a');
    assert.equal(taken?.claimId, 'cfg-code-swarm_slot-a');
    assert.deepEqual(tried, ['code-swarm_slot-a']);
  });

  it('gives one slot to one of two creates at once; the other finds none and makes its own', async () => {
    const { engine } = fakeEngine([gw('code-swarm_slot-a')]);
    const [one, two] = await Promise.all([takeSlot(engine, LABELS), takeSlot(engine, { ...LABELS, 'code-swarm.instance': 'i2' })]);
    assert.deepEqual([one !== undefined, two !== undefined].sort(), [false, true]);
  });

  it('tries the next slot when another create claimed the first since the list (409)', async () => {
    const { engine, configs } = fakeEngine([gw('code-swarm_slot-a'), gw('code-swarm_slot-b')]);
    configs.add('code-swarm_slot-a');
    const taken = await takeSlot(engine, LABELS);
    assert.equal(taken?.slot, 'code-swarm_slot-b');
  });

  it('falls back to making its own when a claim fails otherwise, or no slot of its store is ready', async () => {
    assert.equal(await takeSlot(fakeEngine([gw('code-swarm_slot-a')], { claimStatus: 500 }).engine, LABELS), undefined);
    assert.equal(await takeSlot(fakeEngine([gw('code-swarm_slot-a', { store: 'another' })]).engine, LABELS), undefined);
    const claimed = fakeEngine([gw('code-swarm_slot-a')], { claimed: ['code-swarm_slot-a'] });
    assert.equal(await takeSlot(claimed.engine, LABELS), undefined);
    assert.deepEqual(claimed.tried, [], 'a claimed slot is not even tried');
  });

  it('finds what a killed refill left half made, and never a slot an instance took', () => {
    const containers = [
      gw('code-swarm_slot-ready'),
      gw('code-swarm_slot-notstarted', { state: 'created' }),
      gw('code-swarm_slot-taken', { state: 'exited' }),
    ];
    const networks = ['ready', 'notstarted', 'taken', 'nogateway'].map((s) => net(`code-swarm_slot-${s}`));
    const claims = [claim('code-swarm_slot-taken')];
    assert.deepEqual(slotLeftovers(containers, networks, claims, { storeId: STORE }), {
      containers: ['id-code-swarm_slot-notstarted'],
      networks: ['net-code-swarm_slot-notstarted', 'net-code-swarm_slot-nogateway'],
    });
    // A host's removal takes the idle ready one too; the taken one is an instance's.
    assert.deepEqual(slotLeftovers(containers, networks, claims, { storeId: STORE, all: true }), {
      containers: ['id-code-swarm_slot-ready', 'id-code-swarm_slot-notstarted'],
      networks: ['net-code-swarm_slot-ready', 'net-code-swarm_slot-notstarted', 'net-code-swarm_slot-nogateway'],
    });
    // Another store's slots are its own.
    assert.deepEqual(slotLeftovers(containers, networks, claims, { storeId: 'another', all: true }), { containers: [], networks: [] });
  });

  it('lists a taken slot’s gateway as its instance’s, by the name its service gives', () => {
    const [o] = observedFromSwarm({
      services: [
        {
          ID: 's1',
          Spec: {
            Name: 'code-swarm-web',
            Labels: { 'code-swarm.instance': 'i1', 'code-swarm.name': 'web', [GATEWAY_NAME_LABEL]: 'code-swarm_slot-a' },
          },
        },
      ],
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
          Names: ['/code-swarm_slot-a'],
          State: 'running',
          Labels: { [POOL_LABEL]: 'code-swarm_slot-a' },
          Ports: [{ PrivatePort: 8080, PublicPort: 40000, IP: '127.0.0.1' }],
        },
      ],
    });
    assert.equal(o?.port, 40000);
  });
});
