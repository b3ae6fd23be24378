// Code Swarm benchmarks, against the lab's hosts (scripts/testbed up): the
// parts in RUN_ORDER, one after the other: Docker on alpha (bench/docker.ts),
// LXD on gamma (bench/lxd.ts), tunnel throughput (bench/tunnel.ts), parallel
// creates (bench/parallelCreate.ts), 10 hosts × 50 instances (bench/fleet.ts:
// refresh, health round, health CPU, heap over a 10-minute watch, ~20 min),
// whole CLI processes beside the docker CLI (bench/cliProcess.ts), builds on
// the host, cold and cached (bench/build.ts), and last
// activation and bundle size (bench/activation.ts). docs/PERFORMANCE.md says
// what each figure is and how many samples a run takes.
//
//   npm run bench                      full run
//   node out/bench/index.js --quick    fewer samples, no LXD or fleet part: about two minutes
//   node out/bench/index.js --only activation,tunnel   just those parts (names: each part's, e.g. docker, cli)
//
// Progress goes to stderr; the table goes to stdout and its last line is one
// JSON object with the medians (ms unless the key says otherwise; null where
// a figure could not be measured or its part did not run).
import './withoutNativeAddons.js';
import { randomBytes } from 'node:crypto';
import { createActivationBench } from './activation.js';
import { createBuildBench } from './build.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { CleanupStack } from './cleanupStack.js';
import { createCliProcessBench } from './cliProcess.js';
import { createDockerBench } from './docker.js';
import { messageOf } from './figures.js';
import { createFleetBench } from './fleet.js';
import { createLxdBench } from './lxd.js';
import { createParallelCreateBench } from './parallelCreate.js';
import { createSwarmModeBench } from './swarmMode.js';
import { createTunnelBench } from './tunnel.js';

const QUICK = process.argv.includes('--quick');
/** `--only a,b` or `--only=a,b`: run just these parts (names: each module's). */
const ONLY = ((): Set<string> | undefined => {
  const i = process.argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  const arg = process.argv[i] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (process.argv[i + 1] ?? '');
  return new Set(
    value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
})();

/**
 * The parts, Docker first; the report and the JSON line keep this order
 * (Docker's keys first, then each part's). A new part is one more entry (see
 * bench/benchModule.ts), at the end, so the keys before it stay where they are.
 */
const MODULES: readonly BenchModule[] = [
  createDockerBench(),
  createLxdBench(),
  createActivationBench(),
  createTunnelBench(),
  createParallelCreateBench(),
  createFleetBench(),
  createCliProcessBench(),
  createSwarmModeBench(),
  createBuildBench(),
];
/**
 * The order the parts run in, never two at once: the workbench part last. It
 * drives Chromium through Playwright from this process, and afterwards this
 * process's V8 ran a full mark-compact every ~80 ms under the tunnel's buffer
 * churn (49 in one tunnel part against 1 without the workbench before it),
 * which doubled the CPU the same downloads cost and halved `tunnelMBps`
 * (docs/PERFORMANCE.md, "A workbench before the tunnel part"). The others
 * keep MODULES' order.
 */
const RUN_ORDER: readonly BenchModule[] = [
  ...MODULES.filter((m) => m.name !== 'activation'),
  ...MODULES.filter((m) => m.name === 'activation'),
];
/** LXD's creates and snapshots copy whole root file systems, and the fleet populates 500 instances: minutes, too slow for --quick. */
const SKIPPED_IN_QUICK = new Set(['lxd', 'fleet']);
const runs = (m: BenchModule) => (ONLY === undefined || ONLY.has(m.name)) && !(QUICK && SKIPPED_IN_QUICK.has(m.name));
/** Every name this run creates, on any host, carries the tag, so a sweep can find leftovers. */
const TAG = `bench-${randomBytes(3).toString('hex')}`;
/** The runner's own failures (cleanup); each part keeps its own in `errors`. */
const errors: string[] = [];
const cleanup = new CleanupStack();
/** Set by the first SIGINT/SIGTERM: the run stops at the next step and cleans up. */
const stop = new AbortController();
let exiting = false;

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function report(): string {
  const allErrors = [...MODULES.flatMap((m) => m.errors), ...errors];
  return [
    ...MODULES.filter(runs).flatMap((m) => ['', m.report(QUICK)]),
    ...(allErrors.length > 0 ? ['', ...allErrors.map((e) => `error: ${e}`)] : []),
    '',
    // Each part's keys in MODULES order, null where it did not run.
    JSON.stringify(Object.assign({}, ...MODULES.map((m) => m.json())) as Record<string, number | null>),
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
process.on('unhandledRejection', (e) =>
  emergencyExit(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1),
);

async function run(): Promise<void> {
  // A misspelt part would run nothing and pass: say which names there are.
  const unknown = [...(ONLY ?? [])].filter((name) => !MODULES.some((m) => m.name === name));
  if (unknown.length > 0) {
    log(`--only ${unknown.join(',')}: no such part; the parts are ${MODULES.map((m) => m.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
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
  const missing = MODULES.filter(runs).flatMap((m) => m.missing());
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
