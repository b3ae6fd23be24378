import assert from 'node:assert/strict';
import { DISK_READ_EVERY_MS, DiskUsageCache } from '../../../src/core/diskUsageCache.js';

describe('DiskUsageCache', () => {
  let now = 0;
  const cache = () => new DiskUsageCache(() => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('asks the engine once a minute per instance at most', async () => {
    const c = cache();
    let asked = 0;
    const ask = (bytes: number) => () => (asked++, Promise.resolve(bytes));
    assert.equal(await c.read('web', ask(100)), 100);
    now += DISK_READ_EVERY_MS - 1;
    assert.equal(await c.read('web', ask(200)), 100, 'within the minute: the last reading');
    assert.equal(asked, 1);
    assert.equal(await c.read('api', ask(7)), 7, 'another instance has its own reading');
    now += 1;
    assert.equal(await c.read('web', ask(300)), 300, 'a minute on: asked again');
    assert.equal(asked, 3);
  });

  it('counts a failed read as unknown for the minute, and shares one call between overlapping asks', async () => {
    const c = cache();
    let asked = 0;
    const fails = () => (asked++, Promise.reject(new Error('engine said no')));
    assert.equal(await c.read('web', fails), undefined);
    assert.equal(await c.read('web', fails), undefined);
    assert.equal(asked, 1, 'not asked again on the next round');
    let release: (n: number) => void = () => undefined;
    const slow = () => (asked++, new Promise<number>((resolve) => (release = resolve)));
    const a = c.read('api', slow);
    const b = c.read('api', slow);
    release(42);
    assert.deepEqual(await Promise.all([a, b]), [42, 42]);
    assert.equal(asked, 2);
  });

  it('forgets the instances it is told to', async () => {
    const c = cache();
    let asked = 0;
    const ask = () => (asked++, Promise.resolve(5));
    await c.read('web', ask);
    await c.read('api', ask);
    c.prune((name) => name === 'api');
    await c.read('web', ask);
    await c.read('api', ask);
    assert.equal(asked, 3, 'web was read again, api came from the cache');
  });
});
