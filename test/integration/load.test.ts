import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SwarmError } from '../../src/shared/errors.js';
import type { Swarm } from '../../src/core/swarm.js';
import type { HealthSample, InstanceView } from '../../src/core/views.js';
import { addFleetHosts, eachLimited, labelledLeftovers, removeLabelled, type FleetHost } from '../lab/fleet.js';
import { lab, labSwarm, uniqueName } from '../lab/lab.js';

const ms = (t0: number) => Math.round(performance.now() - t0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Health rounds until every named instance is healthy, or fails naming the ones that are not and why. */
async function allHealthy(swarm: Swarm, names: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let round = 0; ; round++) {
    // A list now and then: a container that exited or restarts shows as such, not as the `running` its create recorded.
    if (round % 10 === 9) await swarm.refresh();
    const samples = await swarm.healthRound();
    const views = await swarm.views();
    const sick = views.filter((v) => names.includes(v.name) && v.health !== 'healthy');
    if (sick.length === 0) return;
    if (performance.now() > deadline) {
      await swarm.refresh();
      const why = await Promise.all(sick.slice(0, 3).map((v) => diagnose(swarm, v, samples.get(v.id))));
      assert.fail(`${sick.length} of ${names.length} not healthy in time, e.g. ${why.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** One sick instance in one line: its state now, the last probe's answer, and the end of its log. */
async function diagnose(swarm: Swarm, v: InstanceView, sample: HealthSample | undefined): Promise<string> {
  const now = (await swarm.views()).find((x) => x.id === v.id);
  let log: string;
  try {
    const chunks: Buffer[] = [];
    for await (const c of await swarm.logs(v.name, { tail: 8 })) chunks.push(Buffer.from(c as Buffer));
    log = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim().slice(-600);
  } catch (e) {
    log = `(no log: ${e instanceof Error ? e.message : String(e)})`;
  }
  const probe = sample
    ? `${sample.health}${sample.httpStatus ? ` HTTP ${sample.httpStatus}` : ''}${sample.detail ? ` (${sample.detail})` : ''}`
    : 'no probe';
  return `${v.name} on ${v.host} port ${v.port}: ${now?.state ?? 'gone'}/${now?.health ?? '?'}${now?.error ? ` [${now.error}]` : ''}, probe ${probe}, log: ${log}`;
}

describe('load: 20 concurrent creates, then 20 concurrent deletes, over alpha and beta', function () {
  this.timeout(600_000);
  const on = ['alpha', 'beta'] as const;
  let swarm: Swarm;
  let dir = '';
  let storeId = '';

  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addFleetHosts(
      swarm,
      on.map((h) => ({ name: h, on: h })),
    );
    storeId = (await swarm.store.read()).storeId;
  });
  after(async () => {
    swarm?.dispose();
    if (storeId) await removeLabelled(storeId, on);
  });

  it('creates 20 at once, each succeeding or failing cleanly, all made ones healthy, then deletes them all at once leaving nothing behind', async () => {
    const names = Array.from({ length: 20 }, (_, i) => uniqueName(`ld${i}`));
    const hostOf = (i: number) => on[i % 2] as string;

    let t0 = performance.now();
    // Light instances: twenty code-servers booting at once on a 2-CPU lab
    // machine starve the engines past their request deadline (the 200-swarm
    // below runs real code-servers, spaced out).
    const created = await Promise.allSettled(
      names.map((name, i) => swarm.create({ name, host: hostOf(i), image: lab().lightImage, cpus: 0.2, memory: '64m' })),
    );
    const createMs = ms(t0);
    for (const [i, r] of created.entries()) {
      // "Fail cleanly": a one-line SwarmError, never a crash or a hang.
      if (r.status === 'rejected')
        assert.ok(r.reason instanceof SwarmError && !r.reason.message.includes('\n'), `${names[i]}: ${String(r.reason)}`);
    }
    const ok = names.filter((_, i) => created[i]?.status === 'fulfilled');
    const failed = created.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    // Succeed or fail cleanly, as the issue asks; most must succeed, or the engines are broken, not busy.
    assert.ok(ok.length >= 15, `at least 15 of 20 creates succeed (failed: ${failed.join('; ')})`);

    // A create that failed cleanly left a `failed` record (its container may exist) or none; a refresh settles it.
    await swarm.refresh();
    const file = await swarm.store.read();
    const live = file.instances.filter((i) => ok.includes(i.name));
    assert.deepEqual(live.map((i) => i.name).sort(), [...ok].sort(), 'one record per successful create, none duplicated');
    assert.equal(new Set(file.instances.map((i) => i.name)).size, file.instances.length, 'no duplicated record');
    assert.equal(new Set(live.map((i) => `${i.host}:${i.port}`)).size, ok.length, 'every instance has its own loopback port');
    const ids = file.instances.map((i) => i.id);

    t0 = performance.now();
    await allHealthy(swarm, ok, 240_000);
    const healthyMs = ms(t0);

    t0 = performance.now();
    const all = file.instances.map((i) => i.name);
    const deleted = await Promise.allSettled(all.map((n) => swarm.delete(n, { purge: true })));
    const deleteMs = ms(t0);
    const failedDeletes = deleted.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as unknown);
    for (const e of failedDeletes) assert.ok(e instanceof SwarmError && !e.message.includes('\n'), `a delete fails cleanly: ${String(e)}`);
    // What failed cleanly is still recorded, so deleting it again finishes
    // the job (a few bounded passes: a busy engine may refuse once more).
    for (let pass = 0; pass < 5; pass++) {
      const left = (await swarm.store.read()).instances.map((i) => i.name);
      if (left.length === 0) break;
      for (const n of left) {
        await swarm.delete(n, { purge: true }).catch((e: unknown) => {
          assert.ok(e instanceof SwarmError && !e.message.includes('\n'), `a retried delete fails cleanly: ${String(e)}`);
        });
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }

    assert.deepEqual((await swarm.store.read()).instances, [], 'no record left');
    assert.deepEqual(await labelledLeftovers(storeId, on), [], 'no container or volume left on alpha or beta');
    const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as Record<string, string>;
    for (const id of ids) assert.ok(!Object.keys(secrets).some((k) => k.includes(id)), `the secrets of ${id} are forgotten`);
    process.stdout.write(
      `      20 creates ${createMs} ms (${ok.length} ok, ${failed.length} failed cleanly), all healthy ${healthyMs} ms later, ` +
        `deletes ${deleteMs} ms (${failedDeletes.length} failed cleanly, then retried)\n`,
    );
  });
});

describe('load: a 200-instance swarm (190 light + 10 real code-servers) over alpha, beta and the local engine', function () {
  this.timeout(900_000);
  const hosts: FleetHost[] = [
    { name: 'alpha', on: 'alpha' },
    { name: 'beta', on: 'beta' },
    { name: 'local', on: 'local' },
  ];
  const on = hosts.map((h) => h.on);
  let swarm: Swarm;
  let storeId = '';
  const names: string[] = [];

  before(async () => {
    ({ swarm } = await labSwarm());
    await addFleetHosts(swarm, hosts);
    storeId = (await swarm.store.read()).storeId;
  });
  after(async () => {
    swarm?.dispose();
    if (storeId) await removeLabelled(storeId, on);
  });

  it('creates 200 instances, lists and health-checks them all, and deletes them all', async () => {
    const tag = uniqueName('f');
    const specs = Array.from({ length: 200 }, (_, i) => ({
      name: `${tag}-${String(i).padStart(3, '0')}`,
      host: (hosts[i % hosts.length] as FleetHost).name,
      // Spaced out: ten code-servers booting at once would starve the engines.
      real: i % 20 === 0,
    }));
    names.push(...specs.map((s) => s.name));

    let t0 = performance.now();
    const made = await eachLimited(
      specs,
      12,
      (s) =>
        swarm.create(
          s.real
            ? { name: s.name, host: s.host, image: lab().dockerImage, cpus: 0.5, memory: '512m' }
            : { name: s.name, host: s.host, image: lab().lightImage, cpus: 0.1, memory: '64m' },
        ),
      (s) => s.name,
    );
    const populateMs = ms(t0);
    assert.deepEqual(
      made.filter((o) => o.error),
      [],
      'all 200 creates succeed',
    );

    t0 = performance.now();
    await allHealthy(swarm, names, 300_000);
    const healthyMs = ms(t0);

    const refreshMs: number[] = [];
    const roundMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      const views = await swarm.refresh();
      refreshMs.push(ms(t0));
      assert.equal(views.length, 200, 'a refresh lists all 200');
      assert.equal(views.filter((v) => v.state === 'running').length, 200, 'all 200 running');
      t0 = performance.now();
      const samples = await swarm.healthRound();
      roundMs.push(ms(t0));
      assert.equal([...samples.values()].filter((s) => s.health === 'healthy').length, 200, 'a health round finds all 200 healthy');
    }
    const hostViews = await swarm.hosts();
    assert.deepEqual(
      hostViews.map((h) => [h.name, h.instanceCount]).sort(),
      hosts.map((h) => [h.name, specs.filter((s) => s.host === h.name).length]).sort(),
    );

    t0 = performance.now();
    const gone = await eachLimited(
      names,
      12,
      (n) => swarm.delete(n, { purge: true }),
      (n) => n,
    );
    const deleteMs = ms(t0);
    assert.deepEqual(
      gone.filter((o) => o.error),
      [],
      'all 200 deletes succeed',
    );
    assert.deepEqual((await swarm.store.read()).instances, [], 'no record left');
    assert.deepEqual(await labelledLeftovers(storeId, on), [], 'nothing left on the engines');
    process.stdout.write(
      `      200 created in ${populateMs} ms (12 at a time), all healthy ${healthyMs} ms later; ` +
        `refresh median ${median(refreshMs)} ms [${refreshMs.join(', ')}], health round median ${median(roundMs)} ms [${roundMs.join(', ')}]; ` +
        `deleted in ${deleteMs} ms\n`,
    );
  });
});
