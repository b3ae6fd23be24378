import assert from 'node:assert/strict';
import { HostUpkeep, type UpkeepTask } from '../../../src/core/hostUpkeep.js';
import type { Provider } from '../../../src/providers/provider.js';
import type { HostRecord } from '../../../src/shared/model.js';

const swarmHost = { name: 'cluster', provider: 'swarm' } as unknown as HostRecord;
const dockerHost = { name: 'box', provider: 'docker' } as unknown as HostRecord;
const task: UpkeepTask = { host: swarmHost, storeId: 'store-1', image: 'img:1' };

/** An upkeep over a swarm provider that notes its top-ups, a docker one that has none, and the kept and handed-off work. */
function upkeep(options: { handOff?: boolean; waitMs?: number } = {}) {
  const topUps: string[] = [];
  const kept: string[] = [];
  const handed: UpkeepTask[] = [];
  const swarmProvider = {
    topUp: (storeId: string, image: string) => (topUps.push(`${storeId} ${image}`), Promise.resolve()),
  } as unknown as Provider;
  const u = new HostUpkeep({
    providerOf: (h) => (h.provider === 'swarm' ? swarmProvider : ({} as Provider)),
    keep: (host) => void kept.push(host),
    ...(options.handOff ? { handOff: (t: UpkeepTask) => void handed.push(t) } : {}),
    ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
  });
  return { u, topUps, kept, handed };
}

describe('host upkeep: a create’s refill waits for its instance to be healthy', () => {
  it('starts nothing at the create; starts the top-up, kept by the host, once the instance is healthy, and only once', () => {
    const { u, topUps, kept } = upkeep();
    u.owe('i1', task);
    assert.deepEqual(topUps, []);
    u.release('i1');
    u.release('i1');
    assert.deepEqual(topUps, ['store-1 img:1']);
    assert.deepEqual(kept, ['cluster']);
    u.dispose();
  });

  it('starts at once for a failed create, and owes nothing for a provider that keeps nothing ready', () => {
    const { u, topUps, handed } = upkeep({ handOff: true });
    u.now(task);
    assert.deepEqual(handed, [task]);
    u.owe('i2', { ...task, host: dockerHost });
    u.now({ ...task, host: dockerHost });
    u.dispose();
    assert.deepEqual(handed, [task], 'nothing for the docker host, not even at dispose');
    assert.deepEqual(topUps, [], 'handed off, not run here');
  });

  it('starts after the wait when no probe sees the instance healthy', async () => {
    const { u, topUps } = upkeep({ waitMs: 10 });
    u.owe('i3', task);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(topUps, ['store-1 img:1']);
    u.dispose();
  });

  it('at dispose hands off what is still owed (a create that did not wait), or drops it in a long-lived process', async () => {
    const cli = upkeep({ handOff: true, waitMs: 10 });
    cli.u.owe('i4', task);
    cli.u.dispose();
    assert.deepEqual(cli.handed, [task]);
    const ext = upkeep({ waitMs: 10 });
    ext.u.owe('i5', task);
    ext.u.dispose();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(ext.topUps, [], 'dropped, and its timer cleared');
    assert.equal(cli.handed.length, 1, 'handed off once');
  });
});
