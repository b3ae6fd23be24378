// The LXD half of the benchmark, against the lab's host gamma: the same
// instance life through the Swarm (one SSH connection, LXD's REST API) and
// through the `lxc` CLI run over plain `ssh` (a new connection per command,
// bench/lxcOverSsh.ts), in the same run, step by step one beside the other so
// both see the same machine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmError } from '../src/shared/errors.js';
import { FileSecretStore } from '../src/core/fileSecretStore.js';
import { Store } from '../src/core/store.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT, Swarm } from '../src/core/swarm.js';
import { parseMemory } from '../src/core/validate.js';
import { cpuLimits, memoryLimit } from '../src/providers/lxd/instanceConfig.js';
import { lab } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, jsonOf, medianOf, messageOf, type Figure } from './figures.js';
import { deleteWithRetry, HEALTH_LOOP, sshRunner } from './lxcOverSsh.js';
import { median } from './median.js';
import { renderTable } from './renderTable.js';
import { timeIt } from './timeIt.js';

const HOST = 'gamma';
/** The lab's ssh config names every host `lab-<name>`. */
const SSH_ALIAS = `lab-${HOST}`;
const HEALTHY_TIMEOUT_MS = 120_000;
/** launch, snapshot and delete may copy a whole root file system (a dir pool). */
const SLOW_CALL_TIMEOUT_MS = 300_000;
const CALL_TIMEOUT_MS = 120_000;
/**
 * Instance lives each way in a full run. Three gave ratios of two medians
 * that swung from 0.91× to 1.03× between runs of the same tree: one slow
 * sample on either side moved a median of three.
 */
const ROUNDS = 5;
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
  /** Each round's samples by figure: the two sides' samples of a step were taken one right after the other. */
  readonly rounds: Array<Partial<Record<LxdJsonKey, number>>>;
  /** Wall time of the whole LXD part, cleanup included. */
  wallMs: number | undefined;
}

/** The LXD part of `npm run bench` (skipped by --quick: ten LXD lives take minutes). */
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
    rounds: [],
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

/** One step of an instance's life: timed under `key`, or untimed (tidying between samples). */
interface LifeStep {
  readonly what: string;
  readonly key?: LxdJsonKey;
  readonly run: () => Promise<void>;
}

/** One way of living an instance's life (the Swarm, or lxc over ssh), and whether it still works in this run. */
interface Side {
  readonly label: string;
  readonly life: (round: number) => LifeStep[];
  ok: boolean;
}

/** The paired figures: in each round the two sides ran the same step one right after the other. */
const PAIRS: ReadonlyArray<readonly [string, LxdJsonKey, LxdJsonKey]> = [
  ['create → healthy', 'lxdCreateHealthyMs', 'lxcCliCreateHealthyMs'],
  ['stop', 'lxdStopMs', 'lxcCliStopMs'],
  ['start → healthy', 'lxdStartHealthyMs', 'lxcCliStartHealthyMs'],
  ['snapshot', 'lxdSnapshotMs', 'lxcCliSnapshotMs'],
  ['restore (running instance)', 'lxdRestoreMs', 'lxcCliRestoreMs'],
];

async function runLxdBench(bench: LxdBench, ctx: BenchContext): Promise<void> {
  const started = performance.now();
  const { figures } = bench;
  const env = lab();
  const h = env.hosts[HOST];
  const image = env.lxdImage;
  const n = ctx.quick ? 1 : ROUNDS;
  const memoryBytes = parseMemory(DEFAULT_MEMORY);
  const ssh = sshRunner(SSH_ALIAS, { sshConfig: env.sshConfig, knownHosts: env.knownHosts, identityFile: env.clientKey }, CALL_TIMEOUT_MS);
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
  ctx.log(`LXD: ${ctx.quick ? 'quick' : 'full'} run on ${HOST} (${h.user}@${h.address}:${h.port}), image ${image}, ${n} round(s)`);

  // Whatever carries the tag on gamma goes, snapshots with it: the backstop for every path out.
  const sweep = async (): Promise<string[]> => {
    const names = (await ssh(['lxc', 'list', '--format', 'csv', '--columns', 'n'])).split('\n').map((s) => s.trim());
    const mine = names.filter((x) => x.includes(ctx.tag));
    for (const x of mine) await deleteWithRetry(ssh, x, SLOW_CALL_TIMEOUT_MS);
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

  /** Deleted together at the end, outside every timing: a delete beside the next sample would skew it. */
  const toDelete: Array<() => Promise<void>> = [];

  const swarmLife = (i: number): LifeStep[] => {
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
    let snapshot = '';
    return [
      {
        what: 'create → healthy',
        key: 'lxdCreateHealthyMs',
        run: async () => {
          const created = await timeIt(() => swarm.create({ name, host: HOST, image, cpus: DEFAULT_CPUS, memory: DEFAULT_MEMORY }));
          const healthy = await timeIt(() => swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: ctx.signal }));
          ctx.log(`    Swarm.create ${created.toFixed(0)} ms, then healthy ${healthy.toFixed(0)} ms later`);
        },
      },
      {
        what: 'stop',
        key: 'lxdStopMs',
        run: async () => {
          const { state } = await swarm.stop(name);
          if (state !== 'stopped') throw new Error(`after stop ${name} is ${state}`);
        },
      },
      {
        what: 'start → healthy',
        key: 'lxdStartHealthyMs',
        run: async () => {
          await swarm.start(name);
          await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: ctx.signal });
        },
      },
      { what: 'snapshot', key: 'lxdSnapshotMs', run: async () => void ({ name: snapshot } = await swarm.snapshot(name)) },
      {
        what: 'restore',
        key: 'lxdRestoreMs',
        run: async () => {
          const { state } = await swarm.restore(name, snapshot);
          if (state !== 'running') throw new Error(`after restore ${name} is ${state}`);
        },
      },
      // Idle code-servers cost little, but a stopped one costs nothing while the next samples run.
      { what: 'stop after the samples', run: async () => void (await swarm.stop(name)) },
    ];
  };

  const cliLife = (i: number): LifeStep[] => {
    const name = `${ctx.tag}-cli${i}`;
    const remove = () => deleteWithRetry(ssh, name, SLOW_CALL_TIMEOUT_MS);
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
    const device = ['http', 'proxy', `listen=tcp:127.0.0.1:${port}`, 'connect=tcp:127.0.0.1:8080', 'bind=host'];
    return [
      {
        what: 'create → healthy',
        key: 'lxcCliCreateHealthyMs',
        run: async () => {
          const launched = await timeIt(() => ssh(['lxc', 'launch', image, name, ...config], SLOW_CALL_TIMEOUT_MS));
          const added = await timeIt(() => ssh(['lxc', 'config', 'device', 'add', name, ...device]));
          const healthy = await timeIt(waitHealthy);
          ctx.log(`    lxc launch ${launched.toFixed(0)} ms, device add ${added.toFixed(0)} ms, healthy ${healthy.toFixed(0)} ms later`);
        },
      },
      { what: 'stop', key: 'lxcCliStopMs', run: async () => void (await ssh(['lxc', 'stop', name])) },
      {
        what: 'start → healthy',
        key: 'lxcCliStartHealthyMs',
        run: async () => {
          await ssh(['lxc', 'start', name]);
          await waitHealthy();
        },
      },
      {
        what: 'snapshot',
        key: 'lxcCliSnapshotMs',
        run: async () => void (await ssh(['lxc', 'snapshot', name, 'snap0'], SLOW_CALL_TIMEOUT_MS)),
      },
      {
        what: 'restore',
        key: 'lxcCliRestoreMs',
        run: async () => void (await ssh(['lxc', 'restore', name, 'snap0'], SLOW_CALL_TIMEOUT_MS)),
      },
      { what: 'stop after the samples', run: async () => void (await ssh(['lxc', 'stop', '--force', name])) },
    ];
  };

  // Step by step, the two sides one right after the other (ABBA over the
  // rounds: who goes first alternates, so neither always meets a machine the
  // other just warmed, nor always the colder one). A pair of samples is
  // seconds apart, so the lab's drift (other suites, the page cache) hits
  // both alike; each round's ratio is kept (bench.pairs).
  const sides: Side[] = [
    { label: 'Swarm', life: swarmLife, ok: true },
    { label: 'lxc', life: cliLife, ok: true },
  ];
  for (let i = 0; i < n && !ctx.signal.aborted; i++) {
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    ctx.log(`LXD: round ${i + 1}/${n}, ${order.map((s) => s.label).join(' then ')} at each step`);
    const lives = order.map((side) => ({ side, steps: side.ok ? side.life(i) : [] }));
    const samples: Partial<Record<LxdJsonKey, number>> = {};
    const steps = Math.max(...lives.map((l) => l.steps.length));
    for (let k = 0; k < steps; k++) {
      for (const { side, steps: life } of lives) {
        const s = life[k];
        if (!side.ok || s === undefined || ctx.signal.aborted) continue;
        side.ok = await step(`${side.label} round ${i + 1} ${s.what}`, async () => {
          const ms = await timeIt(s.run);
          if (s.key === undefined) return;
          figures[s.key].samples.push(ms);
          samples[s.key] = ms;
          ctx.log(`  ${side.label} ${s.what}: ${ms.toFixed(1)} ms`);
        });
      }
    }
    bench.rounds.push(samples);
  }

  ctx.log(`LXD: deleting ${toDelete.length} instance(s)`);
  const deleted = await Promise.allSettled(toDelete.map((d) => d()));
  for (const r of deleted) if (r.status === 'rejected') bench.errors.push(`lxd delete: ${firstLine(r.reason)}`);
  bench.wallMs = performance.now() - started;
  ctx.log(`LXD part done in ${(bench.wallMs / 1000).toFixed(1)} s`);
}

/** Each round's ours ÷ theirs, where the round has both. */
function pairedRatios(rounds: ReadonlyArray<Partial<Record<LxdJsonKey, number>>>, ours: LxdJsonKey, theirs: LxdJsonKey): number[] {
  return rounds.flatMap((r) => {
    const a = r[ours];
    const b = r[theirs];
    return a === undefined || b === undefined || b === 0 ? [] : [a / b];
  });
}

/** "0.93× (0.85–1.02)": the median of the rounds' ratios and their spread. */
function pairedCell(ratios: readonly number[]): string {
  if (ratios.length === 0) return 'n/a';
  return `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
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
  const ratioRows = PAIRS.map(([label, ours, theirs]) => {
    const a = medianOf(figures[ours]);
    const b = medianOf(figures[theirs]);
    const ratio = a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;
    return [
      label,
      a === undefined ? 'n/a' : `${(a / 1000).toFixed(2)} s`,
      b === undefined ? 'n/a' : `${(b / 1000).toFixed(2)} s`,
      ratio,
      pairedCell(pairedRatios(bench.rounds, ours, theirs)),
    ];
  });
  const wall = bench.wallMs === undefined ? '' : `, LXD part ${(bench.wallMs / 1000).toFixed(0)} s`;
  return [
    `LXD on ${HOST} (${quick ? 'quick' : 'full'}, image ${lab().lxdImage}${wall})`,
    '',
    renderTable(['figure (ms)', 'median', 'min', 'max', 'n'], rows),
    '',
    renderTable(['LXD operation', 'Swarm', 'lxc over ssh', 'Swarm ÷ lxc', 'each round: median (min–max)'], ratioRows),
    ...(bench.notes.length > 0 ? ['', ...bench.notes.map((x) => `note: ${x}`)] : []),
  ].join('\n');
}
