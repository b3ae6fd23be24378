// Code Swarm benchmarks, against the lab's hosts (scripts/testbed up): the
// Docker part on alpha (below), then the parts in RUN_ORDER, one after the
// other: LXD on gamma (bench/lxd.ts), tunnel throughput (bench/tunnel.ts),
// parallel creates (bench/parallelCreate.ts), 10 hosts × 50 instances
// (bench/fleet.ts: refresh, health round, health CPU, heap over a 10-minute
// watch, ~20 min), and last activation and bundle size (bench/activation.ts).
// docs/PERFORMANCE.md says what each
// figure is and how many samples a run takes.
//
//   npm run bench                      full run
//   node out/bench/index.js --quick    fewer samples, no LXD or fleet part: under two minutes
//   node out/bench/index.js --only activation,tunnel   just those parts ('docker' is the part below)
//
// Progress goes to stderr; the table goes to stdout and its last line is one
// JSON object with the medians (ms unless the key says otherwise; null where
// a figure could not be measured or its part did not run).
import './withoutNativeAddons.js';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { SwarmError } from '../src/shared/errors.js';
import { FileSecretStore } from '../src/core/fileSecretStore.js';
import { Store } from '../src/core/store.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT, Swarm } from '../src/core/swarm.js';
import { parseMemory } from '../src/core/validate.js';
import { createDockerClient } from '../src/providers/docker/dockerClient.js';
import { DockerProvider } from '../src/providers/docker/dockerProvider.js';
import { loadKnownHostsFiles } from '../src/transport/knownHosts.js';
import { SshHostLink } from '../src/transport/sshHostLink.js';
import { lab, labConnection } from '../test/lab/lab.js';
import { baselineCreateHealthy } from './baselineCreateHealthy.js';
import { CleanupStack } from './cleanupStack.js';
import { createDockerodeSsh } from './createDockerodeSsh.js';
import { createSshWrapper } from './createSshWrapper.js';
import { createActivationBench } from './activation.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { createFleetBench } from './fleet.js';
import { createLxdBench } from './lxd.js';
import { createParallelCreateBench } from './parallelCreate.js';
import { createTunnelBench } from './tunnel.js';
import { median } from './median.js';
import { renderTable } from './renderTable.js';
import { timeIt } from './timeIt.js';

const execFileAsync = promisify(execFile);

const HOST = 'alpha';
const QUICK = process.argv.includes('--quick');
/** `--only a,b` or `--only=a,b`: run just these parts (names: docker and each module's). */
const ONLY = ((): Set<string> | undefined => {
  const i = process.argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  const arg = process.argv[i] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (process.argv[i + 1] ?? '');
  return new Set(value.split(',').map((x) => x.trim()).filter(Boolean));
})();
const selected = (part: string) => ONLY === undefined || ONLY.has(part);
const N = QUICK ? { list: 10, remoteList: 3, create: 3, lifecycle: 2 } : { list: 30, remoteList: 10, create: 5, lifecycle: 5 };
const LIST_WARMUP = 3;
const REMOTE_CALL_TIMEOUT_MS = 30_000;
const HEALTHY_TIMEOUT_MS = 120_000;

const TARGETS = { listSpeedup: 30, createRatio: 1.3, stopMs: 1_000, startHealthyMs: 2_000 };

type JsonKey =
  | 'listWarmMs'
  | 'dockerCliSshListMs'
  | 'dockerodeSshListMs'
  | 'createHealthyMs'
  | 'baselineCreateHealthyMs'
  | 'stopMs'
  | 'startHealthyMs';
type FigureKey = JsonKey | 'providerListMs' | 'providerListNoDelayMs' | 'startCallMs';

interface Figure {
  readonly label: string;
  readonly samples: number[];
  /** Why the figure is missing or partial. */
  note?: string;
}

const JSON_KEYS: readonly JsonKey[] = [
  'listWarmMs',
  'dockerCliSshListMs',
  'dockerodeSshListMs',
  'createHealthyMs',
  'baselineCreateHealthyMs',
  'stopMs',
  'startHealthyMs',
];

const figures: Record<FigureKey, Figure> = {
  listWarmMs: { label: "list: Swarm.refresh('alpha'), warm", samples: [] },
  providerListMs: { label: '  diagnostic: DockerProvider.list() alone, warm link', samples: [] },
  providerListNoDelayMs: { label: '  diagnostic: the same, socket with TCP_NODELAY', samples: [] },
  dockerCliSshListMs: { label: 'list: docker -H ssh://alpha@… ps -a', samples: [] },
  dockerodeSshListMs: { label: "list: dockerode protocol 'ssh' listContainers", samples: [] },
  createHealthyMs: { label: 'create → healthy: Swarm.create + waitHealthy', samples: [] },
  baselineCreateHealthyMs: { label: 'create → healthy: docker run + /healthz poll (baseline)', samples: [] },
  stopMs: { label: 'stop: Swarm.stop', samples: [] },
  startHealthyMs: { label: 'start → healthy: Swarm.start + waitHealthy', samples: [] },
  startCallMs: { label: '  of which Swarm.start() itself', samples: [] },
};

const errors: string[] = [];

/**
 * The parts after the Docker one, run in this order, never two at once; each
 * adds its keys to the JSON line after the Docker part's. A new part is one
 * more entry (see bench/benchModule.ts).
 */
const MODULES: readonly BenchModule[] = [createLxdBench(), createActivationBench(), createTunnelBench(), createParallelCreateBench(), createFleetBench()];
/**
 * The order the parts run in: the workbench part last. It drives Chromium
 * through Playwright from this process, and afterwards this process's V8 ran
 * a full mark-compact every ~80 ms under the tunnel's buffer churn (49 in one
 * tunnel part against 1 without the workbench before it), which doubled the
 * CPU the same downloads cost and halved `tunnelMBps` (docs/PERFORMANCE.md,
 * "A workbench before the tunnel part"). The report keeps MODULES' order.
 */
const RUN_ORDER: readonly BenchModule[] = [...MODULES.filter((m) => m.name !== 'activation'), ...MODULES.filter((m) => m.name === 'activation')];
/** LXD's creates and snapshots copy whole root file systems, and the fleet populates 500 instances: minutes, too slow for --quick. */
const SKIPPED_IN_QUICK = new Set(['lxd', 'fleet']);
const runs = (m: BenchModule) => selected(m.name) && !(QUICK && SKIPPED_IN_QUICK.has(m.name));
/** Every name this run creates, on either host, carries the tag, so a sweep can find leftovers. */
const TAG = `bench-${randomBytes(3).toString('hex')}`;
/** Times the Swarm saw its link to the host go down during the run. */
const linkDrops: string[] = [];
const cleanup = new CleanupStack();
/** Set by the first SIGINT/SIGTERM: the run stops at the next step and cleans up. */
const stop = new AbortController();
let exiting = false;

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function messageOf(e: unknown): string {
  if (e instanceof SwarmError) return e.oneLine();
  return e instanceof Error ? e.message : String(e);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function medianOf(key: FigureKey): number | undefined {
  const s = figures[key].samples;
  return s.length > 0 ? median(s) : undefined;
}

function checkInterrupted(): void {
  if (stop.signal.aborted) throw new Error('interrupted');
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a phase; a failure is recorded and the run goes on to the next phase. */
async function phase(name: string, fn: () => Promise<void>, keys: readonly FigureKey[] = []): Promise<void> {
  if (stop.signal.aborted) return;
  try {
    await fn();
  } catch (e) {
    errors.push(`${name}: ${messageOf(e)}`);
    log(`${name} FAILED: ${messageOf(e)}`);
  }
  for (const k of keys) {
    const s = figures[k].samples;
    if (s.length > 0) log(`  ${figures[k].label.trim()}: ${s.map((x) => x.toFixed(1)).join(' ')}`);
  }
}

/** Removes every container and volume whose name carries this run's tag. */
async function sweep(docker: Docker, tag: string): Promise<string[]> {
  const removed: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { name: [tag] } });
  for (const c of containers) {
    await docker.getContainer(c.Id).remove({ force: true, v: true });
    removed.push(`container ${c.Names?.[0] ?? c.Id}`);
  }
  const { Volumes } = await docker.listVolumes({ filters: { name: [tag] } });
  for (const v of Volumes ?? []) {
    await docker.getVolume(v.Name).remove();
    removed.push(`volume ${v.Name}`);
  }
  return removed;
}

async function main(): Promise<void> {
  const env = lab();
  const h = env.hosts[HOST];
  const image = env.dockerImage;
  const tag = TAG;
  log(`${QUICK ? 'quick' : 'full'} run on ${HOST} (${h.user}@${h.address}:${h.port}), image ${image}, tag ${tag}`);

  const stateDir = await mkdtemp(join(tmpdir(), 'code-swarm-bench-state-'));
  cleanup.add(`remove ${stateDir}`, () => rm(stateDir, { recursive: true, force: true }));
  const store = await Store.open(stateDir);
  const secrets = await FileSecretStore.open(stateDir);
  const swarm = new Swarm({ store, secrets, access: { knownHostsFiles: [env.knownHosts], agentSocket: '' } });
  cleanup.add('dispose the Swarm', () => swarm.dispose());

  // The baseline's own link: one SSH connection, same key checks as the Swarm's.
  const baseLink = new SshHostLink(labConnection(HOST));
  cleanup.add('close the baseline link', () => baseLink.dispose());
  const baseDocker = createDockerClient(baseLink, h.remoteSocket);
  cleanup.add(`sweep ${tag}`, async () => {
    const removed = await sweep(baseDocker, tag);
    if (removed.length > 0) log(`sweep removed leftovers: ${removed.join(', ')}`);
  });

  /** Cleanup for an instance made through the Swarm; the sweep catches what this misses. */
  const trackInstance = (name: string) =>
    cleanup.add(`delete instance ${name}`, async () => {
      try {
        await swarm.delete(name, { purge: true });
      } catch (e) {
        if (!(e instanceof SwarmError && e.code === 'not-found')) throw e;
      }
    });

  // A benchmark whose link dropped measured reconnects, not the product: note every drop.
  swarm.on('hosts', () => {
    void swarm
      .hosts()
      .then((hosts) => {
        const me = hosts.find((x) => x.name === HOST);
        if (me?.reachability === 'down') linkDrops.push(`${new Date().toISOString()} ${me.error ?? 'no detail'}`);
      })
      .catch(() => undefined);
  });

  log(`adding host ${HOST}`);
  await swarm.addHost({ name: HOST, ssh: `${h.user}@${h.address}:${h.port}`, identityFile: env.clientKey }, { onUnknownHostKey: () => false });

  // One instance lives through the list and lifecycle phases, so a refresh has something to reconcile.
  const lifeName = `${tag}-life`;
  let lifeReady = false;
  let untrackLife: () => void = () => undefined;
  await phase('setup', async () => {
    log(`creating ${lifeName} for the list and stop/start phases`);
    untrackLife = trackInstance(lifeName);
    await swarm.create({ name: lifeName, host: HOST, image });
    await swarm.waitHealthy(lifeName, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: stop.signal });
    lifeReady = true;
  });

  // ---------------------------------------------------------------- (a) list
  await phase('list: Swarm.refresh', async () => {
    log(`list: Swarm.refresh('${HOST}') ×${LIST_WARMUP} warm-up, then ×${N.list}`);
    // refresh() swallows a host failure (it marks the host down): check every sample really listed.
    const check = async (views: Awaited<ReturnType<Swarm['refresh']>>, what: string) => {
      const host = (await swarm.hosts()).find((x) => x.name === HOST);
      if (host?.reachability !== 'up') throw new Error(`${what}: ${HOST} is ${host?.reachability ?? 'gone'} (${host?.error ?? 'no detail'})`);
      if (lifeReady && !views.some((v) => v.name === lifeName && v.state === 'running')) throw new Error(`${what}: refresh did not report ${lifeName} running`);
    };
    for (let i = 0; i < LIST_WARMUP; i++) await check(await swarm.refresh(HOST), `warm-up ${i + 1}`);
    for (let i = 0; i < N.list; i++) {
      checkInterrupted();
      const started = performance.now();
      const views = await swarm.refresh(HOST);
      figures.listWarmMs.samples.push(performance.now() - started);
      await check(views, `sample ${i + 1}`);
    }
  }, ['listWarmMs']);

  // Diagnostics, not targets: the provider's list alone (no store), on a warm
  // link of the same kind, and on one whose TCP socket has Nagle's algorithm
  // off. Interleaved so both see the same load.
  await phase('list: DockerProvider.list', async () => {
    const provider = new DockerProvider(baseLink, h.remoteSocket);
    const fastConn = labConnection(HOST);
    const fastLink = new SshHostLink(fastConn);
    const undo = cleanup.add('close the TCP_NODELAY link', () => fastLink.dispose());
    try {
      (await fastConn.ready()).setNoDelay(true);
      const fast = new DockerProvider(fastLink, h.remoteSocket);
      for (let i = 0; i < LIST_WARMUP; i++) await Promise.all([provider.list(), fast.list()]);
      for (let i = 0; i < N.list; i++) {
        checkInterrupted();
        figures.providerListMs.samples.push(await timeIt(() => provider.list()));
        figures.providerListNoDelayMs.samples.push(await timeIt(() => fast.list()));
      }
    } finally {
      fastLink.dispose();
      undo();
    }
  }, ['providerListMs', 'providerListNoDelayMs']);

  await phase('list: docker CLI over ssh', async () => {
    const wrapper = await createSshWrapper({ sshConfig: env.sshConfig, knownHosts: env.knownHosts, identityFile: env.clientKey });
    const undo = cleanup.add('remove the ssh wrapper', () => wrapper.dispose());
    try {
      const target = `ssh://${h.user}@${h.address}${h.port === 22 ? '' : `:${h.port}`}`;
      log(`list: docker -H ${target} ps -a ×1 warm-up, then ×${N.remoteList}`);
      const run = async () => {
        const r = await execFileAsync('docker', ['-H', target, 'ps', '-a'], { env: wrapper.env, timeout: REMOTE_CALL_TIMEOUT_MS });
        if (!r.stdout.startsWith('CONTAINER ID')) throw new Error(`docker ps printed no table: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`);
      };
      await run();
      for (let i = 0; i < N.remoteList; i++) {
        checkInterrupted();
        figures.dockerCliSshListMs.samples.push(await timeIt(run));
      }
    } catch (e) {
      const stderr = (e as { stderr?: unknown }).stderr;
      const detail = typeof stderr === 'string' && stderr.trim() !== '' ? ` (${stderr.trim().split('\n').slice(-1)[0] ?? ''})` : '';
      throw new Error(`${messageOf(e).split('\n')[0] ?? ''}${detail}`);
    } finally {
      await wrapper.dispose();
      undo();
    }
  }, ['dockerCliSshListMs']);

  await phase("list: dockerode protocol 'ssh'", async () => {
    const docker = createDockerodeSsh({
      host: h.address,
      port: h.port,
      username: h.user,
      privateKey: await readFile(env.clientKey),
      knownHosts: await loadKnownHostsFiles([env.knownHosts]),
      readyTimeoutMs: REMOTE_CALL_TIMEOUT_MS,
    });
    const list = () => withTimeout(docker.listContainers({ all: true }), REMOTE_CALL_TIMEOUT_MS, "dockerode's ssh listContainers");
    log(`list: dockerode protocol 'ssh' ×1 warm-up, then ×${N.remoteList}`);
    try {
      await list();
    } catch (e) {
      // Its transport runs `docker system dial-stdio` on the remote: say what is missing there.
      let remote = '';
      try {
        const r = await baseLink.exec(['sh', '-c', 'command -v docker && docker system dial-stdio --help >/dev/null && echo dial-stdio-ok'], { timeoutMs: 10_000 });
        remote = r.code === 0 ? `; remote docker CLI: ${r.stdout.trim().replace(/\n/g, ', ')}` : `; remote docker CLI unusable (exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 200)})`;
      } catch (e2) {
        remote = `; could not check the remote docker CLI: ${messageOf(e2)}`;
      }
      // Not a failure of the run: the figure is reported as null, with the reason.
      figures.dockerodeSshListMs.note = `dockerode's ssh protocol could not list, figure is null: ${messageOf(e)}${remote}`;
      log(figures.dockerodeSshListMs.note);
      return;
    }
    for (let i = 0; i < N.remoteList; i++) {
      checkInterrupted();
      figures.dockerodeSshListMs.samples.push(await timeIt(list));
    }
  }, ['dockerodeSshListMs']);

  // ------------------------------------------------------ (c) stop / start
  await phase('stop / start', async () => {
    if (!lifeReady) throw new Error(`${lifeName} was not created, see setup`);
    log(`stop / start → healthy ×${N.lifecycle}`);
    for (let i = 0; i < N.lifecycle; i++) {
      checkInterrupted();
      let state = '';
      figures.stopMs.samples.push(await timeIt(async () => ({ state } = await swarm.stop(lifeName))));
      if (state !== 'stopped') throw new Error(`after stop ${lifeName} is ${state}`);
      figures.startHealthyMs.samples.push(
        await timeIt(async () => {
          figures.startCallMs.samples.push(await timeIt(() => swarm.start(lifeName)));
          await swarm.waitHealthy(lifeName, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: stop.signal });
        }),
      );
    }
  }, ['stopMs', 'startHealthyMs', 'startCallMs']);
  if (lifeReady) {
    await phase('teardown', async () => {
      await swarm.delete(lifeName, { purge: true });
      untrackLife();
    });
  }

  // ------------------------------------------------- (b) create → healthy
  await phase('create → healthy', async () => {
    const spec = { cpus: DEFAULT_CPUS, memoryBytes: parseMemory(DEFAULT_MEMORY), pidsLimit: DEFAULT_PIDS_LIMIT };
    log(`create → healthy ×${N.create}, Swarm and baseline interleaved (ABBA)`);
    const ours = async (i: number) => {
      const name = `${tag}-c${i}`;
      const undo = trackInstance(name);
      figures.createHealthyMs.samples.push(
        await timeIt(async () => {
          await swarm.create({ name, host: HOST, image, cpus: spec.cpus, memory: DEFAULT_MEMORY });
          await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: stop.signal });
        }),
      );
      await swarm.delete(name, { purge: true });
      undo();
    };
    const baseline = async (i: number) => {
      const name = `${tag}-base${i}`;
      let id: string | undefined;
      const undo = cleanup.add(`remove container ${name}`, () => baseDocker.getContainer(id ?? name).remove({ force: true, v: true }));
      figures.baselineCreateHealthyMs.samples.push(
        await timeIt(() =>
          baselineCreateHealthy(baseDocker, baseLink, { name, image, ...spec, timeoutMs: HEALTHY_TIMEOUT_MS, signal: stop.signal }, (containerId) => {
            id = containerId;
          }),
        ),
      );
      await baseDocker.getContainer(id ?? name).remove({ force: true, v: true });
      undo();
    };
    for (let i = 0; i < N.create; i++) {
      checkInterrupted();
      if (i % 2 === 0) {
        await ours(i);
        await baseline(i);
      } else {
        await baseline(i);
        await ours(i);
      }
    }
  }, ['createHealthyMs', 'baselineCreateHealthyMs']);
}

function fmtMs(x: number | undefined): string {
  return x === undefined ? 'n/a' : x.toFixed(1);
}

function fmtRatio(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${x.toFixed(x >= 10 ? 0 : 2)}×`;
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS';
}

function report(): string {
  const order: FigureKey[] = [
    'listWarmMs',
    'providerListMs',
    'providerListNoDelayMs',
    'dockerCliSshListMs',
    'dockerodeSshListMs',
    'createHealthyMs',
    'baselineCreateHealthyMs',
    'stopMs',
    'startHealthyMs',
    'startCallMs',
  ];
  const rows = order.map((k) => {
    const f = figures[k];
    const s = f.samples;
    return [f.label, fmtMs(medianOf(k)), s.length > 0 ? fmtMs(Math.min(...s)) : 'n/a', s.length > 0 ? fmtMs(Math.max(...s)) : 'n/a', String(s.length)];
  });

  const list = medianOf('listWarmMs');
  const cli = medianOf('dockerCliSshListMs');
  const dode = medianOf('dockerodeSshListMs');
  const create = medianOf('createHealthyMs');
  const base = medianOf('baselineCreateHealthyMs');
  const stop = medianOf('stopMs');
  const start = medianOf('startHealthyMs');
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
  const cliSpeedup = ratio(cli, list);
  const dodeSpeedup = ratio(dode, list);
  const createRatio = ratio(create, base);
  const targetRows = [
    ['list: docker CLI over ssh ÷ Swarm.refresh', fmtRatio(cliSpeedup), `≥ ${TARGETS.listSpeedup}×`, verdict(cliSpeedup === undefined ? undefined : cliSpeedup >= TARGETS.listSpeedup)],
    ["list: dockerode 'ssh' ÷ Swarm.refresh", fmtRatio(dodeSpeedup), '(info)', ''],
    ['create → healthy: Swarm ÷ baseline', fmtRatio(createRatio), `≤ ${TARGETS.createRatio}×`, verdict(createRatio === undefined ? undefined : createRatio <= TARGETS.createRatio)],
    ['stop', stop === undefined ? 'n/a' : `${(stop / 1000).toFixed(2)} s`, `≤ ${TARGETS.stopMs / 1000} s`, verdict(stop === undefined ? undefined : stop <= TARGETS.stopMs)],
    ['start → healthy', start === undefined ? 'n/a' : `${(start / 1000).toFixed(2)} s`, `≤ ${TARGETS.startHealthyMs / 1000} s`, verdict(start === undefined ? undefined : start <= TARGETS.startHealthyMs)],
  ];

  const notes = (Object.keys(figures) as FigureKey[]).flatMap((k) => (figures[k].note ? [`note: ${figures[k].note}`] : []));
  if (linkDrops.length > 0) notes.push(`note: the Swarm's link to ${HOST} went down ${linkDrops.length}× during the run: ${linkDrops.join('; ')}`);
  const json: Record<JsonKey, number | null> = {} as Record<JsonKey, number | null>;
  for (const k of JSON_KEYS) {
    const m = medianOf(k);
    json[k] = m === undefined ? null : round1(m);
  }
  const ran = MODULES.filter(runs);
  const moduleErrors = MODULES.flatMap((m) => m.errors);
  return [
    ...(selected('docker')
      ? [
          '',
          `Code Swarm benchmark (${QUICK ? 'quick' : 'full'}): Docker on ${HOST}, ${new Date().toISOString()}`,
          '',
          renderTable(['figure (ms)', 'median', 'min', 'max', 'n'], rows),
          '',
          renderTable(['target', 'measured', 'target', ''], targetRows),
          ...(notes.length > 0 ? ['', ...notes] : []),
        ]
      : []),
    ...ran.flatMap((m) => ['', m.report(QUICK)]),
    ...(errors.length > 0 || moduleErrors.length > 0 ? ['', ...[...errors, ...moduleErrors].map((e) => `error: ${e}`)] : []),
    '',
    // Docker's keys first, as before; each part's keys follow in MODULES order (null where it did not run).
    JSON.stringify(Object.assign({ ...json }, ...MODULES.map((m) => m.json())) as Record<string, number | null>),
    '',
  ].join('\n');
}

/** A second signal or a crash outside any promise: clean the hosts up now, then leave. */
function emergencyExit(why: string, code: number): void {
  if (exiting) return;
  exiting = true;
  stop.abort();
  log(`${why}: cleaning up`);
  void cleanup.run().then((failures) => {
    for (const f of failures) log(`cleanup failed: ${f}`);
    process.exit(code);
  });
}

/**
 * The first signal lets the step in flight finish (waits for health are
 * cancelled), so what it creates is known and removed by the normal cleanup;
 * a second one cleans up at once.
 */
function onSignal(signal: NodeJS.Signals, code: number): void {
  if (stop.signal.aborted) {
    emergencyExit(`${signal} again`, code);
    return;
  }
  log(`${signal}: stopping after the current step, then cleaning up (send it again to force)`);
  process.exitCode = code;
  stop.abort();
}

process.on('SIGINT', () => onSignal('SIGINT', 130));
process.on('SIGTERM', () => onSignal('SIGTERM', 143));
process.on('uncaughtException', (e) => emergencyExit(`uncaught exception: ${e.stack ?? messageOf(e)}`, 1));
process.on('unhandledRejection', (e) => emergencyExit(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1));

async function run(): Promise<void> {
  const started = performance.now();
  if (selected('docker')) {
    try {
      await main();
    } catch (e) {
      errors.push(`run: ${messageOf(e)}`);
      log(`FAILED: ${messageOf(e)}`);
    }
  }
  // One part at a time: side by side they would share the machine's disk and CPUs.
  const ctx: BenchContext = { quick: QUICK, cleanup, signal: stop.signal, tag: TAG, log };
  for (const m of RUN_ORDER) {
    if (stop.signal.aborted || !runs(m)) continue;
    const t0 = performance.now();
    try {
      await m.run(ctx);
    } catch (e) {
      m.errors.push(`${m.name}: ${messageOf(e)}`);
      log(`${m.name} FAILED: ${messageOf(e)}`);
    }
    log(`${m.name} part took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  log('cleaning up');
  const failures = await cleanup.run();
  for (const f of failures) {
    errors.push(`cleanup: ${f}`);
    log(`cleanup failed: ${f}`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(report());
  const missing = [
    ...(selected('docker') ? JSON_KEYS.filter((k) => figures[k].samples.length === 0 && k !== 'dockerodeSshListMs') : []),
    ...MODULES.filter(runs).flatMap((m) => m.missing()),
  ];
  if (missing.length > 0) log(`missing figures: ${missing.join(', ')}`);
  if (!stop.signal.aborted && (errors.length > 0 || MODULES.some((m) => m.errors.length > 0) || missing.length > 0)) process.exitCode = 1;
  // Backstop: everything is disposed, so the loop should drain by itself. If
  // something still holds it, say what, instead of hanging the caller.
  setTimeout(() => {
    log(`still alive 5 s after cleanup; open resources: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(process.exitCode ?? 1);
  }, 5_000).unref();
}

void run();
