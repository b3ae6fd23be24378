import assert from 'node:assert/strict';
import { fakeFleet, type FakeFleet } from './fakes/fakeFleet.js';

describe('idle auto-stop by Code Swarm (fake hosts: no engine-side timeout)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;

  afterEach(async () => {
    await fleet?.dispose();
  });

  const viewOf = async (name: string) => (await fleet.swarm.views()).find((v) => v.name === name);

  async function idleInstance(heart: { status: string; lastHeartbeat: number }) {
    fleet = await fakeFleet({ startingGraceMs: 0 });
    await fleet.addHost('box');
    const web = await fleet.swarm.create({ name: 'web', host: 'box', idleTimeout: '61s' });
    const port = web.port ?? assert.fail('the instance has a port');
    fleet.link('box').ports.set(port, 'healthy');
    fleet.link('box').healthz.set(port, heart);
    return web;
  }

  it('stops an instance whose heart expired longer than its timeout ago, saying why', async () => {
    const web = await idleInstance({ status: 'expired', lastHeartbeat: Date.now() - (60 + 61 + 5) * 1000 });
    assert.equal(web.idleTimeoutSeconds, 61);
    assert.equal(web.idleEnforcedBy, 'code-swarm', 'the fake engine cannot give code-server the timeout');
    await fleet.swarm.healthRound();
    const view = await viewOf('web');
    assert.equal(view?.state, 'stopped');
    assert.equal(view?.stoppedReason, 'idle');
    assert.ok(view?.stoppedAt);
  });

  it('leaves an active instance running, with its countdown off and what keeps it alive', async () => {
    await idleInstance({ status: 'alive', lastHeartbeat: Date.now() - 5_000 });
    await fleet.swarm.healthRound();
    const view = await viewOf('web');
    assert.equal(view?.state, 'running');
    assert.equal(view?.idle?.active, true);
    assert.equal(view?.idle?.keptAliveBy, 'connection', 'no tunnel of this process is open');
    assert.equal(view?.idle?.stopsAt, undefined);
  });

  it('counts down an idle one not yet due, from its last heartbeat', async () => {
    const beat = Date.now() - 30_000;
    await idleInstance({ status: 'expired', lastHeartbeat: beat });
    await fleet.swarm.healthRound();
    const view = await viewOf('web');
    assert.equal(view?.state, 'running');
    assert.equal(view?.idle?.stopsAt, new Date(beat + 60_000 + 61_000).toISOString());
    assert.equal(view?.idle?.lastActivityAt, new Date(beat).toISOString());
  });

  it('asks code-server only for exactly /healthz, which it never counts as activity', async () => {
    await idleInstance({ status: 'expired', lastHeartbeat: 0 });
    for (let i = 0; i < 3; i++) await fleet.swarm.healthRound();
    await fleet.swarm.checkHealth('web');
    const requests = fleet.link('box').requests;
    assert.ok(requests.length >= 7, `${requests.length} requests`);
    for (const line of requests) assert.equal(line, 'GET /healthz HTTP/1.0');
  });

  it('a Stop is recorded as such, and the reason goes when it runs again', async () => {
    await idleInstance({ status: 'alive', lastHeartbeat: Date.now() });
    const stopped = await fleet.swarm.stop('web');
    assert.equal(stopped.stoppedReason, 'user');
    const started = await fleet.swarm.start('web');
    assert.equal(started.stoppedReason, undefined);
  });

  it('turns it off and on again without an engine that takes it', async () => {
    await idleInstance({ status: 'alive', lastHeartbeat: Date.now() });
    const off = await fleet.swarm.setIdleTimeout('web', 'off');
    assert.equal(off.idleTimeoutSeconds, undefined);
    const on = await fleet.swarm.setIdleTimeout('web', '2h');
    assert.equal(on.idleTimeoutSeconds, 7200);
    assert.equal(on.idleEnforcedBy, 'code-swarm');
  });
});
