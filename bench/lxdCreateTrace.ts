// Diagnostic: LXD create → healthy through the Swarm and through `lxc` over
// ssh (as bench/lxd.ts does both), on the lab's gamma, with a timestamp for
// every step: each LXD API request the provider makes, LXD's own lifecycle
// and operation events, and the instance's journal (systemd's boot, when
// code-server started and said it listens). LXD runs on this machine (in
// gamma's network namespace), so every clock is the same one. Run it as root
// on the lab machine, under the lab's lock:
//
//   node out/bench/lxdCreateTrace.js [rounds]
import './withoutNativeAddons.js';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileSecretStore } from '../src/core/fileSecretStore.js';
import { Store } from '../src/core/store.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY, Swarm } from '../src/core/swarm.js';
import { LxdClient } from '../src/providers/lxd/lxdClient.js';
import { quoteArgv } from '../src/transport/shellQuote.js';
import { lab } from '../test/lab/lab.js';
import { labSshOptions } from './labSshOptions.js';
import { HEALTH_LOOP } from './lxcOverSsh.js';

const execFileAsync = promisify(execFile);
const HOST = 'gamma';
const rounds = Number(process.argv[2] ?? '1');
const tag = `trace-${randomBytes(3).toString('hex')}`;

interface Mark {
  readonly at: number;
  readonly what: string;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function print(title: string, t0: number, marks: readonly Mark[]): void {
  out(`\n${title}`);
  for (const m of [...marks].sort((a, b) => a.at - b.at)) out(`  ${((m.at - t0) / 1000).toFixed(3).padStart(7)} s  ${m.what}`);
}

/** LXD's lifecycle events for `name`, stamped with the daemon's own time. */
function monitor(marks: Mark[]): () => void {
  const p = spawn('lxc', ['monitor', '--type=lifecycle', '--type=operation', '--format=json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let buf = '';
  p.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    // lxc monitor --format=json prints each event as an indented object: a new one starts on a line that opens with `{`.
    const parts = buf.split(/\n(?=\{)/);
    buf = parts.pop() ?? '';
    for (const part of parts) note(part);
  });
  const note = (text: string) => {
    try {
      const e = JSON.parse(text) as {
        type: string;
        timestamp: string;
        metadata: { action: string; source: string; description?: string; status?: string; resources?: { instances?: string[] } };
      };
      if (e.type === 'operation') {
        if ((e.metadata.resources?.instances ?? []).some((x) => x.includes(tag)))
          marks.push({ at: Date.parse(e.timestamp), what: `op ${e.metadata.description ?? ''} ${e.metadata.status ?? ''}` });
        return;
      }
      if (e.metadata.source.includes(tag))
        marks.push({ at: Date.parse(e.timestamp), what: `event ${e.metadata.action} ${e.metadata.source.split('/').pop()}` });
    } catch {
      // partial
    }
  };
  return () => {
    if (buf.trim()) note(buf);
    p.kill();
  };
}

/** When code-server said it listens, from the instance's journal. */
async function listenedAt(lxdName: string): Promise<Mark[]> {
  const r = await execFileAsync('lxc', ['exec', lxdName, '--', 'journalctl', '-o', 'short-unix', '--no-pager', '-b']);
  const marks: Mark[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+\.\d+) \S+ (.*)$/.exec(line);
    if (!m) continue;
    const what = m[2] ?? '';
    if (/code-server|Reached target multi-user|Startup finished|Journal started/i.test(what))
      marks.push({ at: Number(m[1]) * 1000, what: `journal: ${what.slice(0, 90)}` });
  }
  return marks;
}

/** Records `run`'s marks with LXD's events beside them, then the instance's journal, and prints them from `t0`. */
async function traced(title: string, lxdName: string, marks: Mark[], run: () => Promise<void>): Promise<void> {
  marks.length = 0;
  const stopMonitor = monitor(marks);
  // lxc monitor needs a moment to subscribe.
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  await run();
  await new Promise((r) => setTimeout(r, 300));
  stopMonitor();
  marks.push(...(await listenedAt(lxdName)));
  const tmp = await execFileAsync('lxc', ['exec', lxdName, '--', 'ls', '-A', '/tmp']);
  marks.push({ at: Date.now(), what: `after: /tmp holds [${tmp.stdout.trim().split('\n').join(', ')}]` });
  print(title, t0, marks);
}

async function main(): Promise<void> {
  const env = lab();
  const h = env.hosts[HOST];
  const stateDir = await mkdtemp(join(tmpdir(), 'lxd-trace-'));
  const [store, secrets] = await Promise.all([Store.open(stateDir), FileSecretStore.open(stateDir)]);
  const swarm = new Swarm({ store, secrets, access: { knownHostsFiles: [env.knownHosts], agentSocket: '' } });
  const marks: Mark[] = [];
  // Every API request the provider makes, when it went out and how long it took: patched in here, a diagnostic only.
  const raw = LxdClient.prototype.raw;
  LxdClient.prototype.raw = function (this: LxdClient, method, path, options) {
    const t = Date.now();
    const p = raw.call(this, method, path, options);
    void p.then(
      () => marks.push({ at: t, what: `api ${method} ${path.slice(0, 70)} (${Date.now() - t} ms)` }),
      () => marks.push({ at: t, what: `api ${method} ${path.slice(0, 70)} FAILED (${Date.now() - t} ms)` }),
    );
    return p;
  };
  const sshBase = ['-n', ...labSshOptions({ sshConfig: env.sshConfig, knownHosts: env.knownHosts, identityFile: env.clientKey })];
  const ssh = async (argv: string[]) => {
    const t = Date.now();
    await execFileAsync('ssh', [...sshBase, `lab-${HOST}`, quoteArgv(argv)]);
    marks.push({ at: t, what: `ssh ${argv.slice(0, 3).join(' ')} (${Date.now() - t} ms)` });
  };
  const made: string[] = [];
  const ours = async (i: number) => {
    const name = `${tag}-s${i}`;
    made.push(`code-swarm-${name}`);
    await traced(`Swarm create → healthy ${name}`, `code-swarm-${name}`, marks, async () => {
      await swarm.create(
        { name, host: HOST, image: env.lxdImage, cpus: DEFAULT_CPUS, memory: DEFAULT_MEMORY },
        { onProgress: (m: string) => marks.push({ at: Date.now(), what: `progress: ${m}` }) },
      );
      marks.push({ at: Date.now(), what: 'Swarm.create returned' });
      await swarm.waitHealthy(name, { timeoutMs: 120_000 });
      marks.push({ at: Date.now(), what: 'waitHealthy returned (first /healthz 200)' });
    });
  };
  // As bench/lxd.ts does it.
  const theirs = async (i: number) => {
    const name = `${tag}-c${i}`;
    made.push(name);
    const port = 40_000 + Math.floor(Math.random() * 9999);
    await traced(`lxc create → healthy ${name}`, name, marks, async () => {
      await ssh(['lxc', 'launch', env.lxdImage, name, '-c', 'limits.cpu=2', '-c', 'limits.memory=2048MiB', '-c', 'limits.processes=1024']);
      await ssh([
        'lxc',
        'config',
        'device',
        'add',
        name,
        'http',
        'proxy',
        `listen=tcp:127.0.0.1:${port}`,
        'connect=tcp:127.0.0.1:8080',
        'bind=host',
      ]);
      await ssh(['sh', '-c', HEALTH_LOOP, 'sh', String(port), '120']);
      marks.push({ at: Date.now(), what: 'lxc side healthy' });
    });
  };
  try {
    await swarm.addHost(
      { name: HOST, ssh: `${h.user}@${h.address}:${h.port}`, identityFile: env.clientKey, provider: 'lxd' },
      { onUnknownHostKey: () => false },
    );
    // Who goes first alternates, as in the bench; every instance stays (stopped) until the end, so no delete runs beside a create.
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? [ours, theirs] : [theirs, ours]) {
        await side(i);
        await execFileAsync('lxc', ['stop', '--force', made[made.length - 1] ?? '']);
      }
    }
  } finally {
    LxdClient.prototype.raw = raw;
    for (const name of made) await execFileAsync('lxc', ['delete', '--force', name]).catch(() => undefined);
    swarm.dispose();
    await rm(stateDir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
