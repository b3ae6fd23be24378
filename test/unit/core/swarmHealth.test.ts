import assert from 'node:assert/strict';
import { fakeFleet, type FakeFleet } from './fakes/fakeFleet.js';

describe('Swarm health (fake hosts)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;

  afterEach(async () => {
    await fleet?.dispose();
  });

  const viewOf = async (name: string) => (await fleet.swarm.views()).find((v) => v.name === name);

  describe('a port Docker moved (a restart after a crash binds a new one)', () => {
    it('is followed: the refused probe lists the host, and the same round probes the new port', async () => {
      // No start-up grace: a refused probe counts at once.
      fleet = await fakeFleet({ startingGraceMs: 0 });
      await fleet.addHost('box');
      const web = await fleet.swarm.create({ name: 'web', host: 'box' });
      const engine = fleet.provider('box');
      const link = fleet.link('box');
      const oldPort = web.port ?? assert.fail('the instance has a port');
      link.ports.set(oldPort, 'healthy');
      await fleet.swarm.healthRound();
      assert.equal((await viewOf('web'))?.health, 'healthy');

      engine.movePort(web.id, oldPort + 100);
      link.ports.set(oldPort, 'refused');
      link.ports.set(oldPort + 100, 'healthy');
      const lists = engine.listCalls;
      const samples = await fleet.swarm.healthRound();
      assert.equal(engine.listCalls, lists + 1, 'one list for the refused probe');
      const view = await viewOf('web');
      assert.equal(view?.port, oldPort + 100, 'the store follows the new port');
      assert.equal(view?.health, 'healthy', 'healthy on its new port in the same round');
      assert.equal(samples.get(web.id)?.health, 'healthy', 'the round reports the second probe');
      assert.deepEqual(link.opened.slice(-2), [oldPort, oldPort + 100], 'probed on the old port, then on the new');
    });

    it('is listed again at most once per interval: a second move right after shows unhealthy until then', async () => {
      fleet = await fakeFleet({ startingGraceMs: 0 });
      await fleet.addHost('box');
      const web = await fleet.swarm.create({ name: 'web', host: 'box' });
      const engine = fleet.provider('box');
      const link = fleet.link('box');
      const p0 = web.port ?? assert.fail('the instance has a port');
      engine.movePort(web.id, p0 + 1);
      link.ports.set(p0 + 1, 'healthy');
      await fleet.swarm.healthRound();
      assert.equal((await viewOf('web'))?.health, 'healthy');

      engine.movePort(web.id, p0 + 2);
      link.ports.set(p0 + 1, 'refused');
      link.ports.set(p0 + 2, 'healthy');
      const lists = engine.listCalls;
      await fleet.swarm.healthRound();
      assert.equal(engine.listCalls, lists, 'no second list so soon');
      const view = await viewOf('web');
      assert.equal(view?.health, 'unhealthy');
      assert.equal(view?.port, p0 + 1);
    });

    it('is not suspected within the start-up grace: a refused probe reads starting and lists nothing', async () => {
      fleet = await fakeFleet();
      await fleet.addHost('box');
      await fleet.swarm.create({ name: 'web', host: 'box' });
      const engine = fleet.provider('box');
      const lists = engine.listCalls;
      await fleet.swarm.healthRound();
      assert.equal((await viewOf('web'))?.health, 'starting');
      assert.equal(engine.listCalls, lists);
    });
  });

  it('waitHealthy returns once a probe answers, and checkHealth reports that probe', async () => {
    fleet = await fakeFleet();
    await fleet.addHost('box');
    const web = await fleet.swarm.create({ name: 'web', host: 'box' });
    const link = fleet.link('box');
    setTimeout(() => link.ports.set(web.port ?? 0, 'healthy'), 200);
    const view = await fleet.swarm.waitHealthy('web', { timeoutMs: 5_000 });
    assert.equal(view.health, 'healthy');
    const report = await fleet.swarm.checkHealth('web');
    assert.equal(report.health, 'healthy');
    assert.equal(report.httpStatus, 200);
  });

  it('waitHealthy times out saying what the last probe saw and what the host says now', async () => {
    fleet = await fakeFleet();
    await fleet.addHost('box');
    const web = await fleet.swarm.create({ name: 'web', host: 'box' });
    // Only after the create: what the host says at the deadline, not at the create, is what explains it.
    fleet.provider('box').strand(web.id, 'no suitable node (insufficient resources on 3 nodes)');
    await assert.rejects(fleet.swarm.waitHealthy('web', { timeoutMs: 200 }), (e: Error) => {
      assert.match(e.message, /^web did not become healthy in time \(last: starting; the probe: nothing is listening; /);
      assert.match(e.message, /the host says starting: no suitable node \(insufficient resources on 3 nodes\)\)$/);
      return true;
    });
  });
});
