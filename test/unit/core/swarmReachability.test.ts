import assert from 'node:assert/strict';
import { SwarmError } from '../../../src/shared/errors.js';
import { fakeFleet, type FakeFleet } from './fakes/fakeFleet.js';

describe('Swarm host reachability (fake hosts)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;
  let events: { hosts: number; instances: (string | undefined)[] };
  let webPort: number;

  beforeEach(async () => {
    fleet = await fakeFleet();
    await fleet.addHost('box');
    const web = await fleet.swarm.create({ name: 'web', host: 'box' });
    webPort = web.port ?? assert.fail('the instance has a port');
    fleet.link('box').ports.set(webPort, 'healthy');
    await fleet.swarm.healthRound();
    events = { hosts: 0, instances: [] };
    fleet.swarm.on('hosts', () => events.hosts++);
    fleet.swarm.on('instances', (h) => events.instances.push(h));
  });
  afterEach(async () => {
    await fleet.dispose();
  });

  const host = async () => (await fleet.swarm.hosts()).find((h) => h.name === 'box');
  const health = async () => (await fleet.swarm.views()).find((v) => v.name === 'web')?.health;

  it('a host just added is up, with its engine version and link setup time', async () => {
    const h = await host();
    assert.equal(h?.reachability, 'up');
    assert.equal(h?.engineVersion, '27.0-fake');
    assert.equal(h?.latencyMs, 12.5);
    assert.equal(h?.instanceCount, 1);
  });

  it('a dropped link takes the host down with its reason and its instances unreachable; a reconnect brings both back', async () => {
    fleet.link('box').setState('down', new Error('Connection lost'));
    assert.equal((await host())?.reachability, 'down');
    assert.equal((await host())?.error, 'Connection lost');
    assert.equal((await host())?.engineVersion, '27.0-fake', 'what the engine said is kept');
    assert.equal(await health(), 'unreachable');
    assert.deepEqual(events, { hosts: 1, instances: ['box'] });

    fleet.link('box').setState('up');
    assert.equal((await host())?.reachability, 'up');
    assert.equal((await host())?.error, undefined);
    assert.equal(await health(), 'healthy', 'the last probe shows again');
    assert.deepEqual(events, { hosts: 2, instances: ['box', 'box'] });
  });

  it('an engine down behind a working link stays down through answered probes and reconnects, until a list works', async () => {
    const engine = fleet.provider('box');
    engine.failures.list = new SwarmError('Permission denied on /var/run/docker.sock', {
      code: 'permission-denied',
      hint: 'Add dev to the docker group',
    });
    await fleet.swarm.refresh();
    assert.equal((await host())?.reachability, 'down');
    assert.equal((await host())?.error, 'Permission denied on /var/run/docker.sock — Add dev to the docker group');

    await fleet.swarm.healthRound();
    assert.equal((await host())?.reachability, 'down', 'a probe proves the link, not the engine');
    fleet.link('box').setState('up');
    assert.equal((await host())?.reachability, 'down', 'a reconnect proves the link, not the engine');

    delete engine.failures.list;
    await fleet.swarm.refresh();
    assert.equal((await host())?.reachability, 'up');
    assert.equal((await host())?.error, undefined);
    assert.deepEqual(events.instances, ['box', 'box'], 'instances changed with the host going down and coming back only');
  });

  it('a link that failed a list is back up with the first probe the host answers', async () => {
    fleet.provider('box').failures.list = new SwarmError('box is not answering', { code: 'unreachable' });
    await fleet.swarm.refresh();
    assert.equal((await host())?.reachability, 'down');
    assert.equal((await host())?.engineVersion, undefined, 'a failed request forgets what the engine said');
    await fleet.swarm.healthRound();
    assert.equal((await host())?.reachability, 'up');
  });

  it('a probe the host does not answer takes it down by the link', async () => {
    fleet.link('box').ports.set(webPort, 'unreachable');
    await fleet.swarm.healthRound();
    assert.equal((await host())?.reachability, 'down');
    assert.equal((await host())?.error, 'box is not answering');
    assert.equal(await health(), 'unreachable');
    // By the link: a reconnect is enough to be up again.
    fleet.link('box').setState('up');
    assert.equal((await host())?.reachability, 'up');
  });

  it('a test sets the engine version and latency, or takes the host down; events only on change', async () => {
    const ok = await fleet.swarm.testHost('box');
    assert.equal(ok.ok, true);
    assert.equal(events.hosts, 0, 'up and the same version: nothing to say');
    fleet.provider('box').failures.engineInfo = new SwarmError('Cannot connect to the Docker daemon', { code: 'engine-missing' });
    const bad = await fleet.swarm.testHost('box');
    assert.equal(bad.ok, false);
    assert.equal(bad.error, 'Cannot connect to the Docker daemon');
    assert.equal((await host())?.reachability, 'down');
    assert.deepEqual(events, { hosts: 1, instances: ['box'] });
    await fleet.swarm.refresh();
    await fleet.swarm.refresh();
    assert.deepEqual(events, { hosts: 2, instances: ['box', 'box'] }, 'one change, one event: the second list changes nothing');
  });

  it('a removed host is forgotten: its link is closed and no longer followed', async () => {
    const link = fleet.link('box');
    assert.equal(link.listenerCount, 1, 'the Swarm follows the link once');
    await fleet.swarm.removeHost('box', { force: true });
    assert.equal(link.disposed, true);
    assert.equal(link.listenerCount, 0);
    assert.deepEqual(await fleet.swarm.hosts(), []);
    await fleet.addHost('box');
    assert.equal((await host())?.reachability, 'up');
  });
});
