// Tunnel throughput: a 100 MB download (GET /bytes/104857600 from the lab's
// light image) from one instance on alpha, through the Swarm's session tunnel
// (swarm.openTunnel: a local HTTP proxy over the host's one SSH connection)
// and through OpenSSH's `ssh -L` to the same loopback port, alternating, in
// the same run. Both links are open before the first sample, so each sample
// is one HTTP request and its 100 MB, nothing else; curl makes it, for both.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SwarmError } from '../src/core/errors.js';
import type { SessionTunnel } from '../src/transport/sessionTunnel.js';
import { addLabHost, lab, labSwarm } from '../test/integration/lab.js';
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

type Key = 'tunnelMBps' | 'sshTunnelMBps';

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
  const args = ['-sS', '--fail', '-o', '/dev/null', '--max-time', String(DOWNLOAD_TIMEOUT_MS / 1000), '-w', '%{size_download} %{time_total}'];
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

export interface TunnelBench extends BenchModule {
  readonly figures: Record<Key, Figure>;
}

export function createTunnelBench(): TunnelBench {
  const figures: Record<Key, Figure> = {
    tunnelMBps: figure('session tunnel (swarm.openTunnel)'),
    sshTunnelMBps: figure('ssh -L (OpenSSH) to the same port'),
  };
  const errors: string[] = [];

  const run = async (ctx: BenchContext): Promise<void> => {
    const n = ctx.quick ? 3 : 5;
    const env = lab();
    const h = env.hosts[HOST];
    const dir = await mkdtemp(join(tmpdir(), `code-swarm-bench-${ctx.tag}-tunnel-`));
    ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const { swarm } = await labSwarm(dir);
    ctx.cleanup.add('dispose the tunnel Swarm', () => swarm.dispose());
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

    let tunnel: SessionTunnel | undefined = await swarm.openTunnel(name);
    const undoTunnel = ctx.cleanup.add('close the session tunnel', () => tunnel?.close());
    const token = new URL(tunnel.url).searchParams.get('code-swarm-token') ?? '';
    const tunnelHeaders = { cookie: `${tunnel.cookie}=${token}` };

    // OpenSSH with the lab's key and known_hosts only: nothing from ~/.ssh.
    const localPort = await freePort();
    const ssh = spawn(
      'ssh',
      [
        '-N', '-F', '/dev/null',
        '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes', '-o', 'IdentitiesOnly=yes',
        '-o', `UserKnownHostsFile=${env.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes',
        '-i', env.clientKey, '-p', String(h.port),
        '-L', `127.0.0.1:${localPort}:127.0.0.1:${remotePort}`,
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
      // One of each first: the instance's first big answer and both links' windows warm up.
      await viaTunnel();
      await viaSsh();
      ctx.log(`tunnel: 100 MB ×${n} each way, alternating`);
      for (let i = 0; i < n && !ctx.signal.aborted; i++) {
        const order = i % 2 === 0 ? (['tunnel', 'ssh'] as const) : (['ssh', 'tunnel'] as const);
        for (const way of order) {
          if (way === 'tunnel') figures.tunnelMBps.samples.push(await viaTunnel());
          else figures.sshTunnelMBps.samples.push(await viaSsh());
        }
      }
      ctx.log(`  tunnel MB/s: ${figures.tunnelMBps.samples.map((x) => fmt(x)).join(' ')}; ssh -L MB/s: ${figures.sshTunnelMBps.samples.map((x) => fmt(x)).join(' ')}`);
    } finally {
      ssh.kill();
      undoSsh();
      await tunnel.close();
      tunnel = undefined;
      undoTunnel();
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
        renderTable(['download (MB/s)', 'median', 'min', 'max', 'n'], (['tunnelMBps', 'sshTunnelMBps'] as const).map((k) => figureRow(figures[k]))),
        '',
        renderTable(
          ['target', 'measured', 'target', ''],
          [['session tunnel ÷ ssh -L', share === undefined ? 'n/a' : `${(share * 100).toFixed(0)} %`, `≥ ${TARGET_SHARE * 100} %`, verdict(share === undefined ? undefined : share >= TARGET_SHARE)]],
        ),
      ].join('\n');
    },
  };
}
