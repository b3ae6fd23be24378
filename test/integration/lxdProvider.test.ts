import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeHealth } from '../../src/core/healthProbe.js';
import { generateCookieSuffix, generatePassword, hashPassword } from '../../src/core/password.js';
import { LxdProvider } from '../../src/providers/lxd/lxdProvider.js';
import { environmentFile } from '../../src/providers/lxd/lxdOptions.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import type { InstanceRef, InstanceSpec, ObservedInstance } from '../../src/providers/provider.js';
import type { HostLink } from '../../src/transport/hostLink.js';
import type { ExecResult } from '../../src/transport/execTypes.js';
import type { SshConnection } from '../../src/transport/sshConnection.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { StreamAgent } from '../../src/transport/streamAgent.js';
import { failsWith } from '../lab/failsWith.js';
import { CountingLink } from '../lab/countingLink.js';
import { lab, labConnection } from '../lab/lab.js';

const TAG = `t${process.pid}`;
const STORE_ID = '7b0c4a52-5d0e-4c1e-9d3c-3c1f0f0e2a11';
const PROJECT = '/home/coder/project';
/** pongo2's openers and a tag that would print something else. */
const BRACES = '{{ config }} {% now "Y" %} {# x #} {';

async function specFor(name: string, image = lab().lxdImage): Promise<{ spec: InstanceSpec; password: string }> {
  const password = generatePassword();
  return {
    password,
    spec: {
      id: `${TAG}-${name}-id`,
      name,
      image,
      cpus: 1.5,
      memoryBytes: 1024 ** 3,
      pidsLimit: 1024,
      cookieSuffix: generateCookieSuffix(),
      hashedPassword: hashPassword(password),
      storeId: STORE_ID,
    },
  };
}

function refOf(o: ObservedInstance): InstanceRef {
  return { id: o.id, name: o.name, containerId: o.containerId };
}

async function waitHealthy(link: HostLink, port: number | undefined, timeoutMs = 120_000): Promise<number> {
  assert.ok(port, 'the instance has a port');
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    const r = await probeHealth(link, port, 2_000);
    if (r.health === 'healthy') return Date.now() - started;
    last = `${r.health} ${r.detail ?? ''}`;
    await sleep(150);
  }
  assert.fail(`port ${port} not healthy within ${timeoutMs} ms (last: ${last})`);
}

/** `lxc exec` as coder in the project directory; values travel as argv, never in a shell string. */
async function inInstance(link: HostLink, name: string, argv: readonly string[]): Promise<ExecResult> {
  return link.exec(
    [
      'lxc',
      'exec',
      lxdInstanceName(name),
      '--user',
      '1000',
      '--group',
      '1000',
      '--cwd',
      PROJECT,
      '--env',
      'HOME=/home/coder',
      '--',
      ...argv,
    ],
    { timeoutMs: 30_000 },
  );
}

async function writeProjectFile(link: HostLink, name: string, file: string, content: string): Promise<void> {
  const r = await inInstance(link, name, ['sh', '-c', 'printf %s "$2" > "$1"', 'sh', file, content]);
  assert.equal(r.code, 0, r.stderr);
}

async function readProjectFile(link: HostLink, name: string, file: string): Promise<string> {
  const r = await inInstance(link, name, ['cat', file]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

function http(
  link: HostLink,
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const agent = new StreamAgent(() => link.openTcp('127.0.0.1', port));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        timeout: 10_000,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** LXD instance names on gamma, ours or not: what `list()` cannot see must not be left behind either. */
async function lxdNames(link: HostLink): Promise<string[]> {
  const r = await link.exec(['lxc', 'list', '--format', 'csv', '--columns', 'n'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

/** A tiny image that is not a code-server image at all. */
async function importBareImage(link: HostLink, alias: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'csw-lxd-img-'));
  try {
    mkdirSync(join(dir, 'rootfs', 'etc'), { recursive: true });
    mkdirSync(join(dir, 'rootfs', 'usr', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const arch = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(dir, 'metadata.yaml'),
      `architecture: ${arch}\ncreation_date: ${Math.floor(Date.now() / 1000)}\nproperties:\n  description: Code Swarm test image without code-server\n`,
    );
    const tarball = execFileSync('tar', ['-C', dir, '-czf', '-', 'metadata.yaml', 'rootfs']);
    const tmp = (await link.exec(['mktemp', '-d'])).stdout.trim();
    assert.ok(tmp.startsWith('/'), 'mktemp -d on gamma');
    try {
      const file = `${tmp}/image.tar.gz`;
      const up = await link.exec(['sh', '-c', 'cat > "$1"', 'sh', file], { stdin: tarball, timeoutMs: 30_000 });
      assert.equal(up.code, 0, up.stderr);
      const imp = await link.exec(['lxc', 'image', 'import', file, '--alias', alias], { timeoutMs: 60_000 });
      assert.equal(imp.code, 0, imp.stderr);
    } finally {
      await link.exec(['rm', '-rf', tmp]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LxdProvider against LXD on gamma', function () {
  this.timeout(300_000);
  let conn: SshConnection;
  let link: SshHostLink;
  let provider: LxdProvider;
  const connections: SshConnection[] = [];
  const extraImages: string[] = [];

  before(() => {
    conn = labConnection('gamma');
    link = new SshHostLink(conn);
    provider = new LxdProvider(link);
  });

  after(async function () {
    this.timeout(300_000);
    // Everything this run made carries TAG in its name; labelled or not, it goes.
    const leftovers = (await lxdNames(link)).filter((n) => n.startsWith(lxdInstanceName(TAG)));
    for (const n of leftovers) await link.exec(['lxc', 'delete', '--force', n], { timeoutMs: 300_000 });
    for (const alias of extraImages) await link.exec(['lxc', 'image', 'delete', alias], { timeoutMs: 60_000 });
    for (const c of connections) c.dispose();
    conn.dispose();
  });

  describe('engine', () => {
    it('finds the socket by itself and reports the LXD version', async () => {
      const info = await provider.engineInfo();
      assert.equal(info.provider, 'lxd');
      assert.match(info.engineVersion, /^LXD \d+\.\d+/);
    });

    it('lists the host in ONE API call', async () => {
      const counting = new CountingLink(link);
      const p = new LxdProvider(counting);
      await p.engineInfo();
      const before = { sockets: counting.sockets, execs: counting.execs };
      const rows = await p.list();
      assert.ok(Array.isArray(rows));
      assert.deepEqual({ sockets: counting.sockets - before.sockets, execs: counting.execs - before.execs }, { sockets: 1, execs: 0 });
    });

    it('says permission denied, with the lxd group fix, where the user is not in group lxd (alpha)', async () => {
      const alpha = labConnection('alpha');
      connections.push(alpha);
      const p = new LxdProvider(new SshHostLink(alpha));
      const e = await failsWith(
        p.engineInfo(),
        'permission-denied',
        /Permission denied on the LXD socket \/var\/lib\/lxd\/unix\.socket of alpha/,
      );
      assert.match(e.hint ?? '', /usermod -aG lxd USER/);
      await failsWith(p.list(), 'permission-denied', /lxd group/);
    });

    it('says LXD is missing when the socket does not exist', async () => {
      const p = new LxdProvider(link, '/var/lib/lxd/no-such.socket');
      const e = await failsWith(
        p.engineInfo(),
        'engine-missing',
        /LXD is not installed or not running on gamma \(no socket at \/var\/lib\/lxd\/no-such\.socket\)/,
      );
      assert.ok(e.hint);
      await failsWith(p.list(), 'engine-missing', /no socket/);
    });

    it('says not-found for an instance that does not exist', async () => {
      const ref: InstanceRef = { id: 'x', name: `${TAG}-ghost`, containerId: undefined };
      await failsWith(provider.start(ref), 'not-found', new RegExp(`${TAG}-ghost no longer exists on gamma`));
      await failsWith(provider.stop(ref), 'not-found', /no longer exists/);
      await failsWith(provider.stats(ref), 'not-found', /no longer exists/);
      await failsWith(provider.logs(ref, { tail: 5 }), 'not-found', /no longer exists/);
      // Removing what is already gone is not an error.
      await provider.remove(ref, { purge: true });
    });
  });

  describe('images that cannot be used', () => {
    it('refuses an image alias that does not exist, leaving nothing behind', async () => {
      const before = await lxdNames(link);
      const { spec } = await specFor(`${TAG}-noimg`, `no-such-image-${TAG}`);
      const e = await failsWith(provider.create(spec), 'image-missing', new RegExp(`The image no-such-image-${TAG} is not on gamma`));
      assert.match(e.hint ?? '', /lxc image/);
      assert.deepEqual(await lxdNames(link), before);
      assert.ok(!(await provider.list()).some((o) => o.name === spec.name));
    });

    it('refuses an image without code-server, removing the instance it made', async () => {
      const alias = `code-swarm-bare-${TAG}`;
      await importBareImage(link, alias);
      extraImages.push(alias);
      const before = await lxdNames(link);
      const { spec } = await specFor(`${TAG}-nocs`, alias);
      const steps: string[] = [];
      const e = await failsWith(
        provider.create(spec, { onProgress: (m) => steps.push(m) }),
        'image-missing',
        new RegExp(`The image ${alias} has no code-server installed`),
      );
      assert.match(e.hint ?? '', /install script/);
      assert.ok(
        steps.some((s) => /Checking code-server/.test(s)),
        'it got as far as inspecting the image',
      );
      assert.deepEqual(await lxdNames(link), before);
      assert.ok(!(await provider.list()).some((o) => o.name === spec.name));
    });
  });

  describe('cancelling a create', () => {
    it('makes nothing when cancelled before it starts', async () => {
      const before = await lxdNames(link);
      const { spec } = await specFor(`${TAG}-cancel0`);
      await failsWith(provider.create(spec, { signal: AbortSignal.abort() }), 'cancelled', /Cancelled/);
      assert.deepEqual(await lxdNames(link), before);
    });

    it('removes the half-made instance when cancelled midway', async () => {
      const before = await lxdNames(link);
      const { spec } = await specFor(`${TAG}-cancel1`);
      const ac = new AbortController();
      const onProgress = (m: string) => {
        if (/Checking code-server/.test(m)) ac.abort();
      };
      await failsWith(provider.create(spec, { signal: ac.signal, onProgress }), 'cancelled', /Cancelled/);
      assert.deepEqual(await lxdNames(link), before);
    });
  });

  describe('one instance, its whole life', () => {
    const name = `${TAG}-life`;
    let inst: ObservedInstance;
    let ref: InstanceRef;
    let password: string;
    let suffix: string;
    let snap: string;

    it('creates and starts it; code-server becomes healthy on a loopback port', async () => {
      const made = await specFor(name);
      // LXD renders the first start's files as pongo2 templates: none of this may run as a tag.
      made.spec = { ...made.spec, env: { CSW_BRACES: BRACES } };
      password = made.password;
      suffix = made.spec.cookieSuffix;
      const steps: string[] = [];
      inst = await provider.create(made.spec, { onProgress: (m) => steps.push(m) });
      ref = refOf(inst);
      assert.equal(inst.state, 'running');
      assert.equal(inst.name, name);
      assert.equal(inst.id, made.spec.id);
      assert.equal(inst.containerId, lxdInstanceName(name));
      assert.equal(inst.storeId, STORE_ID);
      assert.equal(inst.cookieSuffix, suffix);
      assert.equal(inst.image, lab().lxdImage);
      assert.equal(inst.cpus, 1.5);
      assert.equal(inst.memoryBytes, 1024 ** 3);
      assert.ok(inst.port && inst.port >= 20_000 && inst.port <= 39_999, `port ${inst.port}`);
      assert.ok(steps.length >= 3);
      await waitHealthy(link, inst.port);
      const listed = (await provider.list()).find((o) => o.id === inst.id);
      assert.equal(listed?.state, 'running');
      assert.equal(listed?.port, inst.port);
    });

    it('keeps password auth on, with the hashed password and cookie suffix from its config', async () => {
      const port = inst.port as number;
      const anon = await http(link, port, 'GET', '/');
      assert.equal(anon.status, 302);
      assert.match(String(anon.headers.location), /login/);
      const wrong = await http(link, port, 'POST', '/login', `password=${encodeURIComponent('not-' + password)}`);
      assert.ok(!String(wrong.headers['set-cookie'] ?? '').includes('code-server-session'), 'a wrong password gets no session');
      const ok = await http(link, port, 'POST', '/login', `password=${encodeURIComponent(password)}`);
      assert.equal(ok.status, 302);
      const cookie = (ok.headers['set-cookie'] ?? []).find((c) => c.startsWith(`code-server-session-${suffix}=`));
      assert.ok(cookie, `session cookie named after the suffix, got ${JSON.stringify(ok.headers['set-cookie'])}`);
      const authed = await http(link, port, 'GET', '/', undefined, { cookie: cookie.split(';')[0] as string });
      assert.ok(!/login/.test(String(authed.headers.location ?? '')), 'the session cookie is accepted');
    });

    it('runs code-server as coder, within the limits, unprivileged', async () => {
      const asCoder = await inInstance(link, name, ['pgrep', '-u', 'coder', '-f', 'code-server']);
      assert.equal(asCoder.code, 0, 'code-server runs as coder');
      const asRoot = await inInstance(link, name, ['pgrep', '-u', 'root', '-f', 'code-server']);
      assert.equal(asRoot.code, 1, `nothing of code-server runs as root: ${asRoot.stdout}`);
      const cfg = await link.exec(['lxc', 'config', 'show', lxdInstanceName(name)], { timeoutMs: 30_000 });
      assert.match(cfg.stdout, /limits\.memory: 1024MiB/);
      assert.match(cfg.stdout, /limits\.processes: "1024"/);
      assert.match(cfg.stdout, /limits\.cpu\.allowance: 150ms\/100ms/);
      assert.match(cfg.stdout, /security\.privileged: "false"/);
      assert.match(cfg.stdout, /listen: tcp:127\.0\.0\.1:\d+/);
      const mode = await inInstance(link, name, ['stat', '-c', '%a %U', '/home/coder/.config/code-server/config.yaml']);
      assert.equal(mode.stdout.trim(), '600 coder');
    });

    it('wrote its first files exactly, each readable by its owner alone, and left no template behind', async () => {
      const asRoot = (argv: readonly string[]) => link.exec(['lxc', 'exec', lxdInstanceName(name), '--', ...argv], { timeoutMs: 30_000 });
      const modes = await asRoot(['stat', '-c', '%a %U %n', '/home/coder/.config/code-server', '/etc/code-swarm', '/etc/code-swarm/env']);
      assert.deepEqual(modes.stdout.trim().split('\n'), [
        '700 coder /home/coder/.config/code-server',
        '700 root /etc/code-swarm',
        '600 root /etc/code-swarm/env',
      ]);
      assert.equal((await asRoot(['cat', '/etc/code-swarm/env'])).stdout, environmentFile({ CSW_BRACES: BRACES }));
      const dropIn = await asRoot(['test', '-e', '/etc/systemd/system/code-server@coder.service.d/code-swarm-first-start.conf']);
      assert.equal(dropIn.code, 1, 'the first-start drop-in removed itself');
      const meta = await link.exec(['lxc', 'config', 'metadata', 'show', lxdInstanceName(name)], { timeoutMs: 30_000 });
      assert.equal(meta.code, 0, meta.stderr);
      assert.ok(!meta.stdout.includes('code-swarm-first-start'), `no template of ours in the metadata: ${meta.stdout}`);
      const templates = await link.exec(['lxc', 'config', 'template', 'list', lxdInstanceName(name), '--format', 'csv'], {
        timeoutMs: 30_000,
      });
      assert.equal(templates.code, 0, templates.stderr);
      assert.ok(!templates.stdout.includes('code-swarm-first-start'), `no template file of ours: ${templates.stdout}`);
    });

    it('reports stats and its code-server log', async () => {
      const s = await provider.stats(ref);
      assert.ok(s.memoryBytes > 0);
      assert.ok(s.cpuPercent >= 0);
      assert.equal(s.memoryLimitBytes, 1024 ** 3);
      let text = '';
      for await (const chunk of await provider.logs(ref, { tail: 50 })) text += String(chunk);
      assert.match(text, /HTTP server listening on http:\/\/127\.0\.0\.1:8080/);
    });

    it('follows the log and stops journalctl in the instance when the reader aborts', async () => {
      const ac = new AbortController();
      const stream = await provider.logs(ref, { tail: 20, follow: true, signal: ac.signal });
      let text = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line within 20 s: ${JSON.stringify(text)}`)), 20_000);
        stream.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if (/HTTP server listening/.test(text)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const running = await link.exec(['lxc', 'exec', lxdInstanceName(name), '--', 'pgrep', '-c', 'journalctl'], { timeoutMs: 30_000 });
      assert.ok(Number(running.stdout.trim()) >= 1, 'journalctl -f runs while the reader follows');
      ac.abort();
      await new Promise<void>((resolve) => (stream.readableEnded || stream.destroyed ? resolve() : stream.once('close', resolve)));
      let left = -1;
      for (let i = 0; i < 40 && left !== 0; i++) {
        const r = await link.exec(['lxc', 'exec', lxdInstanceName(name), '--', 'pgrep', '-c', 'journalctl'], { timeoutMs: 30_000 });
        left = Number(r.stdout.trim() || '0');
        if (left !== 0) await sleep(250);
      }
      assert.equal(left, 0, 'journalctl -f still runs in the instance');
    });

    it('keeps the project across stop and start', async () => {
      await writeProjectFile(link, name, 'notes.txt', 'first version\n');
      await provider.stop(ref);
      assert.equal((await provider.list()).find((o) => o.id === inst.id)?.state, 'stopped');
      await failsWith(provider.logs(ref, { tail: 5 }), 'conflict', /not running/);
      const stopped = await provider.stats(ref);
      assert.equal(stopped.memoryBytes, 0);
      await provider.start(ref);
      const again = await provider.observe(lxdInstanceName(name));
      assert.equal(again.state, 'running');
      await waitHealthy(link, again.port);
      assert.equal(await readProjectFile(link, name, 'notes.txt'), 'first version\n');
    });

    it('snapshots, restores and deletes snapshots natively', async () => {
      const s = await provider.snapshot(ref, 'before the edit');
      snap = s.name;
      assert.match(snap, /^snap-\d{14}(-\d+)?$/);
      assert.equal(s.label, 'before the edit');
      const unlabelled = await provider.snapshot(ref, undefined);
      assert.notEqual(unlabelled.name, snap);
      assert.equal(unlabelled.label, undefined);
      const list = await provider.snapshots(ref);
      assert.deepEqual(
        list.map((x) => [x.name, x.label]),
        [
          [snap, 'before the edit'],
          [unlabelled.name, undefined],
        ],
      );
      await provider.deleteSnapshot(ref, unlabelled.name);
      assert.deepEqual(
        (await provider.snapshots(ref)).map((x) => x.name),
        [snap],
      );

      await writeProjectFile(link, name, 'notes.txt', 'second version\n');
      assert.equal(await readProjectFile(link, name, 'notes.txt'), 'second version\n');
      const restored = await provider.restore(ref, snap);
      assert.equal(restored.state, 'running');
      await waitHealthy(link, restored.port);
      assert.equal(await readProjectFile(link, name, 'notes.txt'), 'first version\n');

      await failsWith(provider.restore(ref, 'snap-19700101000000'), 'not-found', /has no snapshot named snap-19700101000000/);
      await failsWith(provider.deleteSnapshot(ref, 'snap-19700101000000'), 'not-found', /has no snapshot named/);
    });

    it('restarts to healthy', async () => {
      await provider.restart(ref);
      const o = await provider.observe(lxdInstanceName(name));
      assert.equal(o.state, 'running');
      await waitHealthy(link, o.port);
    });

    it('deletes it; list no longer shows it', async () => {
      await provider.remove(ref, { purge: true });
      assert.ok(!(await provider.list()).some((o) => o.id === inst.id));
      assert.ok(!(await lxdNames(link)).includes(lxdInstanceName(name)));
      await failsWith(provider.start(ref), 'not-found', /no longer exists/);
    });
  });

  describe('ports', () => {
    it('gives two creates at once distinct ports, and both become healthy', async () => {
      const [a, b] = await Promise.all([specFor(`${TAG}-a`), specFor(`${TAG}-b`)]);
      const made = await Promise.all([provider.create(a.spec), provider.create(b.spec)]);
      const [ia, ib] = made as [ObservedInstance, ObservedInstance];
      assert.ok(ia.port && ib.port);
      assert.notEqual(ia.port, ib.port);
      await Promise.all([waitHealthy(link, ia.port), waitHealthy(link, ib.port)]);
      const listed = await provider.list();
      assert.deepEqual(
        [ia.id, ib.id].map((id) => listed.find((o) => o.id === id)?.port),
        [ia.port, ib.port],
      );
      await Promise.all([provider.remove(refOf(ia), { purge: true }), provider.remove(refOf(ib), { purge: true })]);
    });

    it('moves to another port when the one it picked is taken on the host', async () => {
      // Something that is not LXD holds the first port the provider will try.
      const taken = 40_000 + Math.floor(Math.random() * 9_000);
      const holder = await link.execStream([
        'node',
        '-e',
        "require('net').createServer((c) => c.destroy()).listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('up\\n'))",
        String(taken),
      ]);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the port holder did not start')), 10_000);
          holder.stdout.once('data', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        const rigged = new LxdProvider(link, undefined, { portRange: { min: taken, max: taken + 1 }, random: () => 0 });
        const { spec } = await specFor(`${TAG}-port`);
        const o = await rigged.create(spec);
        assert.equal(o.port, taken + 1);
        await waitHealthy(link, o.port);
        await rigged.remove(refOf(o), { purge: true });
      } finally {
        holder.close();
        await holder.exit;
      }
    });
  });
});
