import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SwarmError } from '../../src/shared/errors.js';
import { StoreFileSchema } from '../../src/shared/model.js';
import { FileSecretStore } from '../../src/core/fileSecretStore.js';
import type { HostAccessOptions } from '../../src/core/hostRegistry.js';
import { Store } from '../../src/core/store.js';
import { Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { LABEL } from '../../src/providers/common/labels.js';
import { failsWith } from '../lab/failsWith.js';
import { addLabHost, dockerExec, hardeningInside, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

/** Every failure the Swarm reports must also say what to do next. */
const mustFail = (p: Promise<unknown>, code: SwarmError['code'], pattern: RegExp) => failsWith(p, code, pattern, { hint: true });

describe('swarm: instance lifecycle on real hosts', function () {
  this.timeout(180_000);
  let swarm: Swarm;
  let dir: string;
  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await Promise.all((['local', 'alpha', 'beta', 'epsilon'] as const).map((h) => addLabHost(swarm, h)));
  });
  after(async () => {
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  for (const host of ['local', 'alpha', 'beta', 'epsilon'] as const) {
    it(`create → healthy → stop → start keeps /home/coder/project → delete, on ${host}`, async () => {
      const name = uniqueName(`life-${host}`);
      const created = await swarm.create({ name, host });
      assert.equal(created.state, 'running');
      assert.equal(created.host, host);
      const healthy = await swarm.waitHealthy(name, { timeoutMs: 60_000 });
      assert.equal(healthy.health, 'healthy');

      const docker = labDocker(host);
      const id = (await swarm.views()).find((v) => v.name === name)!.id;
      const info = await docker.getContainer(containerName(name)).inspect();
      assert.equal(info.Config.Labels[LABEL.instance], id);
      await dockerExec(docker, info.Id, ['sh', '-c', 'echo survives > /home/coder/project/keep.txt']);

      const stopped = await swarm.stop(name);
      assert.equal(stopped.state, 'stopped');
      assert.equal((await docker.getContainer(info.Id).inspect()).State.Running, false);
      const started = await swarm.start(name);
      assert.equal(started.state, 'running');
      await swarm.waitHealthy(name, { timeoutMs: 60_000 });
      assert.equal((await dockerExec(docker, info.Id, ['cat', '/home/coder/project/keep.txt'])).trim(), 'survives');

      await swarm.delete(name, { purge: true });
      assert.equal(
        (await swarm.views()).some((v) => v.name === name),
        false,
      );
      await assert.rejects(docker.getContainer(info.Id).inspect(), /no such container/i);
      await assert.rejects(swarm.password(name), /Unknown instance/);
    });
  }

  for (const host of ['alpha', 'epsilon'] as const) {
    it(`runs code-server hardened: non-root, caps dropped, no-new-privileges, limits, loopback only, password on, on ${host}`, async () => {
      const name = uniqueName('hard');
      await swarm.create({ name, host, cpus: '0.5', memory: '768m' });
      const docker = labDocker(host);
      const info = await docker.getContainer(containerName(name)).inspect();
      assert.notEqual(info.Config.User, '');
      assert.notEqual(info.Config.User, 'root');
      assert.ok(info.HostConfig.SecurityOpt?.includes('no-new-privileges'));
      assert.equal(info.HostConfig.Memory, 768 * 1024 * 1024);
      assert.equal(info.HostConfig.NanoCpus, 0.5e9);
      assert.ok((info.HostConfig.PidsLimit ?? 0) > 0);
      assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
      const bindings = info.NetworkSettings.Ports['8080/tcp'] ?? [];
      assert.ok(bindings.length > 0, 'published');
      for (const b of bindings) assert.equal(b.HostIp, '127.0.0.1');
      // What holds inside, whatever words the engine's inspect uses (Podman lists the dropped capabilities, Docker says ALL).
      const inside = await hardeningInside(docker, info.Id);
      assert.deepEqual(inside, { uid: '1000', capEff: 0n, capBnd: 0n, noNewPrivs: '1', pidsMax: String(info.HostConfig.PidsLimit) });
      const env = info.Config.Env ?? [];
      const password = await swarm.password(name);
      assert.ok(password.length >= 24);
      // The hash only (SHA-256 of the password, see password.ts), never the password.
      assert.ok(env.includes(`HASHED_PASSWORD=${createHash('sha256').update(password).digest('hex')}`));
      assert.ok(!env.some((e) => e.includes(password)), 'the plain password never reaches the host');
      assert.ok(!readFileSync(join(dir, 'swarm.json'), 'utf8').includes(password), 'nor the metadata file');
      await swarm.delete(name, { purge: true });
    });
  }

  it('opens an instance through a tunnel that logs in by itself and refuses strangers', async () => {
    const name = uniqueName('open');
    await swarm.create({ name, host: 'beta' });
    await swarm.waitHealthy(name, { timeoutMs: 60_000 });
    const tunnel = await swarm.openTunnel(name);
    try {
      assert.equal(tunnel.via, 'worker', 'a tunnel to an SSH host runs off this thread');
      const base = `http://127.0.0.1:${tunnel.port}`;
      const stranger = await fetch(`${base}/`, { redirect: 'manual' });
      assert.equal(stranger.status, 403, 'no token, no cookie: refused');
      const wrong = await fetch(`${base}/?code-swarm-token=nope`, { redirect: 'manual' });
      assert.equal(wrong.status, 403);
      const first = await fetch(tunnel.url, { redirect: 'manual' });
      assert.equal(first.status, 302);
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
      assert.match(cookie, /^code-swarm-tunnel-\d+=/);
      const page = await fetch(`${base}/`, { redirect: 'manual', headers: { cookie } });
      // Logged in: code-server sends us to the workspace, not to ./login.
      assert.equal(page.status, 302);
      assert.doesNotMatch(page.headers.get('location') ?? '', /login/);
      const direct = await fetch(`${base}/healthz`, { headers: { cookie } });
      assert.equal(direct.status, 200);
    } finally {
      await tunnel.close();
      await swarm.delete(name, { purge: true });
    }
  });
});

describe('swarm: ten creates at once on one host', function () {
  this.timeout(300_000);
  it('all become healthy with distinct ports and an intact store', async () => {
    const { swarm, dir } = await labSwarm();
    try {
      await addLabHost(swarm, 'alpha');
      const names = Array.from({ length: 10 }, (_, i) => uniqueName(`par${i}`));
      const created = await Promise.all(names.map((name) => swarm.create({ name, host: 'alpha', memory: '512m' })));
      await Promise.all(names.map((n) => swarm.waitHealthy(n, { timeoutMs: 120_000 })));
      const ports = created.map((c) => c.port);
      assert.equal(new Set(ports).size, 10, `ports ${ports.join(',')}`);
      const file = StoreFileSchema.parse(JSON.parse(readFileSync(join(dir, 'swarm.json'), 'utf8')));
      assert.deepEqual(file.instances.map((i) => i.name).sort(), [...names].sort());
      assert.ok(file.instances.every((i) => i.state === 'running'));
      await Promise.all(names.map((n) => swarm.delete(n, { purge: true })));
      assert.equal((await swarm.refresh('alpha')).length, 0);
    } finally {
      swarm.dispose();
    }
  });
});

describe('swarm: the store is a cache of the hosts', function () {
  this.timeout(120_000);
  for (const host of ['beta', 'epsilon'] as const) {
    it(`is rebuilt from container labels after the store file is deleted${host === 'beta' ? '' : `, on ${host}`}`, async () => {
      const first = await labSwarm();
      await addLabHost(first.swarm, host);
      const name = uniqueName('rebuild');
      const made = await first.swarm.create({ name, host });
      const password = await first.swarm.password(name);
      first.swarm.dispose();
      rmSync(join(first.dir, 'swarm.json'));

      const again = await labSwarm(first.dir);
      try {
        assert.equal((await again.swarm.views()).length, 0);
        await addLabHost(again.swarm, host);
        const views = await again.swarm.refresh(host);
        const adopted = views.find((v) => v.name === name);
        assert.ok(adopted, 'the container was adopted');
        assert.equal(adopted.id, made.id);
        assert.equal(adopted.state, 'running');
        assert.equal(await again.swarm.password(name), password, 'secrets are keyed by instance id and survive');
      } finally {
        await again.swarm.delete(name, { purge: true });
        again.swarm.dispose();
      }
    });
  }

  it('marks an instance missing when its container is deleted behind its back', async () => {
    const { swarm } = await labSwarm();
    try {
      await addLabHost(swarm, 'local');
      const name = uniqueName('gone');
      await swarm.create({ name, host: 'local' });
      await labDocker('local').getContainer(containerName(name)).remove({ force: true });
      const view = (await swarm.refresh()).find((v) => v.name === name);
      assert.equal(view?.state, 'missing');
      await mustFail(swarm.start(name), 'not-found', /no longer exists on local/);
      await swarm.delete(name, { purge: true });
      assert.equal((await swarm.views()).length, 0);
    } finally {
      swarm.dispose();
    }
  });
});

describe('swarm: bad input and failures, each with a clear error and nothing lost', function () {
  this.timeout(120_000);
  let swarm: Swarm;
  let dir: string;
  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addLabHost(swarm, 'alpha');
  });
  after(() => {
    swarm.dispose();
  });
  const storeText = () => readFileSync(join(dir, 'swarm.json'), 'utf8');

  it('rejects invalid instance names', async () => {
    for (const bad of ['Bad_Name', 'a;rm -rf /', '-x', 'x'.repeat(41), '', '$(id)']) {
      await mustFail(swarm.create({ name: bad, host: 'alpha' }), 'invalid-input', /name/i);
    }
    assert.equal(JSON.parse(storeText()).instances.length, 0);
  });

  it('rejects nonsense cpus and memory before touching the host', async () => {
    await mustFail(swarm.create({ name: 'ok-name', host: 'alpha', cpus: '-1' }), 'invalid-input', /cpu/i);
    await mustFail(swarm.create({ name: 'ok-name', host: 'alpha', memory: 'lots' }), 'invalid-input', /memory|lots/i);
    await mustFail(swarm.create({ name: 'ok-name', host: 'alpha', memory: '1m' }), 'invalid-input', /64m/);
    assert.equal(JSON.parse(storeText()).instances.length, 0);
  });

  it('rejects a duplicate name', async () => {
    const name = uniqueName('dup');
    await swarm.create({ name, host: 'alpha' });
    try {
      await mustFail(swarm.create({ name, host: 'alpha' }), 'conflict', /already exists on alpha/);
      assert.equal(JSON.parse(storeText()).instances.length, 1);
    } finally {
      await swarm.delete(name, { purge: true });
    }
  });

  it('names an unknown host and lists the known ones', async () => {
    const e = await mustFail(swarm.create({ name: 'x', host: 'nowhere' }), 'not-found', /Unknown host "nowhere"/);
    assert.match(e.oneLine(), /Known hosts: alpha/);
  });

  it('rejects a malformed user@host:port', async () => {
    for (const bad of ['alpha@', 'a@b@c', 'user@host:99999', 'user@ho st', 'user@host;id']) {
      await mustFail(swarm.addHost({ name: 'bad', ssh: bad }), 'invalid-input', /./);
    }
    assert.equal((await swarm.hosts()).length, 1);
  });

  it('says when a host refuses SSH, and saves nothing', async () => {
    await mustFail(
      swarm.addHost({ name: 'refuser', ssh: `alpha@${lab().hosts.alpha.address}:2`, identityFile: lab().clientKey }),
      'unreachable',
      /refused/,
    );
    assert.equal((await swarm.hosts()).length, 1);
  });

  it('says when authentication fails', async () => {
    await mustFail(
      swarm.addHost({ name: 'wrongkey', ssh: `alpha@${lab().hosts.alpha.address}`, identityFile: lab().wrongKey }),
      'auth',
      /authentication/,
    );
  });

  it('refuses a changed host key, naming both fingerprints', async () => {
    // The store "knows" gamma's address with alpha's key: gamma's real key is then a changed key.
    await swarm.trustHostKey({
      label: 'x',
      host: lab().hosts.gamma.address,
      port: 22,
      keyType: 'ssh-ed25519',
      fingerprint: '',
      keyBlob: Buffer.from(lab().hosts.alpha.hostKeyPub.split(' ')[1]!, 'base64'),
    });
    // Only the store's own record (alpha's key for gamma's address) counts here.
    const { swarm: s2 } = await labSwarm(dir, []);
    try {
      await mustFail(
        s2.addHost({ name: 'gamma', ssh: `gamma@${lab().hosts.gamma.address}`, identityFile: lab().clientKey }),
        'host-key-changed',
        /CHANGED.*SHA256:.*SHA256:/,
      );
    } finally {
      s2.dispose();
    }
  });

  it('explains Docker permission denied (delta may not use the socket)', async () => {
    await mustFail(
      swarm.addHost({ name: 'delta', ssh: `delta@${lab().hosts.delta.address}`, identityFile: lab().clientKey, provider: 'docker' }),
      'permission-denied',
      /Permission denied on the Docker socket.*docker group/,
    );
  });

  it('explains Docker missing (gamma has LXD, not Docker)', async () => {
    await mustFail(
      swarm.addHost({ name: 'gamma-docker', ssh: `gamma@${lab().hosts.gamma.address}`, identityFile: lab().clientKey, provider: 'docker' }),
      'engine-missing',
      /Docker is not installed or not running on gamma-docker/,
    );
  });

  it('says an image is missing and cannot be pulled offline, leaving nothing behind', async () => {
    const name = uniqueName('noimg');
    await mustFail(swarm.create({ name, host: 'alpha', image: 'code-swarm-test/does-not-exist:1' }), 'image-missing', /does-not-exist/);
    assert.equal(JSON.parse(storeText()).instances.length, 0);
    const left = await labDocker('alpha').listContainers({ all: true, filters: { label: [`${LABEL.name}=${name}`] } });
    assert.equal(left.length, 0);
  });
});

async function swarmWith(dir: string, access: HostAccessOptions): Promise<Swarm> {
  const [store, secrets] = await Promise.all([Store.open(dir), FileSecretStore.open(dir)]);
  return new Swarm({ store, secrets, access: { knownHostsFiles: [lab().knownHosts], agentSocket: '', ...access } });
}

describe('swarm: ways in (ssh config aliases, passphrases, no key at all) and a silent host', function () {
  this.timeout(120_000);
  it('adds a host by its ~/.ssh/config alias, taking HostName, User, Port and IdentityFile from it', async () => {
    const dir = suiteDir('csw-alias-');
    const withConfig = await swarmWith(dir, { sshConfigPath: lab().sshConfig });
    try {
      const host = await withConfig.addHost({ name: 'viaalias', ssh: 'lab-beta' });
      assert.equal(host.address, `beta@${lab().hosts.beta.address}:22`);
      const t = await withConfig.testHost('viaalias');
      assert.equal(t.ok, true, t.error);
    } finally {
      withConfig.dispose();
    }
  });

  it('asks for the passphrase of an encrypted key, and says so when it is wrong', async () => {
    const dir = suiteDir('csw-pass-');
    const asked: string[] = [];
    const make = (answer: string) => swarmWith(dir, { askPassphrase: async (p) => (asked.push(p), answer) });
    const wrong = await make('not it');
    const right = await make(lab().passphrase);
    try {
      const ssh = `alpha@${lab().hosts.alpha.address}`;
      await mustFail(wrong.addHost({ name: 'pw', ssh, identityFile: lab().passphraseKey }), 'auth', /Wrong passphrase/);
      const host = await right.addHost({ name: 'pw', ssh, identityFile: lab().passphraseKey });
      assert.equal(host.provider, 'docker');
      assert.deepEqual(asked, [lab().passphraseKey, lab().passphraseKey]);
    } finally {
      wrong.dispose();
      right.dispose();
    }
  });

  it('fails authentication cleanly with an empty agent and no key', async () => {
    const { swarm, dir } = await labSwarm();
    try {
      // No identity file, no agent, and a HOME without keys: nothing to offer.
      const prevHome = process.env.HOME;
      process.env.HOME = dir;
      try {
        await mustFail(swarm.addHost({ name: 'nokey', ssh: `alpha@${lab().hosts.alpha.address}` }), 'auth', /authentication as alpha/);
      } finally {
        process.env.HOME = prevHome;
      }
    } finally {
      swarm.dispose();
    }
  });

  it('times out on a host cut off by a network partition, then reaches it after heal', async () => {
    const testbed = resolve(__dirname, '../../../scripts/testbed');
    const { swarm } = await labSwarm();
    try {
      await addLabHost(swarm, 'alpha');
      await swarm
        .addHost({ name: 'delta', ssh: `delta@${lab().hosts.delta.address}`, identityFile: lab().clientKey, provider: 'docker' })
        .catch(() => undefined);
      execFileSync('bash', [testbed, 'fault', 'delta', 'partition'], { stdio: 'ignore' });
      try {
        const started = Date.now();
        await mustFail(
          swarm.addHost({ name: 'cutoff', ssh: `delta@${lab().hosts.delta.address}`, identityFile: lab().clientKey }),
          'timeout',
          /Timed out/,
        );
        assert.ok(Date.now() - started < 15_000, 'bounded by the connect timeout');
        // Other hosts are not held up by the dead one.
        assert.equal((await swarm.testHost('alpha')).ok, true);
      } finally {
        execFileSync('bash', [testbed, 'fault', 'delta', 'heal'], { stdio: 'ignore' });
      }
      const r = await swarm
        .addHost({ name: 'healed', ssh: `delta@${lab().hosts.delta.address}`, identityFile: lab().clientKey, provider: 'docker' })
        .catch((e: SwarmError) => e);
      // delta may not use Docker: reaching that verdict proves SSH works again.
      assert.ok(r instanceof SwarmError && r.code === 'permission-denied', String(r));
    } finally {
      swarm.dispose();
    }
  });
});

describe('swarm: logs and stats', function () {
  this.timeout(120_000);
  it('tails and follows logs, and reads cpu and memory', async () => {
    const { swarm } = await labSwarm();
    try {
      await addLabHost(swarm, 'beta');
      const name = uniqueName('logs');
      await swarm.create({ name, host: 'beta' });
      await swarm.waitHealthy(name, { timeoutMs: 60_000 });
      const tail = await swarm.logs(name, { tail: 50 });
      let text = '';
      for await (const chunk of tail) text += String(chunk);
      assert.match(text, /HTTP server listening on http:\/\/0\.0\.0\.0:8080/);
      assert.doesNotMatch(text, new RegExp(await swarm.password(name)));

      const abort = new AbortController();
      const follow = await swarm.logs(name, { tail: 0, follow: true, signal: abort.signal });
      let followed = '';
      follow.on('data', (c: Buffer) => (followed += c.toString()));
      await swarm.restart(name);
      for (let i = 0; i < 100 && !/HTTP server listening/.test(followed); i++) await new Promise((r) => setTimeout(r, 100));
      abort.abort();
      assert.match(followed, /HTTP server listening/, 'follow streams new lines as they come');

      const stats = await swarm.stats(name);
      assert.ok(stats.memoryBytes > 10 * 1024 * 1024, `code-server uses memory: ${stats.memoryBytes}`);
      assert.equal(stats.memoryLimitBytes, 1024 ** 3);
      assert.ok(stats.cpuPercent >= 0);
      await swarm.delete(name, { purge: true });
    } finally {
      swarm.dispose();
    }
  });
});

describe('swarm: hosts behind a jump host (ProxyJump)', function () {
  this.timeout(120_000);
  it('reaches beta through alpha, without any direct connection to beta', async () => {
    const ssBeta = () =>
      execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `${lab().hosts.beta.address}:22`], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(`pid=${process.pid},`)).length;
    const before = ssBeta();
    const dir = suiteDir('csw-jump-');
    const config = join(dir, 'ssh_config');
    const b = lab().hosts.beta;
    const a = lab().hosts.alpha;
    writeFileSync(
      config,
      `Host behind\n  HostName ${b.address}\n  User ${b.user}\n  IdentityFile ${lab().clientKey}\n  ProxyJump ${a.user}@${a.address}\n`,
    );
    // A jump hop is authenticated as its own user with the same key: alpha accepts it.
    const swarm = await swarmWith(dir, { sshConfigPath: config });
    try {
      const viaFlag = await swarm.addHost({
        name: 'viajump',
        ssh: `${b.user}@${b.address}`,
        identityFile: lab().clientKey,
        proxyJump: `${a.user}@${a.address}`,
      });
      assert.equal(viaFlag.provider, 'docker');
      const viaConfig = await swarm.addHost({ name: 'behind', ssh: 'behind' });
      assert.equal(viaConfig.address, `${b.user}@${b.address}:22`);
      const t = await swarm.testHost('behind');
      assert.equal(t.ok, true, t.error);
      assert.match(String(t.engineVersion), /Docker/);
      assert.equal(ssBeta() - before, 0, 'every byte to beta went through alpha');
      await mustFail(swarm.addHost({ name: 'badjump', ssh: `${b.user}@${b.address}`, proxyJump: 'alpha@host;id' }), 'invalid-input', /./);
    } finally {
      swarm.dispose();
    }
  });
});
