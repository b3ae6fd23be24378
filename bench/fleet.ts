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
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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
import type { BenchContext, BenchModule } from './benchModule.js';
import { dockerCliRefresh } from './fleetDockerCli.js';
import { dashboardRoundMs } from './dashboardCost.js';
import { ensureFleet, memAvailableMB, stopFleet } from './fleetHosts.js';
import { fleetJson, renderFleetReport, type FleetDetail } from './fleetFigures.js';
import { median } from './median.js';
import { profileIfAsked } from './profileIfAsked.js';
import { slopePerMinute } from './slope.js';

const ROOT = join(__dirname, '..', '..');

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
    dashboardHiddenRoundMs: null,
    dashboardHiddenCpuPercent: null,
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
    // Generous: on two shared cores the last of 500 starts can take minutes; this wait is not measured.
    await untilAllHealthy(swarm, specs.length, 360_000);
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
    const dashboard = await dashboardRoundMs(swarm);
    d.dashboardRoundMs = round1(dashboard.openMs);
    d.dashboardCpuPercent = round1(d.healthCpuPercent + (dashboard.openMs / (healthS * 1000)) * 100);
    // Two decimals: a hidden dashboard's share is far below the open one's.
    d.dashboardHiddenRoundMs = Math.round(dashboard.hiddenMs * 100) / 100;
    d.dashboardHiddenCpuPercent = Math.round((d.healthCpuPercent + (dashboard.hiddenMs / (healthS * 1000)) * 100) * 100) / 100;
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
    if (performance.now() > deadline) {
      const late = [...samples.entries()].filter(([, s]) => s.health !== 'healthy');
      const why = late.slice(0, 3).map(([name, s]) => `${name}: ${s.health}${s.detail ? ` (${s.detail})` : ''}`);
      throw new Error(`only ${healthy} of ${count} instances became healthy; ${why.join('; ')}`);
    }
    await sleep(1_000);
  }
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
