import assert from 'node:assert/strict';
import { SwarmError } from '../../../src/shared/errors.js';
import { fakeFleet, sleep, until, type FakeFleet } from './fakes/fakeFleet.js';

describe('Swarm operations (fake hosts)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;

  beforeEach(async () => {
    fleet = await fakeFleet();
    await fleet.addHost('box');
  });
  afterEach(async () => {
    await fleet.dispose();
  });

  const stateOf = async (name: string) => (await fleet.swarm.views()).find((v) => v.name === name)?.state;

  describe('engine events for an instance under an operation', () => {
    it('are left to the operation: a delete the engine reports half way never shows the instance missing', async () => {
      const { swarm } = fleet;
      const web = await swarm.create({ name: 'web', host: 'box' });
      const engine = fleet.provider('box');
      const listed: string[] = [];
      const watcher = swarm.engineWatcher({ quietMs: 5, settleMs: 5, minGapMs: 0, onListed: (host) => listed.push(host) });
      const seen: (string | undefined)[] = [];
      const off = swarm.on('instances', () => void stateOf('web').then((s) => seen.push(s)));
      try {
        await watcher.sync();
        await until(() => watcher.isOpen('box'), "box's event stream open");

        // The plumbing works: an event about an instance nobody operates on lists its host.
        engine.report({ id: web.id, name: 'web', action: 'start' });
        await until(() => listed.length === 1, 'the event to list box');

        const release = engine.holdRemoves();
        const deleting = swarm.delete('web');
        await until(() => engine.removing, 'the remove to start');
        const lists = engine.listCalls;
        // Many quiet periods of the watcher: a list now would find the container gone.
        await sleep(150);
        assert.equal(engine.listCalls, lists, 'no list while the delete runs');
        assert.deepEqual(listed, ['box'], 'the events by id and by name were both left to the delete');
        assert.equal(await stateOf('web'), 'running', 'the record is as it was until the delete says otherwise');

        release();
        await deleting;
        assert.deepEqual(await swarm.views(), [], 'the delete removed the record');
        await sleep(50);
        assert.ok(!seen.includes('missing'), `never shown missing (states seen: ${seen.join(', ')})`);
      } finally {
        off();
        watcher.dispose();
      }
    });

    it('reach the watcher again once the operation is over', async () => {
      const { swarm } = fleet;
      const web = await swarm.create({ name: 'web', host: 'box' });
      const engine = fleet.provider('box');
      const changes: string[] = [];
      const events = await swarm.watchEngine('box', (c) => changes.push(c.action));
      try {
        assert.ok(events, 'the fake engine has events');
        await swarm.stop('web');
        engine.report({ id: web.id, name: 'web', action: 'die' });
        assert.deepEqual(changes, ['die'], 'an event after the stop is passed on');
      } finally {
        events?.close();
      }
    });
  });

  describe('a create that fails', () => {
    const passwordsSet = () => fleet.secrets.everSet.filter((k) => k.endsWith('/password')).length;

    it('leaves no record and no secret when the host refuses it outright', async () => {
      const engine = fleet.provider('box');
      const refusal = new SwarmError('Permission denied on /var/run/docker.sock', { code: 'permission-denied' });
      engine.failures.create = refusal;
      engine.failures.list = refusal;
      await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box' }), /Permission denied/);
      assert.equal(passwordsSet(), 1, 'a password was stored while the create ran');
      assert.deepEqual((await fleet.store.read()).instances, [], 'no record');
      assert.deepEqual([...fleet.secrets.values.keys()], [], 'no secret');
    });

    it('leaves no record and no secret when the engine refuses it and nothing of it is left', async () => {
      fleet.provider('box').failures.create = new SwarmError('No such image: nope:1', { code: 'image-missing' });
      await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box', image: 'nope:1' }), /No such image/);
      assert.deepEqual((await fleet.store.read()).instances, []);
      assert.deepEqual([...fleet.secrets.values.keys()], []);
    });

    it('leaves no secret when the name is taken (the record and the secrets go in at once)', async () => {
      const first = await fleet.swarm.create({ name: 'web', host: 'box' });
      await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box' }), /An instance named web already exists on box/);
      assert.equal(passwordsSet(), 2, 'the second create stored a password too');
      assert.deepEqual(
        [...fleet.secrets.values.keys()].sort(),
        fleet.secrets.keysOf(first.id).sort(),
        "only the first instance's secrets are left",
      );
      assert.deepEqual(
        (await fleet.store.read()).instances.map((i) => i.id),
        [first.id],
      );
    });

    it('leaves no record, and asks the host nothing, when its secrets cannot be saved', async () => {
      fleet.secrets.failSets = new SwarmError('The state directory is read-only', { code: 'permission-denied' });
      const engine = fleet.provider('box');
      const lists = engine.listCalls;
      await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box' }), /read-only/);
      assert.deepEqual((await fleet.store.read()).instances, [], 'no record');
      assert.deepEqual(await engine.list(), [], 'no container');
      assert.equal(engine.listCalls, lists + 1, 'only the list above: the create never reached the host');
    });

    it('keeps a failed record and its secrets when the link dropped half way (the container may exist)', async () => {
      const engine = fleet.provider('box');
      const dropped = new SwarmError('Lost the connection to box', { code: 'unreachable' });
      engine.failures.create = dropped;
      engine.failures.list = dropped;
      await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box' }), /Lost the connection/);
      const [rec] = (await fleet.store.read()).instances;
      assert.equal(rec?.state, 'failed');
      assert.match(rec?.error ?? '', /Lost the connection/);
      assert.equal(fleet.secrets.keysOf(rec?.id ?? '').length, 2, 'password and session kept for the container that may exist');
    });

    it('keeps a failed record with the container its engine could not clean up', async () => {
      const engine = fleet.provider('box');
      engine.failures.create = new SwarmError('code-server did not start', { code: 'internal' });
      engine.leaveFailedContainer = true;
      await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box' }));
      const [rec] = (await fleet.store.read()).instances;
      assert.equal(rec?.state, 'failed');
      assert.equal(rec?.containerId, 'ctr-web');
      assert.equal(fleet.secrets.keysOf(rec?.id ?? '').length, 2);
    });
  });
});
