import assert from 'node:assert/strict';
import type { InstanceRef } from '../../../src/providers/provider.js';
import { SwarmError } from '../../../src/shared/errors.js';
import { fakeFleet, type FakeFleet } from './fakes/fakeFleet.js';

async function refusal(p: Promise<unknown>, code: SwarmError['code'], pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SwarmError, String(e));
    assert.equal(e.code, code, e.oneLine());
    assert.match(e.oneLine(), pattern);
    assert.ok(e.hint);
    return true;
  });
}

describe('Swarm: rename and instance options (fake hosts)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;

  beforeEach(async () => {
    fleet = await fakeFleet();
    await fleet.addHost('box');
  });
  afterEach(async () => {
    await fleet.dispose();
  });

  it('keeps the id, the password and the engine objects, which are found by the name they were made with', async () => {
    const { swarm } = fleet;
    const web = await swarm.create({ name: 'web', host: 'box' });
    const password = await swarm.password('web');
    const renamed = await swarm.rename('web', 'site');
    assert.equal(renamed.id, web.id);
    assert.equal(renamed.name, 'site');
    assert.equal(await swarm.password('site'), password);
    await refusal(swarm.password('web'), 'not-found', /Unknown instance "web"/);

    const engine = fleet.provider('box');
    const refs: InstanceRef[] = [];
    const stop = engine.stop.bind(engine);
    engine.stop = (ref) => (refs.push(ref), stop(ref));
    assert.equal((await swarm.stop('site')).state, 'stopped');
    assert.deepEqual(
      refs.map((r) => [r.id, r.name]),
      [[web.id, 'web']],
      'the provider is given the engine name',
    );
    // A refresh keeps the new name though the engine's label says the old one.
    assert.deepEqual(
      (await swarm.refresh()).map((v) => v.name),
      ['site'],
    );
  });

  it('refuses a clash (a name in use, or the old name its engine objects still carry) and bad names, changing nothing', async () => {
    const { swarm } = fleet;
    await swarm.create({ name: 'web', host: 'box' });
    await swarm.create({ name: 'db', host: 'box' });
    await refusal(swarm.rename('web', 'db'), 'conflict', /Cannot rename web to db: an instance named db exists on box/);
    await refusal(swarm.rename('web', 'Bad_Name'), 'invalid-input', /not valid/);
    await refusal(swarm.rename('nope', 'x'), 'not-found', /Unknown instance "nope"/);
    await swarm.rename('web', 'site');
    await refusal(swarm.rename('db', 'web'), 'conflict', /site's container still carries that name/);
    await refusal(swarm.create({ name: 'web', host: 'box' }), 'conflict', /already exists on box \(site, renamed\)/);
    assert.deepEqual((await swarm.views()).map((v) => v.name).sort(), ['db', 'site']);
    // Back to its engine name: nothing is mapped any more, and the name is free for nobody else.
    await swarm.rename('site', 'web');
    const rec = (await fleet.store.read()).instances.find((i) => i.name === 'web');
    assert.equal(rec?.engineName, undefined);
  });

  it('stores tags, env names (not values), mounts and GPUs on the record; a bind needs an engine that checks host paths', async () => {
    const { swarm } = fleet;
    const view = await swarm.create({ name: 'web', host: 'box', tags: ['team=web'], env: ['TOKEN=hunter2'], gpus: '2' });
    assert.deepEqual(view.tags, { team: 'web' });
    assert.deepEqual(view.envNames, ['TOKEN']);
    assert.equal(view.gpus, 2);
    assert.ok(!JSON.stringify(await fleet.store.read()).includes('hunter2'), 'the env value stays out of the store');
    await refusal(swarm.create({ name: 'b', host: 'box', mounts: ['/srv:/mnt/srv'] }), 'invalid-input', /takes no host paths/);
    const engine = fleet.provider('box') as ReturnType<FakeFleet['provider']> & {
      missingHostPaths?: (p: readonly string[]) => Promise<string[]>;
    };
    engine.missingHostPaths = async (paths) => paths.filter((p) => p !== '/srv');
    await refusal(
      swarm.create({ name: 'c', host: 'box', mounts: ['/srv:/mnt/srv', '/gone:/mnt/g'] }),
      'invalid-input',
      /"\/gone" does not exist on box/,
    );
    const mounted = await swarm.create({ name: 'd', host: 'box', mounts: ['/srv:/mnt/srv:ro'] });
    assert.deepEqual(mounted.mounts, [{ type: 'bind', source: '/srv', target: '/mnt/srv', readOnly: true }]);
    assert.deepEqual((await swarm.views()).map((v) => v.name).sort(), ['d', 'web'], 'refused creates left no record');
  });
});
