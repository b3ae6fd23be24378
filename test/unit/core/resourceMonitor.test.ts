import assert from 'node:assert/strict';
import { rankByRoom, roomOf } from '../../../src/core/hostRoom.js';
import type { HostResources } from '../../../src/core/resourceMonitor.js';
import { SwarmError } from '../../../src/shared/errors.js';
import { fakeFleet, type FakeFleet } from './fakes/fakeFleet.js';

const GIB = 1024 ** 3;

describe('Swarm resource use (fake hosts)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;

  beforeEach(async () => {
    fleet = await fakeFleet();
    await fleet.addHost('box');
    await fleet.addHost('cube');
  });
  afterEach(async () => {
    await fleet.dispose();
  });

  it('reads every running instance, sums them per host beside its capacity, and says what failed', async () => {
    const { swarm } = fleet;
    await swarm.create({ name: 'a', host: 'box', memory: '1g' });
    await swarm.create({ name: 'b', host: 'box', memory: '1g' });
    await swarm.create({ name: 'c', host: 'cube' });
    await swarm.create({ name: 'idle', host: 'cube' });
    await swarm.stop('idle');
    fleet.provider('box').usage.set('a', { cpuPercent: 12.5, memoryBytes: 100, memoryLimitBytes: GIB, pids: 5 });
    fleet.provider('box').usage.set('b', { cpuPercent: 7.5, memoryBytes: 300, memoryLimitBytes: GIB, pids: 7 });
    fleet.provider('cube').failures.stats = new SwarmError('engine said no', { code: 'internal' });

    const { usage, failures } = await swarm.statsAll();
    assert.deepEqual(
      usage.map((u) => [u.name, u.host, u.cpuPercent, u.pids]),
      [
        ['a', 'box', 12.5, 5],
        ['b', 'box', 7.5, 7],
      ],
    );
    assert.deepEqual(failures, [{ name: 'c', host: 'cube', error: 'engine said no' }], 'the stopped one is not asked');

    const hosts = await swarm.hostResources();
    const box = hosts.find((h) => h.name === 'box')!;
    assert.equal(box.instances, 2);
    assert.equal(box.cpuPercent, 20);
    assert.equal(box.memoryBytes, 400);
    assert.equal(box.memoryLimitBytes, 2 * GIB);
    assert.equal(box.capacity?.cpus, 4);
    assert.equal(hosts.find((h) => h.name === 'cube')!.instances, 1, 'an instance not read still counts, with its limit');
    assert.equal(hosts.find((h) => h.name === 'cube')!.cpuPercent, 0);
  });

  it('keeps the last figures for the views, raises one event per round, and forgets a stopped instance', async () => {
    const { swarm } = fleet;
    await swarm.create({ name: 'a', host: 'box' });
    fleet.provider('box').usage.set('a', { cpuPercent: 3, memoryBytes: 10, memoryLimitBytes: 20 });
    let events = 0;
    const off = swarm.on('resources', () => events++);
    await swarm.resourceRound();
    off();
    assert.equal(events, 1);
    assert.equal(swarm.latestResources.usage.get('a')?.cpuPercent, 3);
    assert.equal(swarm.latestResources.hosts.get('box')?.capacity?.memoryBytes, 8 * GIB);
    await swarm.stop('a');
    await swarm.resourceRound();
    assert.equal(swarm.latestResources.usage.has('a'), false);
    assert.equal(swarm.latestResources.hosts.get('box')?.instances, 0);
  });

  it('reports a host whose capacity cannot be read with the reason, and one instance by name', async () => {
    const { swarm } = fleet;
    await swarm.create({ name: 'a', host: 'box' });
    fleet.provider('box').failures.capacity = new SwarmError('no /info', { code: 'internal' });
    const [box] = await swarm.hostResources('box');
    assert.equal(box?.capacity, undefined);
    assert.equal(box?.error, 'no /info');
    assert.equal((await swarm.stats('a')).host, 'box');
    await assert.rejects(swarm.stats('nope'), /Unknown instance "nope"/);
    await assert.rejects(swarm.statsAll('nohost'), /Unknown host "nohost"/);
  });

  it("reads the costly disk use of instances with a quota, once a minute, beside their quota; others' only by name", async () => {
    const { swarm } = fleet;
    const box = fleet.provider('box');
    await swarm.create({ name: 'sized', host: 'box', disk: '2g' });
    await swarm.create({ name: 'plain', host: 'box' });
    box.diskUsed.set('sized', 300 * 1024 ** 2);
    box.diskUsed.set('plain', 5 * 1024 ** 2);

    const { usage } = await swarm.statsAll();
    const sized = usage.find((u) => u.name === 'sized');
    assert.equal(sized?.diskUsedBytes, 300 * 1024 ** 2);
    assert.equal(sized?.diskLimitBytes, 2 * GIB);
    const plain = usage.find((u) => u.name === 'plain');
    assert.equal(plain?.diskUsedBytes, undefined, 'no quota: not sized on a round');
    assert.equal(plain?.diskLimitBytes, undefined);
    assert.deepEqual(box.diskUsageAsked, ['sized']);

    box.diskUsed.set('sized', 400 * 1024 ** 2);
    await swarm.resourceRound();
    assert.deepEqual(box.diskUsageAsked, ['sized'], 'within the minute the last reading stands');
    assert.equal(swarm.latestResources.usage.get('sized')?.diskUsedBytes, 300 * 1024 ** 2);

    assert.equal((await swarm.stats('plain')).diskUsedBytes, 5 * 1024 ** 2, 'asked for by name: sized all the same');
    assert.deepEqual(box.diskUsageAsked, ['sized', 'plain']);
  });

  it('prefers the disk use the engine reports with its stats (LXD) to the costly reading', async () => {
    const { swarm } = fleet;
    const box = fleet.provider('box');
    await swarm.create({ name: 'sized', host: 'box', disk: '2g' });
    box.usage.set('sized', { cpuPercent: 1, memoryBytes: 1, memoryLimitBytes: undefined, diskUsedBytes: 123 });
    box.diskUsed.set('sized', 999);
    const u = await swarm.stats('sized');
    assert.equal(u.diskUsedBytes, 123);
    assert.equal(u.diskLimitBytes, 2 * GIB);
  });
});

describe('rankByRoom', () => {
  const host = (name: string, cap: Partial<HostResources['capacity']> | undefined, promised = 0): HostResources => ({
    name,
    capacity: cap && {
      cpus: 2,
      memoryBytes: 8 * GIB,
      memoryAvailableBytes: undefined,
      diskFreeBytes: undefined,
      diskTotalBytes: undefined,
      diskLocation: undefined,
      ...cap,
    },
    instances: 0,
    cpuPercent: 0,
    memoryBytes: 0,
    memoryLimitBytes: promised,
  });

  it('puts the host with the most memory left first, unknown ones last', () => {
    const hosts = [
      host('unknown', undefined),
      host('busy', { memoryAvailableBytes: 1 * GIB }),
      host('roomy', { memoryAvailableBytes: 5 * GIB }),
    ];
    assert.deepEqual(rankByRoom(hosts), ['roomy', 'busy', 'unknown']);
  });

  it('counts memory promised to instances as taken, and a full disk as no room', () => {
    assert.equal(roomOf(host('h', { memoryAvailableBytes: 7 * GIB }, 6 * GIB)), 2 * GIB);
    assert.equal(roomOf(host('h', { diskFreeBytes: GIB }, 0)), 0);
    assert.equal(roomOf(host('h', undefined)), undefined);
    assert.deepEqual(rankByRoom([host('full', { diskFreeBytes: GIB }), host('ok', { memoryAvailableBytes: GIB })]), ['ok', 'full']);
  });
});
