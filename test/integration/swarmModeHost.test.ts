import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type Docker from 'dockerode';
import type { Swarm } from '../../src/core/swarm.js';
import { LABEL } from '../../src/providers/common/labels.js';
import { failsWith } from '../lab/failsWith.js';
import { dockerExec, lab, labDocker, labSwarm, uniqueName, type LabHostName } from '../lab/lab.js';
import { closeSwarmSuite, readySlot, unaccountedSlotParts } from '../lab/swarmSlots.js';
import { eventually } from '../lab/eventually.js';
import { GATEWAY_NAME_LABEL, INSTANCE_ALIAS, POOL_LABEL } from '../../src/providers/swarm/swarmModeNames.js';

const NODES = ['swarm1', 'swarm2', 'swarm3'] as const satisfies readonly LabHostName[];

/** Whether anything accepts a TCP connection there (from the lab machine, across the lab bridge). */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 2_000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** The running task container of a service, found on whichever lab node runs it. */
async function taskContainer(service: string): Promise<{ node: (typeof NODES)[number]; docker: Docker; id: string }> {
  for (const node of NODES) {
    const docker = labDocker(node);
    const [c] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] } });
    if (c) return { node, docker, id: c.Id };
  }
  throw new Error(`no running task container of ${service} on any lab node`);
}

describe('swarm-mode host: instances as Swarm services on the lab cluster (issue #18)', function () {
  this.timeout(240_000);
  let swarm: Swarm;
  const manager = labDocker('swarm1');
  before(async () => {
    ({ swarm } = await labSwarm());
    const h = lab().hosts.swarm1;
    // The lab machine's kernel has no IPsec ESP (Docker logs "function not implemented" for every SA): plain overlays here.
    await swarm.addHost({
      name: 'cluster',
      ssh: `${h.user}@${h.address}:${h.port}`,
      identityFile: lab().clientKey,
      provider: 'swarm',
      swarmOverlay: 'plain',
    });
  });
  after(async () => {
    await closeSwarmSuite(swarm, 'cluster', labDocker('swarm1'));
  });

  it('tests the host as a manager and lists its three nodes', async () => {
    const r = await swarm.testHost('cluster');
    assert.equal(r.ok, true, r.error);
    assert.equal(r.provider, 'swarm');
    assert.deepEqual(
      r.nodes?.map((n) => [n.name, n.role, n.state, n.availability]),
      [
        ['swarm1', 'manager', 'ready', 'active'],
        ['swarm2', 'worker', 'ready', 'active'],
        ['swarm3', 'worker', 'ready', 'active'],
      ],
    );
  });

  it('adds a manager engine as a --local swarm host (here: swarm1 through its socket on the lab machine)', async () => {
    await swarm.addHost({
      name: 'clusterlocal',
      local: true,
      provider: 'swarm',
      dockerSocket: lab().hosts.swarm1.engineSocketOnLabMachine,
    });
    const r = await swarm.testHost('clusterlocal');
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(
      r.nodes?.map((n) => n.name),
      ['swarm1', 'swarm2', 'swarm3'],
    );
    await swarm.removeHost('clusterlocal');
  });

  it('keeps a manager added without --provider a plain Docker host, with a note saying --provider swarm exists', async () => {
    const h = lab().hosts.swarm1;
    const added = await swarm.addHost({ name: 'managerasdocker', ssh: `${h.user}@${h.address}:${h.port}`, identityFile: lab().clientKey });
    assert.equal(added.provider, 'docker');
    assert.match(added.note ?? '', /is a Swarm manager \(3 nodes\).*--provider swarm/);
    await swarm.removeHost('managerasdocker');
    const a = lab().hosts.alpha;
    const plain = await swarm.addHost({ name: 'plaindocker', ssh: `${a.user}@${a.address}:${a.port}`, identityFile: lab().clientKey });
    assert.equal(plain.provider, 'docker');
    assert.equal(plain.note, undefined, 'a plain engine gets no note');
    await swarm.removeHost('plaindocker');
  });

  it('refuses a plain Docker engine as a swarm host, saying how to make a manager', async () => {
    const h = lab().hosts.alpha;
    await failsWith(
      swarm.addHost({ name: 'notswarm', ssh: `${h.user}@${h.address}:${h.port}`, identityFile: lab().clientKey, provider: 'swarm' }),
      'engine-missing',
      /not a Swarm manager/,
    );
  });

  it('creates a hardened, unpublished service on the chosen node; stop, start and delete leave nothing', async () => {
    const name = uniqueName('sw');
    const created = await swarm.create({ name, host: 'cluster', node: 'swarm2' });
    assert.equal(created.provider, 'swarm');
    const view = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    assert.equal(view.health, 'healthy');
    assert.equal(view.node, 'swarm2');
    const service = `code-swarm-${name}`;

    // The task container: same labels as a Docker instance, non-root, no capabilities, no-new-privileges, limits.
    const task = await taskContainer(service);
    assert.equal(task.node, 'swarm2');
    const info = await task.docker.getContainer(task.id).inspect();
    assert.equal(info.Config.Labels[LABEL.instance], view.id);
    assert.equal(info.Config.Labels[LABEL.name], name);
    assert.notEqual(info.Config.User, '');
    assert.doesNotMatch(info.Config.User, /^(root|0)(:|$)/);
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.equal(info.HostConfig.NanoCpus, 1e9);
    assert.equal(info.HostConfig.Memory, 1024 ** 3);
    assert.equal(info.HostConfig.PidsLimit, 1024);
    const status = await dockerExec(task.docker, task.id, ['cat', '/proc/1/status']);
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    assert.match(status, /^CapEff:\s+0+$/m);
    assert.match(status, /^Uid:\s+1000\s/m);

    // The password is nowhere in the service's spec, as text or as its hash.
    const password = await swarm.password(name);
    const inspect = JSON.stringify(await manager.getService(service).inspect());
    assert.ok(!inspect.includes(password), 'the password is in docker service inspect');
    assert.doesNotMatch(inspect, /\$argon2/, 'the password hash is in docker service inspect');
    assert.match(inspect, /code-swarm-password/, 'the hash reaches the task as a Swarm secret');

    // Nothing published: no routing-mesh port, the gateway on the manager's loopback only.
    const svc = (await manager.getService(service).inspect()) as { Endpoint?: { Ports?: unknown[] } };
    assert.deepEqual(svc.Endpoint?.Ports ?? [], []);
    assert.ok(view.port !== undefined);
    for (const node of NODES) {
      assert.equal(await answers(lab().hosts[node].address, view.port), false, `${node}'s lab address answers on ${view.port}`);
      assert.equal(await answers(lab().hosts[node].address, 8080), false, `${node}'s lab address answers on 8080`);
    }

    // Open lands logged in through the manager's SSH connection.
    const tunnel = await swarm.openTunnel(name);
    try {
      const first = await fetch(tunnel.url, { redirect: 'manual' });
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
      const page = await fetch(`http://127.0.0.1:${tunnel.port}/`, { redirect: 'manual', headers: { cookie } });
      assert.equal(page.status, 302);
      assert.doesNotMatch(page.headers.get('location') ?? '', /login/);
    } finally {
      await tunnel.close();
    }

    const stopped = await swarm.stop(name);
    assert.equal(stopped.state, 'stopped');
    const started = await swarm.start(name);
    assert.notEqual(started.state, 'stopped');
    const again = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    assert.equal(again.node, 'swarm2', 'a restarted instance keeps its node');

    await swarm.delete(name, { purge: true });
    assert.deepEqual(await manager.listServices({ filters: { name: [service] } }), []);
    assert.deepEqual(await manager.listSecrets({ filters: { label: [`${LABEL.instance}=${view.id}`] } }), []);
    assert.deepEqual(await manager.listNetworks({ filters: { name: [`${service}-net`] } }), []);
    assert.deepEqual(await manager.listContainers({ all: true, filters: { name: [`${service}-gw`] } }), []);
    for (const node of NODES) {
      const { Volumes } = await labDocker(node).listVolumes({ filters: { name: [`${service}-project`] } });
      assert.deepEqual(Volumes, [], `the workspace volume is left on ${node}`);
      const jobs = await labDocker(node).listContainers({ all: true, filters: { label: [`${LABEL.name}=${name}`] } });
      assert.deepEqual(jobs, [], `containers of ${name} are left on ${node}`);
    }
  });

  it('takes a ready slot for the next create: healthy, hardened, and its delete leaves nothing unaccounted for', async () => {
    const first = uniqueName('swslot1');
    await swarm.create({ name: first, host: 'cluster', node: 'swarm1' });
    await swarm.waitHealthy(first, { timeoutMs: 120_000 });
    const storeId = ((await manager.getService(`code-swarm-${first}`).inspect()) as { Spec: { Labels: Record<string, string> } }).Spec
      .Labels[LABEL.store]!;
    // Healthy, the instance's create started the refill: a slot of this store is made in the background.
    const slot = await readySlot(manager, storeId);
    const slotNet = (await manager.listNetworks({ filters: { label: [`${POOL_LABEL}=${slot}`] } }))[0]!;
    // What a refill killed midway leaves: an overlay whose gateway was never made. The next refill removes it.
    const half = await manager.createNetwork({
      Name: 'code-swarm_slot-halfmade-net',
      Driver: 'overlay',
      Attachable: true,
      Labels: { [POOL_LABEL]: 'code-swarm_slot-halfmade', [LABEL.store]: storeId },
    });

    const name = uniqueName('swslot2');
    const service = `code-swarm-${name}`;
    await swarm.create({ name, host: 'cluster', node: 'swarm1' });
    // The create took the ready slot: the service names the slot's gateway, the slot's claim names the instance.
    const spec = (await manager.getService(service).inspect()) as {
      Spec: { Labels: Record<string, string>; TaskTemplate: { Networks: { Target: string; Aliases?: string[] }[] } };
    };
    assert.equal(spec.Spec.Labels[GATEWAY_NAME_LABEL], slot, 'the create took the ready slot');
    const gw = await manager.getContainer(slot).inspect();
    const [claim] = await manager.listConfigs({ filters: { name: [slot] } });
    assert.equal(claim?.Spec?.Labels?.[LABEL.instance], spec.Spec.Labels[LABEL.instance]);
    assert.deepEqual(spec.Spec.TaskTemplate.Networks, [{ Target: slotNet.Id, Aliases: [INSTANCE_ALIAS] }]);
    // The gateway is as hardened as one made with its instance.
    assert.deepEqual(gw.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(gw.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.equal(gw.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(
      Object.values(gw.HostConfig.PortBindings ?? {}).flatMap((b) => (b as { HostIp: string }[]).map((x) => x.HostIp)),
      ['127.0.0.1'],
    );
    const view = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    assert.equal(view.health, 'healthy');
    const task = await taskContainer(service);
    assert.match(await dockerExec(task.docker, task.id, ['cat', '/proc/1/status']), /^NoNewPrivs:\s+1$/m);
    const tunnel = await swarm.openTunnel(name);
    try {
      const first200 = await fetch(tunnel.url, { redirect: 'manual' });
      const cookie = (first200.headers.get('set-cookie') ?? '').split(';')[0]!;
      const page = await fetch(`http://127.0.0.1:${tunnel.port}/`, { redirect: 'manual', headers: { cookie } });
      assert.equal(page.status, 302);
      assert.doesNotMatch(page.headers.get('location') ?? '', /login/);
    } finally {
      await tunnel.close();
    }
    await eventually(
      'the half-made slot removed by the refill',
      () => manager.listNetworks({ filters: { id: [half.id] } }),
      (n) => n.length === 0,
    );

    await swarm.delete(name, { purge: true });
    await swarm.delete(first, { purge: true });
    assert.deepEqual(await manager.listServices({ filters: { name: [service] } }), []);
    assert.deepEqual(await manager.listSecrets({ filters: { label: [`${LABEL.instance}=${view.id}`] } }), []);
    assert.deepEqual(await manager.listNetworks({ filters: { id: [slotNet.Id] } }), [], 'the taken slot’s overlay went with it');
    assert.deepEqual(await manager.listContainers({ all: true, filters: { name: [`${service}-gw`] } }), []);
    assert.deepEqual(await manager.listContainers({ all: true, filters: { name: [slot] } }), [], 'the taken slot’s gateway went with it');
    assert.deepEqual(await manager.listConfigs({ filters: { name: [slot] } }), [], 'and its claim');
    const { Volumes } = await manager.listVolumes({ filters: { name: [`${service}-project`] } });
    assert.deepEqual(Volumes, []);
    // Whatever carries the pool label is an idle slot or a live instance's (the refill may still be making one).
    await eventually(
      'every slot part accounted for',
      () => unaccountedSlotParts(manager),
      (u) => u.length === 0,
      30_000,
    );
  });

  it('pins an instance to the node Swarm chose: a killed task comes back there, healthy, with its logs', async () => {
    const name = uniqueName('swpin');
    await swarm.create({ name, host: 'cluster' });
    const view = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    const service = `code-swarm-${name}`;
    const svc = (await manager.getService(service).inspect()) as { Spec: { TaskTemplate: { Placement?: { Constraints?: string[] } } } };
    assert.match((svc.Spec.TaskTemplate.Placement?.Constraints ?? []).join(','), /node\.id==/);
    const before = await taskContainer(service);
    assert.equal(view.node, before.node);
    await before.docker.getContainer(before.id).kill();
    let after = before;
    for (let i = 0; i < 120 && after.id === before.id; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await taskContainer(service).catch(() => before);
    }
    assert.notEqual(after.id, before.id, 'Swarm replaced the killed task');
    assert.equal(after.node, before.node, 'the replacement runs where the workspace is');
    await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    assert.equal((await swarm.refresh('cluster')).find((v) => v.name === name)?.node, before.node);
    const logs = await swarm.logs(name, { tail: 50 });
    let text = '';
    for await (const chunk of logs) text += String(chunk);
    assert.match(text, /HTTP server listening/);
    await swarm.delete(name, { purge: true });
  });

  it('follows a change made by hand with docker service scale', async () => {
    const name = uniqueName('swev');
    await swarm.create({ name, host: 'cluster', node: 'swarm3' });
    const seen: string[] = [];
    const events = await swarm.watchEngine('cluster', (c) => {
      if (c.name === name) seen.push(c.action);
    });
    assert.ok(events, 'a swarm host has engine events');
    try {
      const svc = manager.getService(`code-swarm-${name}`);
      const info = (await svc.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      await svc.update({ ...info.Spec, Mode: { Replicated: { Replicas: 0 } }, version: info.Version.Index });
      for (let i = 0; i < 40 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen.slice(0, 1), ['service-update']);
      assert.equal((await swarm.refresh('cluster')).find((v) => v.name === name)?.state, 'stopped');
    } finally {
      events.close();
    }
    await swarm.delete(name, { purge: true });
  });

  it('shows the scheduler\u2019s reason for a task it cannot place', async () => {
    const name = uniqueName('swpend');
    const view = await swarm.create({ name, host: 'cluster', constraint: 'node.labels.code-swarm-test-nowhere==true' });
    assert.equal(view.state, 'starting');
    let error: string | undefined;
    for (let i = 0; i < 20 && !error; i++) {
      error = (await swarm.refresh('cluster')).find((v) => v.name === name)?.error;
      if (!error) await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(error ?? '', /no suitable node/);
    await swarm.delete(name, { purge: true });
  });

  it('spreads six one-CPU instances over the three 2-CPU nodes by their reservations; a seventh waits with the scheduler\u2019s reason', async () => {
    const names = Array.from({ length: 7 }, (_, i) => uniqueName(`swfit${i}`));
    try {
      const views = await Promise.all(names.map((name) => swarm.create({ name, host: 'cluster', cpus: 1, memory: '512m' })));
      const placed = views.filter((v) => v.error === undefined);
      const waiting = views.filter((v) => v.error !== undefined);
      assert.equal(placed.length, 6, JSON.stringify(views.map((v) => [v.name, v.state, v.node, v.error])));
      assert.equal(waiting.length, 1);
      assert.equal(waiting[0]?.state, 'starting');
      assert.match(waiting[0]?.error ?? '', /insufficient resources/);
      const perNode = new Map<string, number>();
      for (const v of placed) perNode.set(v.node ?? '?', (perNode.get(v.node ?? '?') ?? 0) + 1);
      assert.deepEqual([...perNode].sort(), [
        ['swarm1', 2],
        ['swarm2', 2],
        ['swarm3', 2],
      ]);
    } finally {
      await Promise.all(names.map((name) => swarm.delete(name, { purge: true }).catch(() => undefined)));
    }
  });

  it('explains, and loses nothing, when the node of a pinned instance is drained', async () => {
    const name = uniqueName('swdrain');
    await swarm.create({ name, host: 'cluster', node: 'swarm3' });
    await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    const drain = (availability: 'drain' | 'active') => swarm.setNodeAvailability('cluster', 'swarm3', availability, { force: true });
    // Refused first, saying which instance stops and that its workspace stays.
    await failsWith(
      swarm.setNodeAvailability('cluster', 'swarm3', 'drain'),
      'conflict',
      new RegExp(`Draining swarm3 stops ${name}: .*nothing is lost`),
    );
    assert.equal((await swarm.clusterNodes('cluster')).find((n) => n.name === 'swarm3')?.availability, 'active');
    await drain('drain');
    try {
      assert.equal((await swarm.clusterNodes('cluster')).find((n) => n.name === 'swarm3')?.availability, 'drain');
      let view;
      for (let i = 0; i < 120; i++) {
        view = (await swarm.refresh('cluster')).find((v) => v.name === name);
        if (/no suitable node/.test(view?.error ?? '')) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(view?.state, 'starting', 'it waits for its node rather than moving away from its workspace');
      assert.match(view?.error ?? '', /no suitable node/);
      assert.match(view?.error ?? '', /its node swarm3 is drained/);
    } finally {
      await drain('active');
    }
    for (let i = 0; i < 240; i++) {
      if ((await swarm.refresh('cluster')).find((v) => v.name === name)?.state === 'running') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const back = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    assert.equal(back.node, 'swarm3');
    await swarm.delete(name, { purge: true });
  });

  it('refuses a node name Swarm could not have', async () => {
    await failsWith(
      swarm.create({ name: uniqueName('swbad'), host: 'cluster', node: 'no such node!' }),
      'invalid-input',
      /not a node name/,
    );
  });
});
