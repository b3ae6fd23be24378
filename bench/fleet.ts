// Fleet-scale figures (issue 7): 10 hosts × 50 instances on the lab's fleet,
// ten Docker hosts (fleet01..fleet10, `scripts/testbed fleet-up`) built like
// alpha: each its own network namespace, sshd, user and engine. Each host
// record has its own SSH connection and its engine holds just its own 50
// instances, so each list returns 50 rows, as on ten real hosts. The bench
// starts the fleet when it is not up (as root) and stops it again at the end
// if it started it (--keep-fleet leaves it up).
//
//   node out/bench/fleet.js [--watch-minutes N] [--hosts H] [--per-host P] [--keep-fleet]
//     standalone, ends with one JSON line (also run by npm run bench; --quick skips it)
//   With more host records than fleet hosts, records share fleet hosts round-robin.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Docker from 'dockerode';
import type { EngineWatcher } from '../src/core/engineWatcher.js';
import type { InstanceState } from '../src/shared/model.js';
import type { Swarm } from '../src/core/swarm.js';
import { containerName } from '../src/providers/docker/dockerNames.js';
import { eventually } from '../test/lab/eventually.js';
import { eachLimited, removeLabelledFrom } from '../test/lab/fleet.js';
import { lab, labSwarm, type LabHost } from '../test/lab/lab.js';
import { readLabEnv } from '../test/lab/labEnv.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { createSshWrapper } from './createSshWrapper.js';
import { dashboardRoundMs } from './dashboardCost.js';
import { median } from './median.js';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

export interface FleetFigures {
  refresh500Ms: number | null;
  dockerCliSshRefresh500Ms: number | null;
  healthRound500Ms: number | null;
  healthCpuPercent: number | null;
  /** The open dashboard's own work per round (history, model, JSON) over the whole fleet. */
  dashboardRoundMs: number | null;
  /** healthCpuPercent plus that work once per health round: the dashboard open. */
  dashboardCpuPercent: number | null;
  heapGrowthMB: number | null;
  /** A container stopped on its engine, by hand, until the store shows it (engine events; the timed refresh would take up to refreshIntervalSeconds). */
  eventToStoreMs: number | null;
}

export interface FleetDetail extends FleetFigures {
  readonly instances: number;
  readonly hosts: number;
  populateMs: number;
  refreshSamples: number[];
  /** This process's CPU (user + system) per warm refresh, over the same samples: our own cost, steadier than the wall time on a shared machine. */
  refreshCpuMs: number | null;
  engineListFloorMs: number | null;
  engineListFloorSamples: number[];
  dockerCliSamples: number[];
  healthSamples: number[];
  eventToStoreSamples: number[];
  /** Hosts whose event stream was open through the CPU and heap windows, as the Poller keeps them. */
  watchedHosts: number;
  healthIntervalS: number;
  refreshIntervalS: number;
  cpuWindowS: number;
  cpuRounds: number;
  heapSamplesMB: number[];
  heapLateSlopeMBPerMin: number | null;
  handlesBefore: number;
  handlesAfter: number;
  /** The Docker hosts behind the records: the fleet's, one engine each. */
  engines: string[];
  /** Whether this run started the fleet (and so stops it at the end). */
  fleetStarted: boolean;
  /** The machine's MemAvailable (MB): before the fleet (when this run starts it), with the fleet idle, with every instance healthy. */
  memAvailableMB: { beforeFleet: number | null; fleetIdle: number; populated: number | null };
}

export interface FleetOptions {
  readonly hosts?: number;
  readonly perHost?: number;
  readonly watchMinutes?: number;
  /** Leave the fleet up at the end even when this run started it. */
  readonly keepFleet?: boolean;
  readonly log?: (line: string) => void;
}

/** A host record of the bench and the fleet host behind it. */
interface FleetRecord {
  readonly name: string;
  readonly on: string;
  readonly lab: LabHost;
}

const HOST_COUNT = 10;
const PER_HOST = 50;
const CREATE_CONCURRENCY = 16;

/** The extension's own defaults, read from its manifest so the bench never probes less often than a user would. */
function defaultIntervals(): { healthS: number; refreshS: number } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default: unknown }> } };
  };
  const p = pkg.contributes.configuration.properties;
  return {
    healthS: Number(p['codeSwarm.healthIntervalSeconds']?.default),
    refreshS: Number(p['codeSwarm.refreshIntervalSeconds']?.default),
  };
}

/** A gc() without --expose-gc on the command line, so heap samples are live data, not garbage. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const heapMB = (gc: () => void) => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memAvailableMB(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

/** The fleet as env.json describes it now (read afresh: `fleet-up` rewrites it after lab() cached it). */
function readFleet(): Record<string, LabHost> {
  return readLabEnv(join(lab().root, 'env.json')).fleet ?? {};
}

async function fleetAnswers(fleet: Record<string, LabHost>): Promise<boolean> {
  const hosts = Object.values(fleet);
  if (hosts.length === 0) return false;
  const pings = await Promise.allSettled(hosts.map((h) => new Docker({ socketPath: h.engineSocketOnLabMachine }).ping()));
  return pings.every((p) => p.status === 'fulfilled');
}

const TESTBED = join(ROOT, 'scripts', 'testbed');

/** The fleet's hosts, started with `scripts/testbed fleet-up` when they are not up; `started` says whether this call did. */
async function ensureFleet(log: (l: string) => void): Promise<{ fleet: Record<string, LabHost>; started: boolean }> {
  let fleet = readFleet();
  if (await fleetAnswers(fleet)) return { fleet, started: false };
  if (process.getuid?.() !== 0)
    throw new Error('the lab\'s fleet is not up: run "bash scripts/testbed fleet-up" as root (or run the bench as root)');
  log('the fleet is not up: scripts/testbed fleet-up');
  const t0 = performance.now();
  await execFileAsync('bash', [TESTBED, 'fleet-up'], { timeout: 15 * 60_000, maxBuffer: 16 * 2 ** 20 }).catch(
    (e: { stderr?: string; message: string }) => {
      throw new Error(`scripts/testbed fleet-up failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`);
    },
  );
  log(`fleet up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  fleet = readFleet();
  if (!(await fleetAnswers(fleet))) throw new Error("scripts/testbed fleet-up ended but the fleet's engines do not answer");
  return { fleet, started: true };
}

async function stopFleet(log: (l: string) => void): Promise<void> {
  log('stopping the fleet this run started (scripts/testbed fleet-down)');
  await execFileAsync('bash', [TESTBED, 'fleet-down'], { timeout: 5 * 60_000 }).catch((e: Error) =>
    log(`fleet-down failed: ${e.message.split('\n')[0]}`),
  );
}

export async function runFleetBench(options: FleetOptions = {}): Promise<FleetDetail> {
  const log = options.log ?? ((l: string) => process.stderr.write(`[fleet] ${l}\n`));
  const hostCount = options.hosts ?? HOST_COUNT;
  const perHost = options.perHost ?? PER_HOST;
  const watchMinutes = options.watchMinutes ?? 10;
  const { healthS, refreshS } = defaultIntervals();
  const gc = exposeGc();
  const memBefore = memAvailableMB();
  const { fleet, started } = await ensureFleet(log);
  const fleetNames = Object.keys(fleet).sort();
  const hosts: FleetRecord[] = Array.from({ length: hostCount }, (_, i) => {
    const on = fleetNames[i % fleetNames.length] as string;
    return { name: `fleet-${i}`, on, lab: fleet[on] as LabHost };
  });
  const d: FleetDetail = {
    refresh500Ms: null,
    dockerCliSshRefresh500Ms: null,
    healthRound500Ms: null,
    healthCpuPercent: null,
    dashboardRoundMs: null,
    dashboardCpuPercent: null,
    heapGrowthMB: null,
    eventToStoreMs: null,
    instances: hostCount * perHost,
    hosts: hostCount,
    populateMs: 0,
    refreshSamples: [],
    refreshCpuMs: null,
    engineListFloorMs: null,
    engineListFloorSamples: [],
    dockerCliSamples: [],
    healthSamples: [],
    eventToStoreSamples: [],
    watchedHosts: 0,
    healthIntervalS: healthS,
    refreshIntervalS: refreshS,
    cpuWindowS: 60,
    cpuRounds: 0,
    heapSamplesMB: [],
    heapLateSlopeMBPerMin: null,
    handlesBefore: 0,
    handlesAfter: 0,
    engines: [...new Set(hosts.map((h) => h.on))],
    fleetStarted: started,
    memAvailableMB: { beforeFleet: started ? memBefore : null, fleetIdle: memAvailableMB(), populated: null },
  };
  log(`${hostCount} host records on ${d.engines.length} fleet engines (${d.engines.join(' ')})`);

  const stopFleetIfOurs = async () => {
    if (started && !options.keepFleet) await stopFleet(log);
  };
  let made: Awaited<ReturnType<typeof labSwarm>> & { storeId: string };
  try {
    const m = await labSwarm();
    made = { ...m, storeId: (await m.swarm.store.read()).storeId };
  } catch (e) {
    await stopFleetIfOurs();
    throw e;
  }
  const { swarm, dir, storeId } = made;
  let engines: EngineWatcher | undefined;
  try {
    for (const h of hosts) {
      await swarm.addHost({
        name: h.name,
        ssh: `${h.lab.user}@${h.lab.address}:${h.lab.port}`,
        identityFile: lab().clientKey,
        provider: h.lab.provider,
      });
    }
    const specs = hosts.flatMap((h, hi) =>
      Array.from({ length: perHost }, (_, i) => ({ name: `fl${hi}-${i}-${storeId.slice(0, 6)}`, host: h.name })),
    );
    log(`creating ${specs.length} light instances on ${hostCount} hosts, ${CREATE_CONCURRENCY} at a time`);
    let t0 = performance.now();
    const made = await eachLimited(
      specs,
      CREATE_CONCURRENCY,
      (s) => swarm.create({ name: s.name, host: s.host, image: lab().lightImage, cpus: 0.1, memory: '64m' }),
      (s) => s.name,
    );
    d.populateMs = Math.round(performance.now() - t0);
    const failed = made.filter((o) => o.error);
    if (failed.length > 0) throw new Error(`${failed.length} creates failed, e.g. ${failed[0]?.name}: ${failed[0]?.error}`);
    log(`created in ${(d.populateMs / 1000).toFixed(1)} s; waiting for all to be healthy`);
    await untilAllHealthy(swarm, specs.length, 180_000);
    d.memAvailableMB.populated = memAvailableMB();

    log('refresh (warm): 3 warm-ups, then 10 samples');
    for (let i = 0; i < 3; i++) await swarm.refresh();
    const refreshCpu0 = process.cpuUsage();
    for (let i = 0; i < 10; i++) {
      t0 = performance.now();
      const views = await swarm.refresh();
      d.refreshSamples.push(round1(performance.now() - t0));
      if (views.length !== specs.length) throw new Error(`a refresh listed ${views.length} instances, not ${specs.length}`);
    }
    const refreshCpu = process.cpuUsage(refreshCpu0);
    d.refreshCpuMs = round1((refreshCpu.user + refreshCpu.system) / 1000 / d.refreshSamples.length);
    d.refresh500Ms = round1(median(d.refreshSamples));
    await profileIfAsked('CODE_SWARM_PROFILE_REFRESHES', 'code-swarm-refresh.cpuprofile', () => swarm.refresh());

    // What the engines alone need for the same 10 lists at once, straight on
    // their sockets (no SSH, no parsing of ours): the floor under refresh500Ms.
    log("engine floor: the same lists on the engines' own sockets, 10 samples");
    for (let i = 0; i < 10; i++) {
      t0 = performance.now();
      await Promise.all(
        hosts.map((h) =>
          new Docker({ socketPath: h.lab.engineSocketOnLabMachine }).listContainers({
            all: true,
            filters: { label: ['code-swarm.instance'] },
          }),
        ),
      );
      d.engineListFloorSamples.push(round1(performance.now() - t0));
    }
    d.engineListFloorMs = round1(median(d.engineListFloorSamples));

    d.dockerCliSamples = await dockerCliRefresh(hosts, log);
    d.dockerCliSshRefresh500Ms = d.dockerCliSamples.length ? median(d.dockerCliSamples) : null;

    log('health rounds: 1 warm-up, then 5 samples');
    await swarm.healthRound();
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      const samples = await swarm.healthRound();
      d.healthSamples.push(round1(performance.now() - t0));
      const healthy = [...samples.values()].filter((s) => s.health === 'healthy').length;
      if (healthy !== specs.length) throw new Error(`a health round found ${healthy} of ${specs.length} healthy`);
    }
    d.healthRound500Ms = round1(median(d.healthSamples));

    // The engines' event streams, as the Poller keeps them: one per host,
    // open from here on, so the CPU and heap windows below include them.
    engines = swarm.engineWatcher();
    await engines.sync();
    const watching = engines;
    await eventually(
      "every host's event stream open",
      async () => hosts.every((h) => watching.isOpen(h.name)),
      (open) => open,
      30_000,
      50,
    );
    d.watchedHosts = hosts.filter((h) => watching.isOpen(h.name)).length;
    log("engine events: 5 containers stopped and started on their engines' own sockets, time until the store shows each stop");
    for (let i = 0; i < 5; i++) {
      const h = hosts[i % hosts.length] as FleetRecord;
      const spec = specs.filter((s) => s.host === h.name)[Math.floor(i / hosts.length)] as { name: string };
      const container = new Docker({ socketPath: h.lab.engineSocketOnLabMachine }).getContainer(containerName(spec.name));
      const stopped = storeShows(swarm, spec.name, 'stopped', 15_000);
      await container.stop({ t: 0 });
      t0 = performance.now();
      await stopped;
      d.eventToStoreSamples.push(round1(performance.now() - t0));
      const running = storeShows(swarm, spec.name, 'running', 15_000);
      await container.start();
      await running;
    }
    d.eventToStoreMs = round1(median(d.eventToStoreSamples));
    await untilAllHealthy(swarm, specs.length, 60_000);

    // The health monitor alone at the default interval, as the Poller runs it
    // (setInterval, a round never overlapping the previous one).
    log(`CPU: health rounds every ${healthS} s for ${d.cpuWindowS} s`);
    await sleep(2_000);
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    // A little past the window so that its last tick (at exactly 60 s) runs and is counted.
    await watch(swarm, { healthS, refreshS: 0 }, d.cpuWindowS * 1000 + 500, () => d.cpuRounds++);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // Per window of the stated length: the CPU of the rounds a full window holds.
    d.healthCpuPercent = round1((cpuMs / Math.max(d.cpuWindowS * 1000, performance.now() - wall0)) * 100);
    d.dashboardRoundMs = round1(await dashboardRoundMs(swarm));
    d.dashboardCpuPercent = round1(d.healthCpuPercent + (d.dashboardRoundMs / (healthS * 1000)) * 100);
    await profileIfAsked('CODE_SWARM_PROFILE_ROUNDS', 'code-swarm-health.cpuprofile', () => swarm.healthRound());

    if (watchMinutes > 0) {
      log(`heap: watching for ${watchMinutes} min (health every ${healthS} s, refresh every ${refreshS} s, as with the view open)`);
      d.handlesBefore = process.getActiveResourcesInfo().length;
      d.heapSamplesMB.push(round1(heapMB(gc)));
      const stepMs = 30_000;
      for (let elapsed = 0; elapsed < watchMinutes * 60_000; elapsed += stepMs) {
        await watch(swarm, { healthS, refreshS }, stepMs, () => undefined);
        d.heapSamplesMB.push(round1(heapMB(gc)));
      }
      d.handlesAfter = process.getActiveResourcesInfo().length;
      d.heapGrowthMB = round1((d.heapSamplesMB.at(-1) ?? 0) - (d.heapSamplesMB[0] ?? 0));
      d.heapLateSlopeMBPerMin = round1(slopePerMinute(d.heapSamplesMB.slice(Math.floor(d.heapSamplesMB.length / 2)), stepMs) ?? 0);
    }
  } finally {
    // Deletes are not measured here (test/integration/load.test.ts covers
    // them): the engines remove the fleet by its store label, which is quicker.
    log('removing the instances');
    engines?.dispose();
    swarm.dispose();
    try {
      await removeLabelledFrom(
        storeId,
        [...new Set(hosts.map((h) => h.lab))].map((h) => new Docker({ socketPath: h.engineSocketOnLabMachine })),
        8,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await stopFleetIfOurs();
    }
  }
  return d;
}

/** With `NAME=N` in the environment, a CPU profile of N more runs of `op` goes to the temp dir (to find where the time goes). */
async function profileIfAsked(name: string, file: string, op: () => Promise<unknown>): Promise<void> {
  const runs = Number(process.env[name] ?? 0);
  if (!(runs > 0)) return;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    for (let i = 0; i < runs; i++) await op();
    const { profile } = await session.post('Profiler.stop');
    await writeFile(join(tmpdir(), file), JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}

/** Runs the Poller's timers (health, and refresh when refreshS > 0) for `ms`, rounds never overlapping. */
async function watch(swarm: Swarm, every: { healthS: number; refreshS: number }, ms: number, onRound: () => void): Promise<void> {
  let checking: Promise<unknown> | undefined;
  let refreshing: Promise<unknown> | undefined;
  const timers = [
    setInterval(() => {
      if (checking || refreshing) return;
      onRound();
      checking = swarm.healthRound().finally(() => (checking = undefined));
    }, every.healthS * 1000),
  ];
  if (every.refreshS > 0) {
    timers.push(
      setInterval(() => {
        if (refreshing) return;
        refreshing = swarm
          .refresh()
          .then(() => swarm.healthRound())
          .finally(() => (refreshing = undefined));
      }, every.refreshS * 1000),
    );
  }
  await sleep(ms);
  for (const t of timers) clearInterval(t);
  await Promise.all([checking, refreshing]);
}

/** Resolves when the store shows the instance in `state`, checked on each of the Swarm's 'instances' events (no polling of ours to skew the time). */
function storeShows(swarm: Swarm, name: string, state: InstanceState, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () =>
      void swarm.store.read().then((f) => {
        if (f.instances.find((i) => i.name === name)?.state !== state) return;
        done();
        resolve();
      }, reject);
    const off = swarm.on('instances', check);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the store did not show ${name} ${state} within ${timeoutMs} ms of the change on its engine`));
    }, timeoutMs);
    function done() {
      off();
      clearTimeout(timer);
    }
  });
}

async function untilAllHealthy(swarm: Swarm, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const samples = await swarm.healthRound();
    const healthy = [...samples.values()].filter((s) => s.health === 'healthy').length;
    if (healthy === count) return;
    if (performance.now() > deadline) throw new Error(`only ${healthy} of ${count} instances became healthy`);
    await sleep(1_000);
  }
}

/** `docker -H ssh://… ps -a` for the same 10 hosts, all at once, as a script watching them would. */
async function dockerCliRefresh(hosts: readonly FleetRecord[], log: (l: string) => void): Promise<number[]> {
  const env = lab();
  const wrapper = await createSshWrapper({ sshConfig: env.sshConfig, knownHosts: env.knownHosts, identityFile: env.clientKey });
  const samples: number[] = [];
  try {
    const targets = hosts.map(({ lab: l }) => `ssh://${l.user}@${l.address}${l.port === 22 ? '' : `:${l.port}`}`);
    const once = () =>
      Promise.all(
        targets.map(async (t) => {
          const r = await execFileAsync('docker', ['-H', t, 'ps', '-a', '--filter', 'label=code-swarm.instance'], {
            env: wrapper.env,
            timeout: 60_000,
            maxBuffer: 16 * 2 ** 20,
          });
          if (!r.stdout.startsWith('CONTAINER ID')) throw new Error(`docker ps printed no table: ${r.stderr.slice(0, 200)}`);
        }),
      );
    log(`docker -H ssh:// ps -a for the same ${hosts.length} hosts at once: 1 warm-up, then 5 samples`);
    await once();
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await once();
      samples.push(round1(performance.now() - t0));
    }
  } catch (e) {
    log(`docker CLI baseline failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    await wrapper.dispose();
  }
  return samples;
}

/** Least-squares slope of samples taken every stepMs, in units per minute. */
function slopePerMinute(ys: readonly number[], stepMs: number): number | undefined {
  if (ys.length < 2) return undefined;
  const xs = ys.map((_, i) => (i * stepMs) / 60_000);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < ys.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return num / den;
}

export function fleetJson(d: FleetDetail | undefined): FleetFigures {
  return {
    refresh500Ms: d?.refresh500Ms ?? null,
    dockerCliSshRefresh500Ms: d?.dockerCliSshRefresh500Ms ?? null,
    healthRound500Ms: d?.healthRound500Ms ?? null,
    healthCpuPercent: d?.healthCpuPercent ?? null,
    dashboardRoundMs: d?.dashboardRoundMs ?? null,
    dashboardCpuPercent: d?.dashboardCpuPercent ?? null,
    heapGrowthMB: d?.heapGrowthMB ?? null,
    eventToStoreMs: d?.eventToStoreMs ?? null,
  };
}

/** The fleet part of `npm run bench` (skipped by --quick: populating 500 instances alone takes minutes). */
export function createFleetBench(): BenchModule {
  let detail: FleetDetail | undefined;
  const errors: string[] = [];
  return {
    name: 'fleet',
    errors,
    async run(ctx: BenchContext) {
      try {
        detail = await runFleetBench({ log: (l) => ctx.log(`fleet: ${l}`) });
      } catch (e) {
        errors.push(`fleet: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    },
    json: () => ({ ...fleetJson(detail) }),
    missing: () =>
      Object.entries(fleetJson(detail))
        .filter(([, v]) => v === null)
        .map(([k]) => k),
    report: () => renderFleetReport(detail),
  };
}

function renderFleetReport(d: FleetDetail | undefined): string {
  if (!d) return 'Fleet: not measured\n';
  const ratio = d.refresh500Ms && d.dockerCliSshRefresh500Ms ? (d.dockerCliSshRefresh500Ms / d.refresh500Ms).toFixed(1) : '—';
  const rows: [string, string, string][] = [
    [
      `refresh, ${d.hosts} hosts × ${d.instances / d.hosts} (warm, median of ${d.refreshSamples.length})`,
      `${d.refresh500Ms} ms`,
      '≤ 100 ms',
    ],
    ['  CPU of this process per refresh (user + system)', `${d.refreshCpuMs} ms`, ''],
    ["  the same lists on the engines' own sockets (floor)", `${d.engineListFloorMs} ms`, ''],
    [`  docker -H ssh:// ps -a, same hosts at once (${ratio}× ours)`, `${d.dockerCliSshRefresh500Ms} ms`, ''],
    [`health round over ${d.instances} (median of ${d.healthSamples.length})`, `${d.healthRound500Ms} ms`, '≤ 1000 ms'],
    [
      `health monitor CPU, every ${d.healthIntervalS} s for ${d.cpuWindowS} s (${d.cpuRounds} rounds; ${d.watchedHosts} event streams open)`,
      `${d.healthCpuPercent} % of a core`,
      '≤ 2 %',
    ],
    [
      `  with the dashboard open: + its own work per round (${d.dashboardRoundMs} ms over ${d.instances} instances, full charts)`,
      `${d.dashboardCpuPercent} % of a core`,
      '≤ 2 % (closed or hidden: + 0)',
    ],
    [
      `docker stop on an engine → the store shows it (events; median of ${d.eventToStoreSamples.length})`,
      `${d.eventToStoreMs} ms`,
      `(timed refresh: up to ${d.refreshIntervalS} s)`,
    ],
    [
      `heap growth over the watch (late slope ${d.heapLateSlopeMBPerMin} MB/min; handles ${d.handlesBefore} → ${d.handlesAfter})`,
      `${d.heapGrowthMB} MB`,
      '≤ 50 MB',
    ],
    [`populate: ${d.instances} creates, 16 at a time`, `${(d.populateMs / 1000).toFixed(1)} s`, ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return ['Fleet (bench/fleet.ts)', ...rows.map(([a, b, c]) => `  ${a.padEnd(w)}  ${b.padStart(16)}  ${c}`)].join('\n') + '\n';
}

if (require.main === module) {
  const arg = (flag: string) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const watchMinutes = arg('--watch-minutes');
  const hostsArg = arg('--hosts');
  const perHostArg = arg('--per-host');
  runFleetBench({
    keepFleet: process.argv.includes('--keep-fleet'),
    ...(watchMinutes !== undefined ? { watchMinutes } : {}),
    ...(hostsArg !== undefined ? { hosts: hostsArg } : {}),
    ...(perHostArg !== undefined ? { perHost: perHostArg } : {}),
  }).then(
    (d) => {
      process.stdout.write(`${JSON.stringify(d)}\n${JSON.stringify(fleetJson(d))}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`fleet bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
