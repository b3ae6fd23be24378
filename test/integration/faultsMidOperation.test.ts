import assert from 'node:assert/strict';
import { request } from 'node:http';
import { SwarmError } from '../../src/shared/errors.js';
import type { Swarm } from '../../src/core/swarm.js';
import type { HealthSample, InstanceView } from '../../src/core/views.js';
import { LABEL } from '../../src/providers/common/labels.js';
import type { Tunnel } from '../../src/transport/tunnel.js';
import { eventually } from '../lab/eventually.js';
import { addLabHost, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { labFault, restoreLab } from '../lab/labFault.js';

/** Fails the test instead of hanging it: every operation under a fault must settle. */
async function settles<T>(what: string, p: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface Agreement {
  /** Containers labelled with this store's id that no record points at. */
  orphans: string[];
  /** Records (not `missing`) whose container is not on the host. */
  lost: string[];
  /** Names of this host's records with a container, for the checks that follow. */
  withContainer: string[];
}

/** Compares the store with the engine behind Code Swarm's back. */
async function agreement(swarm: Swarm, host: 'alpha' | 'beta'): Promise<Agreement> {
  const file = await swarm.store.read();
  const mine = file.instances.filter((i) => i.host === host);
  const containers = await labDocker(host).listContainers({ all: true, filters: { label: [`${LABEL.store}=${file.storeId}`] } });
  const onHost = new Set(containers.map((c) => c.Labels[LABEL.instance]));
  return {
    orphans: containers.filter((c) => !mine.some((r) => r.id === c.Labels[LABEL.instance])).map((c) => c.Names.join(',')),
    lost: mine.filter((r) => r.state !== 'missing' && !onHost.has(r.id)).map((r) => `${r.name} (${r.state})`),
    withContainer: mine.filter((r) => onHost.has(r.id)).map((r) => r.name),
  };
}

/** Removes every container and volume this store left on a host, whatever the store says. */
async function sweep(storeId: string, host: 'alpha' | 'beta'): Promise<void> {
  const docker = labDocker(host);
  const filters = { label: [`${LABEL.store}=${storeId}`] };
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
}

/** Workspace volumes on alpha labelled with this instance name. */
async function volumesOf(name: string): Promise<string[]> {
  const r = await labDocker('alpha').listVolumes({ filters: { label: [`${LABEL.name}=${name}`] } });
  return (r.Volumes ?? []).map((v) => v.Name);
}

interface Fetched {
  status?: number;
  bytes: number;
  /** The body ended short of its Content-Length, or the connection closed. */
  cut: boolean;
  error?: string;
  /** Nothing came for 30 s: the tunnel left the request hanging. */
  hung?: boolean;
}

/** GET through the tunnel with its cookie; always settles (closed connections included). */
function get(tunnel: Tunnel, cookie: string, path: string, options: { onFirstBytes?: () => void } = {}): Promise<Fetched> {
  return new Promise((resolve) => {
    let status: number | undefined;
    let bytes = 0;
    let expected = NaN;
    const req = request({ host: '127.0.0.1', port: tunnel.port, path, headers: { cookie }, agent: false, timeout: 30_000 }, (res) => {
      status = res.statusCode;
      expected = Number(res.headers['content-length'] ?? NaN);
      let first = true;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (first) {
          first = false;
          options.onFirstBytes?.();
        }
      });
      res.on('end', () => resolve({ status, bytes, cut: Number.isFinite(expected) && bytes < expected }));
      res.on('error', (e) => resolve({ status, bytes, cut: true, error: e.message }));
      res.on('aborted', () => resolve({ status, bytes, cut: true, error: 'aborted' }));
    });
    req.on('timeout', () => {
      resolve({ status, bytes, cut: true, hung: true, error: 'nothing for 30 s' });
      req.destroy();
    });
    req.on('error', (e) => resolve({ status, bytes, cut: true, error: e.message }));
    req.end();
  });
}

/** The tunnel's own cookie, traded for the one-time token in its URL (what a browser does). */
function login(tunnel: Tunnel): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(tunnel.url);
    request({ host: '127.0.0.1', port: tunnel.port, path: url.pathname + url.search, agent: false }, (res) => {
      res.resume();
      const set = res.headers['set-cookie']?.[0];
      if (res.statusCode !== 302 || !set) reject(new Error(`token exchange answered ${res.statusCode}`));
      else resolve(set.split(';')[0] as string);
    })
      .on('error', reject)
      .end();
  });
}

describe('faults mid-operation: sshd of alpha stops while an operation is in flight', function () {
  this.timeout(600_000);
  let swarm: Swarm;
  let storeId: string;
  // Light instances: they answer /healthz like code-server, and /bytes/N for the tunnel.
  const la = uniqueName('mla');
  const lb = uniqueName('mlb');
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => crashes.push(e);

  before(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    await restoreLab([['alpha', 'ssh-up']]);
    ({ swarm } = await labSwarm());
    storeId = (await swarm.store.read()).storeId;
    await addLabHost(swarm, 'alpha');
    await addLabHost(swarm, 'beta');
    const light = { image: lab().lightImage, memory: '128m', cpus: '0.2' };
    await Promise.all([swarm.create({ name: la, host: 'alpha', ...light }), swarm.create({ name: lb, host: 'beta', ...light })]);
    await Promise.all([swarm.waitHealthy(la), swarm.waitHealthy(lb)]);
  });
  afterEach(async () => {
    // Whatever happened, the next test starts with sshd up.
    await restoreLab([['alpha', 'ssh-up']]);
  });
  after(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await restoreLab([['alpha', 'ssh-up']]);
    if (swarm) {
      for (const v of await swarm.views().catch(() => [] as InstanceView[]))
        await swarm.delete(v.name, { purge: true }).catch(() => undefined);
      swarm.dispose();
    }
    if (storeId) for (const h of ['alpha', 'beta'] as const) await sweep(storeId, h).catch(() => undefined);
  });

  /** Waits until the same Swarm object talks to alpha again after ssh-up: no re-add, no new Swarm. */
  async function alphaBack(): Promise<void> {
    await eventually(
      'the Swarm reconnects to alpha by itself',
      async () => {
        await swarm.refresh();
        return (await swarm.hosts()).find((h) => h.name === 'alpha')?.reachability;
      },
      (r) => r === 'up',
      60_000,
    );
  }

  // Each moment stops sshd at a different point of a real code-server create.
  // `freeze` pins the fault to that step: the process waits while sshd and its
  // sessions die, then the create goes on over a dead connection.
  const moments: ReadonlyArray<{ title: string; step?: string; freeze: boolean }> = [
    { title: 'as the create call starts (fault lands while it runs)', freeze: false },
    { title: 'just before the container is created', step: 'Creating the container', freeze: true },
    { title: 'after the container is created, before it starts', step: 'Starting code-server', freeze: true },
    { title: 'while the container starts (fault lands while it runs)', step: 'Starting code-server', freeze: false },
  ];
  for (const m of moments) {
    it(`create, sshd stopped ${m.title}: settles, reconnects after ssh-up, store and alpha agree`, async () => {
      const name = uniqueName('mc');
      let faulted: Promise<void> | undefined;
      const steps: string[] = [];
      const onProgress = (msg: string) => {
        steps.push(msg);
        if (faulted || m.step === undefined || msg !== m.step) return;
        faulted = labFault('alpha', 'ssh-down', { freeze: m.freeze });
      };
      try {
        const creating = swarm.create({ name, host: 'alpha', image: lab().dockerImage }, { onProgress });
        if (m.step === undefined) faulted = labFault('alpha', 'ssh-down');
        const outcome = await settles('create', creating, 150_000);
        assert.ok(faulted, `the fault was applied (steps: ${steps.join(' > ')})`);
        await faulted;
        if ('error' in outcome) {
          const e = outcome.error;
          assert.ok(e instanceof SwarmError, `a SwarmError, not ${String(e)}`);
          assert.ok(!e.oneLine().includes('\n'));
          assert.match(e.oneLine(), /alpha/, 'the error names the host');
          // The host could not say whether the container exists: the record stays, failed, until a refresh knows.
          const kept = await swarm.store.findInstance(name);
          assert.ok(kept === undefined || kept.state === 'failed', `left as ${kept?.state}`);
          console.log(
            `      create ${m.title}: rejected [${e.code}] ${e.oneLine()}; record ${kept?.state ?? 'dropped'} (steps: ${steps.join(' > ')})`,
          );
        } else {
          console.log(`      create ${m.title}: completed as ${outcome.value.state} (steps: ${steps.join(' > ')})`);
        }

        await labFault('alpha', 'ssh-up');
        await alphaBack();
        const agreed = await agreement(swarm, 'alpha');
        assert.deepEqual(agreed.orphans, [], 'every container of this store on alpha has a record');
        assert.deepEqual(agreed.lost, [], 'every record that is not missing has its container');
        const rec = (await swarm.views('alpha')).find((v) => v.name === name);
        if ('value' in outcome) assert.ok(rec && agreed.withContainer.includes(name), 'a create that completed left its instance');
        // An instance that exists must be usable: its password was not thrown away.
        for (const n of agreed.withContainer) assert.ok((await swarm.password(n)).length > 0, `${n} has its password`);
        console.log(
          `      after ssh-up + refresh: ${rec ? `${rec.name} ${rec.state}${rec.error ? ` (${rec.error})` : ''}` : 'no record, no container'}`,
        );
        if (rec) {
          await swarm.delete(name, { purge: true });
          assert.deepEqual((await agreement(swarm, 'alpha')).orphans, [], 'deleted cleanly');
        }
        assert.deepEqual(await volumesOf(name), [], 'no workspace volume left behind');
      } finally {
        // A failed assertion must not leave this instance for the next test to trip on.
        await restoreLab([['alpha', 'ssh-up']]);
        if (await swarm.store.findInstance(name)) await swarm.delete(name, { purge: true }).catch(() => undefined);
        for (const v of await volumesOf(name).catch(() => []))
          await labDocker('alpha')
            .getVolume(v)
            .remove()
            .catch(() => undefined);
      }
      assert.deepEqual(crashes, []);
    });
  }

  it('refresh while sshd stops: every refresh resolves, alpha down with a reason, beta still listed; alpha up after ssh-up', async () => {
    const outcomes: string[] = [];
    let landed = false;
    const faulted = labFault('alpha', 'ssh-down').finally(() => {
      landed = true;
    });
    // Refreshes back to back while the fault lands: sshd and its sessions die
    // under one of them.
    for (let i = 0; i < 2_000 && !landed; i++) {
      const r = await settles('refresh', swarm.refresh(), 90_000);
      assert.ok('value' in r, `refresh never throws for a host failure (${'error' in r ? String(r.error) : ''})`);
      assert.ok(
        r.value.some((v) => v.name === lb),
        "beta's instance is listed",
      );
      const reach = (await swarm.hosts()).find((h) => h.name === 'alpha')?.reachability ?? 'unknown';
      if (outcomes.at(-1) !== reach) outcomes.push(reach);
    }
    await faulted;
    const after = await settles('refresh', swarm.refresh(), 90_000);
    assert.ok('value' in after);
    assert.ok(
      after.value.some((v) => v.name === lb && v.host === 'beta'),
      "beta's instance is listed",
    );
    assert.ok(
      after.value.some((v) => v.name === la),
      "alpha's record is kept, not dropped",
    );
    const alpha = (await swarm.hosts()).find((h) => h.name === 'alpha');
    assert.equal(alpha?.reachability, 'down');
    assert.ok(alpha?.error, 'alpha says why');
    assert.equal((await swarm.hosts()).find((h) => h.name === 'beta')?.reachability, 'up');
    console.log(`      alpha during the refreshes: ${outcomes.join(' > ')}; reason: ${alpha.error}`);

    await labFault('alpha', 'ssh-up');
    await alphaBack();
    assert.equal((await swarm.views()).find((v) => v.name === la)?.state, 'running', "alpha's instance is still running");
    assert.deepEqual(crashes, []);
  });

  it('health round while sshd stops: rounds resolve, alpha unreachable, beta healthy; alpha healthy again with no user action', async () => {
    const ids = new Map((await swarm.views()).map((v) => [v.name, v.id]));
    const healthOf = (m: Map<string, HealthSample>, name: string) => m.get(ids.get(name) as string)?.health;
    let landed = false;
    const faulted = labFault('alpha', 'ssh-down').finally(() => {
      landed = true;
    });
    const seen: string[] = [];
    let slowest = 0;
    for (let i = 0; i < 2_000 && !landed; i++) {
      const t0 = Date.now();
      const r = await settles('health round', swarm.healthRound(), 30_000);
      slowest = Math.max(slowest, Date.now() - t0);
      assert.ok('value' in r, `a health round never throws (${'error' in r ? String(r.error) : ''})`);
      const h = healthOf(r.value, la) ?? 'none';
      if (seen.at(-1) !== h) seen.push(h);
    }
    await faulted;
    const t0 = Date.now();
    const during = await settles('health round', swarm.healthRound(), 30_000);
    slowest = Math.max(slowest, Date.now() - t0);
    assert.ok('value' in during);
    assert.equal(healthOf(during.value, la), 'unreachable');
    assert.equal(healthOf(during.value, lb), 'healthy', 'beta is not held up by alpha');
    const views = await swarm.views();
    assert.equal(views.find((v) => v.name === la)?.health, 'unreachable');
    assert.equal(views.find((v) => v.name === lb)?.health, 'healthy');
    console.log(`      ${la} during the rounds: ${seen.join(' > ')}; slowest round ${slowest} ms`);

    await labFault('alpha', 'ssh-up');
    // Health rounds alone, as the extension's timer runs them: no refresh, no user action.
    const rounds = await eventually(
      'alpha healthy again',
      async () => healthOf(await swarm.healthRound(), la),
      (h) => h === 'healthy',
      60_000,
    );
    assert.equal(rounds, 'healthy');
    assert.equal((await swarm.views()).find((v) => v.name === la)?.health, 'healthy');
    assert.deepEqual(crashes, []);
  });

  it('tunnel open while sshd stops: serves before, fails cleanly during (in-flight and new requests), serves again after ssh-up', async () => {
    const tunnel = await swarm.openTunnel(la);
    try {
      // Its own connection on a worker thread: that one must reconnect by itself too.
      assert.equal(tunnel.via, 'worker');
      const cookie = await login(tunnel);
      const before = await get(tunnel, cookie, '/bytes/100000');
      assert.equal(before.status, 200);
      assert.equal(before.bytes, 100_000);

      // A download far too big to finish is running when sshd and its sessions die.
      let faulted: Promise<void> | undefined;
      const big = await settles(
        'in-flight download',
        get(tunnel, cookie, '/bytes/1000000000000', { onFirstBytes: () => (faulted = labFault('alpha', 'ssh-down')) }),
        60_000,
      );
      assert.ok(faulted, 'the download had started when the fault was applied');
      await faulted;
      assert.ok('value' in big);
      assert.equal(big.value.status, 200, 'it had started');
      assert.ok(big.value.cut, `the cut download ends short, not as complete (${JSON.stringify(big.value)})`);
      assert.ok(!big.value.hung, 'the cut download ends, it is not left hanging');

      const during = await settles('request during the fault', get(tunnel, cookie, '/bytes/1000'), 60_000);
      assert.ok('value' in during);
      assert.ok(during.value.status !== 200, `no success while sshd is down (${JSON.stringify(during.value)})`);
      assert.ok(!during.value.hung, 'a request during the fault is answered or closed, not left hanging');
      console.log(
        `      in-flight: ${big.value.bytes} bytes then ${big.value.error ?? 'short end'}; during: ${during.value.status ?? during.value.error}`,
      );

      await labFault('alpha', 'ssh-up');
      const again = await eventually(
        'the same tunnel serves again',
        () => get(tunnel, cookie, '/bytes/100000'),
        (r) => r.status === 200 && r.bytes === 100_000,
        60_000,
      );
      assert.equal(again.bytes, 100_000);
    } finally {
      await tunnel.close();
    }
    // Let any late error from the dead channels surface before looking.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(crashes, [], 'no unhandled rejection or uncaught exception');
  });
});
