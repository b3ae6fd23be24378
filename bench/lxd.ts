// The LXD half of the benchmark, against the lab's host gamma: the same
// instance life through the Swarm (one SSH connection, LXD's REST API) and
// through the `lxc` CLI run over plain `ssh` (a new connection per command),
// in the same run, interleaved so both see the same machine.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SwarmError } from '../src/shared/errors.js';
import { FileSecretStore } from '../src/core/fileSecretStore.js';
import { Store } from '../src/core/store.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT, Swarm } from '../src/core/swarm.js';
import { parseMemory } from '../src/core/validate.js';
import { cpuLimits, memoryLimit } from '../src/providers/lxd/instanceConfig.js';
import { quoteArgv } from '../src/transport/shellQuote.js';
import { lab } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, jsonOf, medianOf, messageOf, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';
import { timeIt } from './timeIt.js';
import { labSshOptions } from './labSshOptions.js';

const execFileAsync = promisify(execFile);

const HOST = 'gamma';
/** The lab's ssh config names every host `lab-<name>`. */
const SSH_ALIAS = `lab-${HOST}`;
const HEALTHY_TIMEOUT_MS = 120_000;
/** launch, snapshot and delete copy a whole root file system on the lab's dir pool. */
const SLOW_CALL_TIMEOUT_MS = 300_000;
const CALL_TIMEOUT_MS = 120_000;
/** Swarm.waitHealthy's pacing (WAIT_PROBE_MS in src/core/healthMonitor.ts), so neither side's poll is finer than the other's. */
const POLL_S = '0.05';
/** Outside the LXD provider's 20000-39999, so a baseline port never collides with one it picks. */
const BASELINE_PORTS = { min: 40_000, max: 49_999 };
const SSH_RTT_SAMPLES = 3;

type LxdJsonKey =
  | 'lxdCreateHealthyMs'
  | 'lxdStopMs'
  | 'lxdStartHealthyMs'
  | 'lxdSnapshotMs'
  | 'lxdRestoreMs'
  | 'lxcCliCreateHealthyMs'
  | 'lxcCliStopMs'
  | 'lxcCliStartHealthyMs'
  | 'lxcCliSnapshotMs'
  | 'lxcCliRestoreMs';
type LxdFigureKey = LxdJsonKey | 'sshRoundTripMs';

const LXD_JSON_KEYS: readonly LxdJsonKey[] = [
  'lxdCreateHealthyMs',
  'lxdStopMs',
  'lxdStartHealthyMs',
  'lxdSnapshotMs',
  'lxdRestoreMs',
  'lxcCliCreateHealthyMs',
  'lxcCliStopMs',
  'lxcCliStartHealthyMs',
  'lxcCliSnapshotMs',
  'lxcCliRestoreMs',
];

/** What the LXD part measured; filled as it goes, so a failure half way keeps what was measured. */
interface LxdBench {
  readonly figures: Record<LxdFigureKey, Figure>;
  readonly errors: string[];
  readonly notes: string[];
  /** Wall time of the whole LXD part, cleanup included. */
  wallMs: number | undefined;
}

/** The LXD part of `npm run bench` (skipped by --quick: one LXD life is a minute on the lab's dir pool). */
export function createLxdBench(): BenchModule {
  const bench: LxdBench = {
    figures: {
      lxdCreateHealthyMs: figure('create → healthy: Swarm.create + waitHealthy'),
      lxcCliCreateHealthyMs: figure('create → healthy: lxc launch + device add + curl poll'),
      lxdStopMs: figure('stop: Swarm.stop'),
      lxcCliStopMs: figure('stop: lxc stop'),
      lxdStartHealthyMs: figure('start → healthy: Swarm.start + waitHealthy'),
      lxcCliStartHealthyMs: figure('start → healthy: lxc start + curl poll'),
      lxdSnapshotMs: figure('snapshot: Swarm.snapshot'),
      lxcCliSnapshotMs: figure('snapshot: lxc snapshot'),
      lxdRestoreMs: figure('restore (running): Swarm.restore'),
      lxcCliRestoreMs: figure('restore (running): lxc restore'),
      sshRoundTripMs: figure("  diagnostic: ssh lab-gamma true (one CLI call's connection)"),
    },
    errors: [],
    notes: [],
    wallMs: undefined,
  };
  return {
    name: 'lxd',
    errors: bench.errors,
    run: (ctx) => runLxdBench(bench, ctx),
    json: () => Object.fromEntries(LXD_JSON_KEYS.map((k) => [k, jsonOf(bench.figures[k])])),
    missing: () => LXD_JSON_KEYS.filter((k) => bench.figures[k].samples.length === 0),
    report: (quick) => renderLxdReport(bench, quick),
  };
}

/** The first line of what went wrong: a failed command's message repeats its whole output. */
function firstLine(e: unknown): string {
  return messageOf(e).split('\n')[0] ?? '';
}

/**
 * `ssh lab-gamma ARGV...` as a user would type it: the lab's ssh config,
 * known_hosts and key pinned, nothing of ~/.ssh or an agent, a new
 * connection every time. argv is quoted into the one remote command line.
 */
function sshRunner(sshConfig: string, knownHosts: string, identityFile: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['SSH_AUTH_SOCK'];
  const base = [
    // stdin from /dev/null: `lxc launch` reads a config from a stdin that is not a terminal, and would wait on ours forever.
    '-n',
    ...labSshOptions({ sshConfig, knownHosts, identityFile }),
  ];
  return async (argv: readonly string[], timeoutMs = CALL_TIMEOUT_MS): Promise<string> => {
    try {
      const r = await execFileAsync('ssh', [...base, SSH_ALIAS, quoteArgv(argv)], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
      return r.stdout;
    } catch (e) {
      // execFile's message repeats the whole ssh command line; what the remote said is what matters.
      const x = e as { stderr?: unknown; signal?: unknown; killed?: unknown; code?: unknown };
      const said = typeof x.stderr === 'string' ? x.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] : undefined;
      const how =
        said ??
        (x.killed === true
          ? `killed after ${timeoutMs} ms`
          : typeof x.signal === 'string'
            ? `killed by ${x.signal}`
            : `exit ${String(x.code)}`);
      throw new Error(`ssh ${SSH_ALIAS} ${argv.slice(0, 3).join(' ')}…: ${how}`, { cause: e });
    }
  };
}

/**
 * `lxc delete --force`, waiting out a create the daemon is still running:
 * an interrupted `lxc launch` kills the client, not the daemon's operation.
 */
async function deleteWithRetry(ssh: ReturnType<typeof sshRunner>, name: string): Promise<void> {
  const deadline = Date.now() + SLOW_CALL_TIMEOUT_MS;
  for (;;) {
    try {
      await ssh(['lxc', 'delete', '--force', name], SLOW_CALL_TIMEOUT_MS);
      return;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // A launch that failed early left nothing to delete.
      if (/not found/i.test(why)) return;
      if (!/busy/i.test(why) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

/** Polls /healthz with curl on the host, in one remote shell loop: Swarm.waitHealthy's pacing, none of its connection. */
const HEALTH_LOOP =
  'end=$(( $(date +%s) + $2 )); ' +
  'until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/healthz" 2>/dev/null; do ' +
  '[ "$(date +%s)" -lt "$end" ] || { echo "no healthy answer on port $1 within $2 s" >&2; exit 1; }; ' +
  `sleep ${POLL_S}; done`;

async function runLxdBench(bench: LxdBench, ctx: BenchContext): Promise<void> {
  const started = performance.now();
  const { figures } = bench;
  const env = lab();
  const h = env.hosts[HOST];
  const image = env.lxdImage;
  const n = ctx.quick ? 1 : 3;
  const memoryBytes = parseMemory(DEFAULT_MEMORY);
  const ssh = sshRunner(env.sshConfig, env.knownHosts, env.clientKey);
  const interrupted = () => {
    if (ctx.signal.aborted) throw new Error('interrupted');
  };
  const step = async (name: string, fn: () => Promise<void>): Promise<boolean> => {
    if (ctx.signal.aborted) return false;
    try {
      await fn();
      return true;
    } catch (e) {
      bench.errors.push(`lxd ${name}: ${firstLine(e)}`);
      ctx.log(`lxd ${name} FAILED: ${firstLine(e)}`);
      return false;
    }
  };
  ctx.log(`LXD: ${ctx.quick ? 'quick' : 'full'} run on ${HOST} (${h.user}@${h.address}:${h.port}), image ${image}, ${n} cycle(s) each way`);

  // Whatever carries the tag on gamma goes, snapshots with it: the backstop for every path out.
  const sweep = async (): Promise<string[]> => {
    const names = (await ssh(['lxc', 'list', '--format', 'csv', '--columns', 'n'])).split('\n').map((s) => s.trim());
    const mine = names.filter((x) => x.includes(ctx.tag));
    for (const x of mine) await deleteWithRetry(ssh, x);
    return mine;
  };
  ctx.cleanup.add(`sweep ${HOST} for ${ctx.tag}`, async () => {
    const removed = await sweep();
    if (removed.length > 0) ctx.log(`LXD sweep removed leftovers: ${removed.join(', ')}`);
  });

  const stateDir = await mkdtemp(join(tmpdir(), 'code-swarm-bench-lxd-state-'));
  ctx.cleanup.add(`remove ${stateDir}`, () => rm(stateDir, { recursive: true, force: true }));
  const [store, secrets] = await Promise.all([Store.open(stateDir), FileSecretStore.open(stateDir)]);
  const swarm = new Swarm({ store, secrets, access: { knownHostsFiles: [env.knownHosts], agentSocket: '' } });
  ctx.cleanup.add('dispose the LXD Swarm', () => swarm.dispose());
  // A figure measured across a reconnect measures the reconnect: say so.
  swarm.on('hosts', () => {
    void swarm
      .hosts()
      .then((hosts) => {
        const me = hosts.find((x) => x.name === HOST);
        if (me?.reachability === 'down')
          bench.notes.push(`the Swarm's link to ${HOST} went down at ${new Date().toISOString()}: ${me.error ?? 'no detail'}`);
      })
      .catch(() => undefined);
  });

  const setUp = await step('setup', async () => {
    await swarm.addHost(
      { name: HOST, ssh: `${h.user}@${h.address}:${h.port}`, identityFile: env.clientKey, provider: 'lxd' },
      { onUnknownHostKey: () => false },
    );
    const version = (await ssh(['lxc', '--version'])).trim();
    ctx.log(`LXD: ${HOST} added; lxc ${version} answers over plain ssh`);
    for (let i = 0; i < SSH_RTT_SAMPLES; i++) figures.sshRoundTripMs.samples.push(await timeIt(() => ssh(['true'])));
  });
  if (!setUp) {
    bench.wallMs = performance.now() - started;
    return;
  }

  /** Deleted together at the end, outside every timing: on a dir pool a delete is a long rm -rf that would skew the next sample. */
  const toDelete: Array<() => Promise<void>> = [];

  const swarmCycle = async (i: number): Promise<void> => {
    const name = `${ctx.tag}-l${i}`;
    const remove = async () => {
      try {
        await swarm.delete(name, { purge: true });
      } catch (e) {
        if (!(e instanceof SwarmError && e.code === 'not-found')) throw e;
      }
    };
    const undo = ctx.cleanup.add(`delete Swarm instance ${name}`, remove);
    toDelete.push(async () => {
      await remove();
      undo();
    });
    figures.lxdCreateHealthyMs.samples.push(
      await timeIt(async () => {
        await swarm.create({ name, host: HOST, image, cpus: DEFAULT_CPUS, memory: DEFAULT_MEMORY });
        await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: ctx.signal });
      }),
    );
    interrupted();
    let state = '';
    figures.lxdStopMs.samples.push(await timeIt(async () => ({ state } = await swarm.stop(name))));
    if (state !== 'stopped') throw new Error(`after stop ${name} is ${state}`);
    interrupted();
    figures.lxdStartHealthyMs.samples.push(
      await timeIt(async () => {
        await swarm.start(name);
        await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: ctx.signal });
      }),
    );
    interrupted();
    let snapshot = '';
    figures.lxdSnapshotMs.samples.push(await timeIt(async () => ({ name: snapshot } = await swarm.snapshot(name))));
    interrupted();
    let restored = '';
    figures.lxdRestoreMs.samples.push(await timeIt(async () => ({ state: restored } = await swarm.restore(name, snapshot))));
    if (restored !== 'running') throw new Error(`after restore ${name} is ${restored}`);
    // Idle code-servers cost little, but a stopped one costs nothing while the next samples run.
    await swarm.stop(name);
  };

  const cliCycle = async (i: number): Promise<void> => {
    const name = `${ctx.tag}-cli${i}`;
    const remove = () => deleteWithRetry(ssh, name);
    const undo = ctx.cleanup.add(`delete lxc instance ${name}`, remove);
    toDelete.push(async () => {
      await remove();
      undo();
    });
    const limits = {
      ...cpuLimits(DEFAULT_CPUS),
      'limits.memory': memoryLimit(memoryBytes),
      'limits.processes': String(DEFAULT_PIDS_LIMIT),
    };
    const config = Object.entries(limits).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const port = BASELINE_PORTS.min + Math.floor(Math.random() * (BASELINE_PORTS.max - BASELINE_PORTS.min + 1));
    const waitHealthy = () =>
      ssh(['sh', '-c', HEALTH_LOOP, 'sh', String(port), String(HEALTHY_TIMEOUT_MS / 1000)], HEALTHY_TIMEOUT_MS + 10_000);
    figures.lxcCliCreateHealthyMs.samples.push(
      await timeIt(async () => {
        await ssh(['lxc', 'launch', image, name, ...config], SLOW_CALL_TIMEOUT_MS);
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
        await waitHealthy();
      }),
    );
    interrupted();
    figures.lxcCliStopMs.samples.push(await timeIt(() => ssh(['lxc', 'stop', name])));
    interrupted();
    figures.lxcCliStartHealthyMs.samples.push(
      await timeIt(async () => {
        await ssh(['lxc', 'start', name]);
        await waitHealthy();
      }),
    );
    interrupted();
    figures.lxcCliSnapshotMs.samples.push(await timeIt(() => ssh(['lxc', 'snapshot', name, 'snap0'], SLOW_CALL_TIMEOUT_MS)));
    interrupted();
    figures.lxcCliRestoreMs.samples.push(await timeIt(() => ssh(['lxc', 'restore', name, 'snap0'], SLOW_CALL_TIMEOUT_MS)));
    await ssh(['lxc', 'stop', '--force', name]);
  };

  const log = (what: string, keys: readonly LxdFigureKey[]) => {
    for (const k of keys) {
      const s = figures[k].samples;
      if (s.length > 0) ctx.log(`  ${figures[k].label.trim()}: ${s.map((x) => x.toFixed(1)).join(' ')}`);
    }
    ctx.log(`LXD: ${what} done at ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };
  const swarmKeys: readonly LxdFigureKey[] = ['lxdCreateHealthyMs', 'lxdStopMs', 'lxdStartHealthyMs', 'lxdSnapshotMs', 'lxdRestoreMs'];
  const cliKeys: readonly LxdFigureKey[] = [
    'lxcCliCreateHealthyMs',
    'lxcCliStopMs',
    'lxcCliStartHealthyMs',
    'lxcCliSnapshotMs',
    'lxcCliRestoreMs',
  ];
  // ABBA: neither side always goes first onto a machine the other just warmed (page cache, image unpack).
  let swarmOk = true;
  let cliOk = true;
  for (let i = 0; i < n && !ctx.signal.aborted; i++) {
    const order = i % 2 === 0 ? (['swarm', 'cli'] as const) : (['cli', 'swarm'] as const);
    for (const side of order) {
      if (side === 'swarm' && swarmOk) {
        ctx.log(`LXD: cycle ${i + 1}/${n} through the Swarm`);
        swarmOk = await step(`Swarm cycle ${i + 1}`, () => swarmCycle(i));
        log(`Swarm cycle ${i + 1}`, swarmKeys);
      }
      if (side === 'cli' && cliOk) {
        ctx.log(`LXD: cycle ${i + 1}/${n} through lxc over ssh`);
        cliOk = await step(`lxc cycle ${i + 1}`, () => cliCycle(i));
        log(`lxc cycle ${i + 1}`, cliKeys);
      }
    }
  }

  ctx.log(`LXD: deleting ${toDelete.length} instance(s)`);
  const deleted = await Promise.allSettled(toDelete.map((d) => d()));
  for (const r of deleted) if (r.status === 'rejected') bench.errors.push(`lxd delete: ${firstLine(r.reason)}`);
  bench.wallMs = performance.now() - started;
  ctx.log(`LXD part done in ${(bench.wallMs / 1000).toFixed(1)} s`);
}

/** The LXD tables: every figure, then the Swarm beside the lxc CLI for each operation. */
function renderLxdReport(bench: LxdBench, quick: boolean): string {
  const { figures } = bench;
  const order: LxdFigureKey[] = [
    'lxdCreateHealthyMs',
    'lxcCliCreateHealthyMs',
    'lxdStopMs',
    'lxcCliStopMs',
    'lxdStartHealthyMs',
    'lxcCliStartHealthyMs',
    'lxdSnapshotMs',
    'lxcCliSnapshotMs',
    'lxdRestoreMs',
    'lxcCliRestoreMs',
    'sshRoundTripMs',
  ];
  const rows = order.map((k) => figureRow(figures[k]));
  const pairs: Array<[string, LxdJsonKey, LxdJsonKey]> = [
    ['create → healthy', 'lxdCreateHealthyMs', 'lxcCliCreateHealthyMs'],
    ['stop', 'lxdStopMs', 'lxcCliStopMs'],
    ['start → healthy', 'lxdStartHealthyMs', 'lxcCliStartHealthyMs'],
    ['snapshot', 'lxdSnapshotMs', 'lxcCliSnapshotMs'],
    ['restore (running instance)', 'lxdRestoreMs', 'lxcCliRestoreMs'],
  ];
  const ratioRows = pairs.map(([label, ours, theirs]) => {
    const a = medianOf(figures[ours]);
    const b = medianOf(figures[theirs]);
    const ratio = a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;
    return [label, a === undefined ? 'n/a' : `${(a / 1000).toFixed(2)} s`, b === undefined ? 'n/a' : `${(b / 1000).toFixed(2)} s`, ratio];
  });
  const wall = bench.wallMs === undefined ? '' : `, LXD part ${(bench.wallMs / 1000).toFixed(0)} s`;
  return [
    `LXD on ${HOST} (${quick ? 'quick' : 'full'}, image ${lab().lxdImage}${wall})`,
    '',
    renderTable(['figure (ms)', 'median', 'min', 'max', 'n'], rows),
    '',
    renderTable(['LXD operation', 'Swarm', 'lxc over ssh', 'Swarm ÷ lxc'], ratioRows),
    ...(bench.notes.length > 0 ? ['', ...bench.notes.map((x) => `note: ${x}`)] : []),
  ].join('\n');
}
