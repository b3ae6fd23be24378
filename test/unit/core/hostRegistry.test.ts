import assert from 'node:assert/strict';
import { HostRegistry } from '../../../src/core/hostRegistry.js';
import type { Provider } from '../../../src/providers/provider.js';
import type { HostRecord, ProviderKind } from '../../../src/shared/model.js';
import type { HostLink } from '../../../src/transport/hostLink.js';

const record = { name: 'cluster', kind: 'ssh', provider: 'swarm', address: 'x' } as unknown as HostRecord;

/** A registry over fake links that note when they are closed. */
function registry(closed: string[]): HostRegistry {
  return new HostRegistry({
    access: {},
    storeKnownHosts: () => Promise.resolve([]),
    onTrusted: () => undefined,
    providerFactories: new Map<ProviderKind, (l: HostLink, h: HostRecord) => Provider>([['swarm', () => ({}) as Provider]]),
    linkFactory: (h) => ({ dispose: () => void closed.push(h.name) }) as unknown as HostLink,
  });
}

/** Work that ends when `finish` is called. */
function work(): { promise: Promise<void>; finish: () => void; fail: () => void } {
  let finish = () => undefined as void;
  let fail = () => undefined as void;
  const promise = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = () => reject(new Error('refill failed'));
  });
  return { promise, finish, fail };
}

describe('host registry: work a provider started beyond its call (a swarm host’s refill)', () => {
  it('closes a host’s link only after its kept work, and dispose resolves after both', async () => {
    const closed: string[] = [];
    const reg = registry(closed);
    reg.get(record);
    const refill = work();
    reg.keep('cluster', refill.promise);
    let disposed = false;
    const disposing = reg.dispose().then(() => (disposed = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(closed, []);
    assert.equal(disposed, false);
    refill.finish();
    await disposing;
    assert.deepEqual(closed, ['cluster']);
  });

  it('waits for work kept while it waits, and a failed one does not keep the link open or throw', async () => {
    const closed: string[] = [];
    const reg = registry(closed);
    reg.get(record);
    const first = work();
    const second = work();
    reg.keep('cluster', first.promise);
    const settling = reg.settle('cluster');
    reg.keep('cluster', second.promise);
    first.fail();
    await new Promise((r) => setTimeout(r, 20));
    second.finish();
    await settling;
    await reg.dispose();
    assert.deepEqual(closed, ['cluster']);
  });

  it('forgets a host at once but closes its link once its work is done', async () => {
    const closed: string[] = [];
    const reg = registry(closed);
    const first = reg.get(record);
    const refill = work();
    reg.keep('cluster', refill.promise);
    reg.forget('cluster');
    assert.notEqual(reg.get(record), first);
    assert.deepEqual(closed, []);
    refill.finish();
    await reg.settle('cluster');
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(closed, ['cluster']);
  });
});
