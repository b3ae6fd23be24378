import assert from 'node:assert/strict';
import type { HostRecord, InstanceRecord, StoreFile } from '../../../src/shared/model.js';
import { reconcileHost, reconcileHosts } from '../../../src/core/reconcile.js';
import type { ObservedInstance } from '../../../src/providers/provider.js';

const STORE = '11111111-2222-3333-4444-555555555555';
const now = new Date('2026-11-23T10:00:00.000Z');

function rec(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id: 'id-a',
    name: 'a',
    host: 'h',
    provider: 'docker',
    image: 'img',
    state: 'running',
    createdAt: '2026-11-23T09:00:00.000Z',
    cpus: 1,
    memoryBytes: 1 << 30,
    cookieSuffix: 's',
    containerId: 'c-a',
    port: 30000,
    updatedAt: '2026-11-23T09:00:00.000Z',
    ...over,
  };
}

function obs(over: Partial<ObservedInstance> = {}): ObservedInstance {
  return {
    id: 'id-a',
    name: 'a',
    containerId: 'c-a',
    image: 'img',
    state: 'running',
    port: 30000,
    storeId: STORE,
    cookieSuffix: 's',
    cpus: 1,
    memoryBytes: 1 << 30,
    createdAt: undefined,
    startedAt: undefined,
    error: undefined,
    ...over,
  };
}

describe('reconcileHost', () => {
  it('leaves an unchanged host unchanged', () => {
    const r = reconcileHost('h', 'docker', [rec()], [obs()], new Set(), now, STORE);
    assert.equal(r.changed, false);
    assert.deepEqual(r.records, [rec()]);
  });

  it('follows the host: state, port and error', () => {
    const r = reconcileHost('h', 'docker', [rec()], [obs({ state: 'failed', port: undefined, error: 'boom' })], new Set(), now, STORE);
    assert.equal(r.changed, true);
    assert.equal(r.records[0]?.state, 'failed');
    assert.equal(r.records[0]?.port, undefined);
    assert.equal(r.records[0]?.error, 'boom');
    assert.equal(r.records[0]?.updatedAt, now.toISOString());
  });

  it('marks a vanished container missing instead of dropping the record', () => {
    const r = reconcileHost('h', 'docker', [rec()], [], new Set(), now, STORE);
    assert.deepEqual(r.missing, ['a']);
    assert.equal(r.records[0]?.state, 'missing');
  });

  it('keeps a failed build as failed with its log tail (it never had a container)', () => {
    const failed = rec({
      state: 'failed',
      containerId: undefined,
      port: undefined,
      error: 'The build failed',
      buildLogTail: 'step\nerror',
    });
    const r = reconcileHost('h', 'docker', [failed], [], new Set(), now, STORE);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.records[0], failed);
  });

  it('gives a young create in flight time before calling it missing', () => {
    const young = rec({ state: 'starting', containerId: undefined, updatedAt: '2026-11-23T09:59:00.000Z' });
    const r = reconcileHost('h', 'docker', [young], [], new Set(), now, STORE);
    assert.equal(r.records[0]?.state, 'starting');
    const old = rec({ state: 'starting', containerId: undefined, updatedAt: '2026-11-23T09:00:00.000Z' });
    assert.equal(reconcileHost('h', 'docker', [old], [], new Set(), now, STORE).records[0]?.state, 'missing');
  });

  it("adopts this store's unknown containers, not another store's", () => {
    const mine = obs({ id: 'id-b', name: 'b', containerId: 'c-b' });
    const theirs = obs({ id: 'id-c', name: 'c', containerId: 'c-c', storeId: '99999999-2222-3333-4444-555555555555' });
    const r = reconcileHost('h', 'docker', [], [mine, theirs], new Set(), now, STORE);
    assert.deepEqual(r.adopted, ['b']);
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0]?.host, 'h');
  });

  it('never adopts a name that is taken or that our schema rejects', () => {
    const taken = obs({ id: 'id-d', name: 'd' });
    const hostile = obs({ id: 'id-e', name: 'x;rm -rf /' });
    const r = reconcileHost('h', 'docker', [], [taken, hostile], new Set(['d']), now, STORE);
    assert.deepEqual(r.adopted, []);
  });
});

describe('reconcileHosts', () => {
  const host = (name: string): HostRecord => ({
    name,
    kind: 'ssh',
    provider: 'docker',
    address: `u@${name}:22`,
    addedAt: '2026-11-23T09:00:00.000Z',
  });
  const file = (instances: InstanceRecord[]): StoreFile =>
    ({ version: 1, storeId: STORE, hosts: [host('h1'), host('h2'), host('h3')], instances, knownHosts: [] }) as StoreFile;
  const a = rec({ id: 'id-a', name: 'a', host: 'h1', containerId: 'c-a' });
  const b = rec({ id: 'id-b', name: 'b', host: 'h2', containerId: 'c-b' });
  const c = rec({ id: 'id-c', name: 'c', host: 'h3', containerId: 'c-c' });
  const seen = (r: InstanceRecord) => obs({ id: r.id, name: r.name, containerId: r.containerId, port: r.port });

  it('changes nothing when every host reports what the store holds', () => {
    const f = file([a, b, c]);
    const listed = [
      { host: host('h1'), observed: [seen(a)] },
      { host: host('h2'), observed: [seen(b)] },
    ];
    assert.equal(reconcileHosts(f, listed, true), false);
    assert.equal(reconcileHosts(f, listed, false), false);
    assert.deepEqual(f.instances, [a, b, c]);
  });

  it('answers a dry run without touching the file, and moves changed hosts last in list order', () => {
    const f = file([a, b, c]);
    const listed = [
      { host: host('h2'), observed: [{ ...seen(b), port: 31000 }] },
      { host: host('h1'), observed: [{ ...seen(a), state: 'stopped' as const }] },
    ];
    assert.equal(reconcileHosts(f, listed, true), true);
    assert.deepEqual(f.instances, [a, b, c]);
    assert.equal(reconcileHosts(f, listed, false), true);
    assert.deepEqual(
      f.instances.map((i) => i.name),
      ['c', 'b', 'a'],
    );
    assert.equal(f.instances[1]?.port, 31000);
    assert.equal(f.instances[2]?.state, 'stopped');
  });

  it("never adopts a name another host's record holds, nor one adopted on an earlier host", () => {
    const f = file([a]);
    const clash = obs({ id: 'id-x', name: 'a', containerId: 'c-x' });
    const twinOnH2 = obs({ id: 'id-y', name: 'y', containerId: 'c-y' });
    const twinOnH3 = obs({ id: 'id-z', name: 'y', containerId: 'c-z' });
    const listed = [
      { host: host('h1'), observed: [seen(a)] },
      { host: host('h2'), observed: [clash, twinOnH2] },
      { host: host('h3'), observed: [twinOnH3] },
    ];
    assert.equal(reconcileHosts(f, listed, false), true);
    assert.deepEqual(
      f.instances.map((i) => `${i.host}/${i.name}/${i.id}`),
      ['h1/a/id-a', 'h2/y/id-y'],
    );
  });

  it('marks the records a host no longer reports missing, and leaves hosts it did not list alone', () => {
    const f = file([a, b]);
    assert.equal(reconcileHosts(f, [{ host: host('h1'), observed: [] }], false), true);
    assert.equal(
      f.instances.find((i) => i.name === 'b'),
      b,
    );
    assert.equal(f.instances.find((i) => i.name === 'a')?.state, 'missing');
  });
});

describe('reconcileHost: why an instance stopped', () => {
  it('keeps a known reason while stopped, takes the engine stop time once, and clears both when it runs again', () => {
    const stopped = reconcileHost(
      'h',
      'docker',
      [rec({ idleTimeoutSeconds: 61 })],
      [obs({ state: 'stopped', port: undefined, stoppedAt: '2026-11-23T09:58:00.000Z' })],
      new Set(),
      now,
      STORE,
    );
    const r = stopped.records[0]!;
    assert.equal(r.state, 'stopped');
    assert.equal(r.stoppedReason, undefined, 'left for the idle monitor to explain');
    assert.equal(r.stoppedAt, '2026-11-23T09:58:00.000Z');
    const known = reconcileHost(
      'h',
      'docker',
      [{ ...r, stoppedReason: 'idle' }],
      [obs({ state: 'stopped', port: undefined, stoppedAt: '2026-11-23T09:59:00.000Z' })],
      new Set(),
      now,
      STORE,
    );
    assert.equal(known.changed, false, "a list's drifting stop time is no news");
    assert.equal(known.records[0]!.stoppedReason, 'idle');
    const again = reconcileHost('h', 'docker', known.records, [obs()], new Set(), now, STORE).records[0]!;
    assert.equal(again.state, 'running');
    assert.equal(again.stoppedReason, undefined);
    assert.equal(again.stoppedAt, undefined);
  });

  it("adopts an instance's idle timeout from its label", () => {
    const r = reconcileHost('h', 'docker', [], [obs({ idleTimeoutSeconds: 1800 })], new Set(), now, STORE);
    assert.equal(r.records[0]!.idleTimeoutSeconds, 1800);
  });
});
