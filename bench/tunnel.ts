// Tunnel throughput: a 100 MB download (GET /bytes/104857600 from the lab's
// light image) from one instance on alpha, through the Swarm's session tunnel
// (swarm.openTunnel: a local HTTP proxy on a worker thread with its own SSH
// connection, the bundle's dist/tunnelWorkerEntry.js), through the same proxy on
// this thread over the host's shared connection (what a build without the
// worker does; a diagnostic row), and through OpenSSH's `ssh -L` to the same
// loopback port, in turn, in the same run. Both links are open before the first sample, so each sample
// is one HTTP request and its 100 MB, nothing else; curl makes it, for both.
// A diagnostic table beside it: how long Open takes to the first answer, on a
// worker (a thread and an SSH handshake of its own) and on this thread.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SwarmError } from '../src/shared/errors.js';
import type { Swarm } from '../src/core/swarm.js';
import type { Tunnel } from '../src/transport/tunnel.js';
import { addLabHost, lab, labSwarm } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, fmt, jsonOf, medianOf, messageOf, verdict, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';

const execFileAsync = promisify(execFile);

const HOST = 'alpha';
/** 100 MB, MB meaning 2^20 bytes throughout this part. */
const BYTES = 100 * 1024 * 1024;
const MB = 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 120_000;
const TARGET_SHARE = 0.5;
/** The shipped worker: the bundle runs ssh2 without its native addon, as the extension does. */
const WORKER_SCRIPT = resolve(__dirname, '../../dist/tunnelWorkerEntry.js');

type Key = 'tunnelMBps' | 'sshTunnelMBps' | 'thisThreadTunnelMBps';
type OpenKey = 'workerOpenMs' | 'thisThreadOpenMs';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * GETs a URL with curl, which throws the body away, and returns MB/s. The
 * client is its own process for both ways, as a browser is: in this process
 * it would share one thread with the session tunnel it measures.
 */
export async function download(url: string, headers: Record<string, string>, expectBytes: number): Promise<number> {
  const args = [
    '-sS',
    '--fail',
    '-o',
    '/dev/null',
    '--max-time',
    String(DOWNLOAD_TIMEOUT_MS / 1000),
    '-w',
    '%{size_download} %{time_total}',
  ];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const { stdout } = await execFileAsync('curl', [...args, url], { timeout: DOWNLOAD_TIMEOUT_MS + 10_000 });
  const [size, seconds] = stdout.trim().split(' ').map(Number);
  if (size !== expectBytes || !seconds) throw new Error(`curl got ${size} bytes in ${seconds} s, expected ${expectBytes} bytes`);
  return size / MB / seconds;
}

/** Resolves once something accepts connections on 127.0.0.1:port (bounded). */
async function waitListening(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ssh -L exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`ssh -L did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Opens a tunnel, sends one request through it and closes it: what a user
 * waits for between Open and the first byte. The worker pays for a thread and
 * an SSH handshake of its own; on this thread the host's connection is reused.
 */
async function openToFirstAnswer(swarm: Swarm, name: string): Promise<number> {
  const t0 = performance.now();
  const t = await swarm.openTunnel(name);
  try {
    const res = await fetch(t.url, { redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status !== 302) throw new Error(`the first answer through a new tunnel was ${res.status}, expected 302`);
    return performance.now() - t0;
  } finally {
    await t.close();
  }
}

/** Trades a tunnel's one-time URL for its cookie, as a browser does, and returns the header that carries it. */
async function loginHeaders(t: Tunnel): Promise<Record<string, string>> {
  const res = await fetch(t.url, { redirect: 'manual' });
  await res.arrayBuffer();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (res.status !== 302 || !cookie.startsWith(`${t.cookie}=`)) throw new Error(`the tunnel's URL got ${res.status} without its cookie`);
  return { cookie };
}

export interface TunnelBench extends BenchModule {
  readonly figures: Record<Key, Figure>;
}

export function createTunnelBench(): TunnelBench {
  const figures: Record<Key, Figure> = {
    tunnelMBps: figure('session tunnel (swarm.openTunnel)'),
    sshTunnelMBps: figure('ssh -L (OpenSSH) to the same port'),
    thisThreadTunnelMBps: figure('  diagnostic: the same tunnel on this thread'),
  };
  const openFigures: Record<OpenKey, Figure> = {
    workerOpenMs: figure('worker thread, own SSH connection'),
    thisThreadOpenMs: figure("this thread, the host's connection"),
  };
  const errors: string[] = [];

  const run = async (ctx: BenchContext): Promise<void> => {
    const n = ctx.quick ? 3 : 5;
    const env = lab();
    const h = env.hosts[HOST];
    const dir = await mkdtemp(join(tmpdir(), `code-swarm-bench-${ctx.tag}-tunnel-`));
    ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const { swarm } = await labSwarm(dir, undefined, { tunnelWorkerScript: WORKER_SCRIPT });
    ctx.cleanup.add('dispose the tunnel Swarm', () => swarm.dispose());
    // The same store, with no worker to find: its tunnels run on this thread.
    const { swarm: inThread } = await labSwarm(dir, undefined, { tunnelWorkerScript: join(dir, 'no-tunnel-worker.js') });
    ctx.cleanup.add('dispose the second tunnel Swarm', () => inThread.dispose());
    await addLabHost(swarm, HOST);

    const name = `${ctx.tag}-tunnel`;
    const undoInstance = ctx.cleanup.add(`delete instance ${name}`, async () => {
      try {
        await swarm.delete(name, { purge: true });
      } catch (e) {
        if (!(e instanceof SwarmError && e.code === 'not-found')) throw e;
      }
    });
    ctx.log(`tunnel: creating ${name} (${env.lightImage}) on ${HOST}`);
    await swarm.create({ name, host: HOST, image: env.lightImage, cpus: 1, memory: '256m' });
    const view = await swarm.waitHealthy(name, { timeoutMs: 60_000, signal: ctx.signal });
    const remotePort = view.port;
    if (remotePort === undefined) throw new Error(`${name} has no loopback port`);

    let tunnel: Tunnel | undefined = await swarm.openTunnel(name);
    const undoTunnel = ctx.cleanup.add('close the session tunnel', () => tunnel?.close());
    if (tunnel.via !== 'worker')
      throw new Error(`the tunnel runs on ${tunnel.via}, not a worker: ${tunnel.note ?? ''} (npm run build makes ${WORKER_SCRIPT})`);
    let local: Tunnel | undefined = await inThread.openTunnel(name);
    const undoLocal = ctx.cleanup.add('close the in-thread tunnel', () => local?.close());
    if (local.via !== 'this thread') throw new Error(`the diagnostic tunnel runs on ${local.via}`);
    const tunnelHeaders = await loginHeaders(tunnel);
    const localHeaders = await loginHeaders(local);

    // OpenSSH with the lab's key and known_hosts only: nothing from ~/.ssh.
    const localPort = await freePort();
    const ssh = spawn(
      'ssh',
      [
        '-N',
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'ExitOnForwardFailure=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        `UserKnownHostsFile=${env.knownHosts}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        'StrictHostKeyChecking=yes',
        '-i',
        env.clientKey,
        '-p',
        String(h.port),
        '-L',
        `127.0.0.1:${localPort}:127.0.0.1:${remotePort}`,
        `${h.user}@${h.address}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let sshErr = '';
    ssh.stderr?.on('data', (c: Buffer) => (sshErr = (sshErr + c.toString()).slice(-2000)));
    const undoSsh = ctx.cleanup.add('stop ssh -L', () => ssh.kill());
    try {
      await waitListening(localPort, 15_000, ssh).catch((e: unknown) => {
        throw new Error(`${messageOf(e)}${sshErr ? `: ${sshErr.trim()}` : ''}`);
      });
      const viaTunnel = () => download(`http://127.0.0.1:${tunnel?.port ?? 0}/bytes/${BYTES}`, tunnelHeaders, BYTES);
      const viaSsh = () => download(`http://127.0.0.1:${localPort}/bytes/${BYTES}`, {}, BYTES);
      const viaThisThread = () => download(`http://127.0.0.1:${local?.port ?? 0}/bytes/${BYTES}`, localHeaders, BYTES);
      // One of each first: the instance's first big answer and the links' windows warm up.
      await viaTunnel();
      await viaSsh();
      await viaThisThread();
      ctx.log(`tunnel: 100 MB ×${n} each way, in turn (who goes first rotates)`);
      const ways = [
        { fig: figures.tunnelMBps, get: viaTunnel },
        { fig: figures.sshTunnelMBps, get: viaSsh },
        { fig: figures.thisThreadTunnelMBps, get: viaThisThread },
      ];
      for (let i = 0; i < n && !ctx.signal.aborted; i++) {
        for (let j = 0; j < ways.length; j++) {
          const way = ways[(i + j) % ways.length];
          way?.fig.samples.push(await way.get());
        }
      }
      ctx.log(
        `  tunnel MB/s: ${figures.tunnelMBps.samples.map((x) => fmt(x)).join(' ')}; ssh -L MB/s: ${figures.sshTunnelMBps.samples.map((x) => fmt(x)).join(' ')}; ` +
          `this thread MB/s: ${figures.thisThreadTunnelMBps.samples.map((x) => fmt(x)).join(' ')}`,
      );
      // Open → first answer → close, alternating, with the throughput tunnels still open.
      for (let i = 0; i < n && !ctx.signal.aborted; i++) {
        openFigures.workerOpenMs.samples.push(await openToFirstAnswer(swarm, name));
        openFigures.thisThreadOpenMs.samples.push(await openToFirstAnswer(inThread, name));
      }
      ctx.log(
        `  open → first answer ms: worker ${openFigures.workerOpenMs.samples.map((x) => fmt(x)).join(' ')}; ` +
          `this thread ${openFigures.thisThreadOpenMs.samples.map((x) => fmt(x)).join(' ')}`,
      );
    } finally {
      ssh.kill();
      undoSsh();
      await tunnel.close();
      tunnel = undefined;
      undoTunnel();
      await local.close();
      local = undefined;
      undoLocal();
      await swarm.delete(name, { purge: true });
      undoInstance();
    }
  };

  return {
    name: 'tunnel',
    errors,
    figures,
    run: async (ctx) => {
      try {
        await run(ctx);
      } catch (e) {
        errors.push(`tunnel: ${messageOf(e)}`);
        ctx.log(`tunnel FAILED: ${messageOf(e)}`);
      }
    },
    json: () => ({ tunnelMBps: jsonOf(figures.tunnelMBps), sshTunnelMBps: jsonOf(figures.sshTunnelMBps) }),
    missing: () => (['tunnelMBps', 'sshTunnelMBps'] as const).filter((k) => figures[k].samples.length === 0),
    report: (quick) => {
      const ours = medianOf(figures.tunnelMBps);
      const theirs = medianOf(figures.sshTunnelMBps);
      const share = ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
      return [
        `Tunnel throughput (${quick ? 'quick' : 'full'}): 100 MB from an instance on ${HOST} (MB = 2^20 bytes)`,
        '',
        renderTable(
          ['download (MB/s)', 'median', 'min', 'max', 'n'],
          (['tunnelMBps', 'sshTunnelMBps', 'thisThreadTunnelMBps'] as const).map((k) => figureRow(figures[k])),
        ),
        '',
        renderTable(
          ['open → first answer (ms)', 'median', 'min', 'max', 'n'],
          (['workerOpenMs', 'thisThreadOpenMs'] as const).map((k) => figureRow(openFigures[k])),
        ),
        '',
        renderTable(
          ['target', 'measured', 'target', ''],
          [
            [
              'session tunnel ÷ ssh -L',
              share === undefined ? 'n/a' : `${(share * 100).toFixed(0)} %`,
              `≥ ${TARGET_SHARE * 100} %`,
              verdict(share === undefined ? undefined : share >= TARGET_SHARE),
            ],
          ],
        ),
      ].join('\n');
    },
  };
}
