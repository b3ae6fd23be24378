import assert from 'node:assert/strict';
import type { InstanceRecord } from '../../../src/core/model.js';
import { reconcileHost } from '../../../src/core/reconcile.js';
import type { ObservedInstance } from '../../../src/providers/provider.js';

const STORE = '11111111-2222-3333-4444-555555555555';
const now = new Date('2026-11-23T10:00:00.000Z');

function rec(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id: 'id-a', name: 'a', host: 'h', provider: 'docker', image: 'img', state: 'running',
    createdAt: '2026-11-23T09:00:00.000Z', cpus: 1, memoryBytes: 1 << 30, cookieSuffix: 's',
    containerId: 'c-a', port: 30000, updatedAt: '2026-11-23T09:00:00.000Z', ...over,
  };
}

function obs(over: Partial<ObservedInstance> = {}): ObservedInstance {
  return {
    id: 'id-a', name: 'a', containerId: 'c-a', image: 'img', state: 'running', port: 30000, storeId: STORE,
    cookieSuffix: 's', cpus: 1, memoryBytes: 1 << 30, createdAt: undefined, startedAt: undefined, error: undefined, ...over,
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
