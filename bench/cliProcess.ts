// Whole `code-swarm` processes against the engine's own CLI, on the lab
// machine's local Docker engine: create (until healthy), list, stop, start
// (until healthy) and delete, each timed from spawn to exit, the same work
// done with `docker run -d … -p 127.0.0.1::8080` + polling /healthz (node
// http, 127.0.0.1 only), `docker ps -a`, `docker stop`, `docker start` +
// polling and `docker rm -f -v`, interleaved operation by operation (who goes
// first rotates by round). create has a second baseline: `docker run` of the
// same container code-swarm makes (on its isolated network, with a workspace
// volume), the same work done by hand. What a user of the CLI waits for: Node's start,
// loading the bundle, the store, hashing, the engine, the health polling, and
// the process's exit.
//
//   node out/bench/cliProcess.js [--quick]   after npm run build and npm run compile-tests;
//                                            run it under the lab's lock
//
// Progress goes to stderr; the tables to stdout, the last line one JSON
// object with the medians (ms) and the create ratio.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_DIR } from '../src/providers/docker/containerOptions.js';
import { NETWORK_NAME } from '../src/providers/docker/dockerNetwork.js';
import { lab } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { CleanupStack } from './cleanupStack.js';
import { figure, figureRow, fmt, medianOf, messageOf, verdict, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';

const CLI = resolve(__dirname, '../../dist/cli.js');
const HOST = 'local';
/** The limits `code-swarm create` sets by default, given to both sides. */
const CPUS = '2';
const MEMORY = '2g';
const PIDS_LIMIT = '1024';
/** Swarm.stop's grace for code-server (dockerProvider.ts STOP_TIMEOUT_S). */
const STOP_TIMEOUT_S = '5';
/** The engine side's poll of /healthz: a tight loop, close to the moment code-server answers. */
const POLL_MS = 100;
const HEALTHY_TIMEOUT_MS = 120_000;
const TARGET_CREATE_RATIO = 1.1;

type Op = 'create' | 'list' | 'stop' | 'start' | 'delete';
const OPS: readonly Op[] = ['create', 'list', 'stop', 'start', 'delete'];
type Key =
  | `cli_${Op}`
  | `engine_${Op}`
  | 'engine_createSame'
  | 'nodeStart'
  | 'cliHelp'
  | 'createUntilStarting'
  | 'createStartingToAnswer'
  | 'createLinger'
  | 'engineRunCall'
  | 'engineRunToHealthy';

export interface CliProcessBench extends BenchModule {
  readonly figures: Record<Key, Figure>;
}

interface Ran {
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  /** When each stderr line arrived, ms after the spawn. */
  readonly stderrLines: ReadonlyArray<{ readonly at: number; readonly text: string }>;
  /** From the last stdout chunk to the exit. */
  readonly lingerMs: number;
}

/** Runs a process to its end; fails on a non-zero exit, with its last stderr line. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lastOut = t0;
    const stderrLines: { at: number; text: string }[] = [];
    child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), (lastOut = performance.now())));
    child.stderr.on('data', (c: Buffer) => {
      const at = performance.now() - t0;
      for (const text of c.toString().split('\n')) if (text) stderrLines.push({ at, text });
      stderr += c.toString();
    });
    child.once('error', fail);
    child.once('close', (code) => {
      const end = performance.now();
      if (code !== 0) fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
      else done({ ms: end - t0, stdout, stderr, stderrLines, lingerMs: end - lastOut });
    });
  });
}

function healthz(port: number): Promise<number> {
  return new Promise((done) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
  });
}

/** Reads the container's loopback port, then polls /healthz every POLL_MS until it answers 200. */
async function pollHealthy(container: string, signal: AbortSignal): Promise<void> {
  const mapped = (await run('docker', ['port', container, '8080/tcp'])).stdout.trim().split('\n')[0] ?? '';
  const port = Number(mapped.slice(mapped.lastIndexOf(':') + 1));
  if (!mapped.startsWith('127.0.0.1:') || !Number.isInteger(port))
    throw new Error(`${container} publishes 8080 on "${mapped}", not on 127.0.0.1`);
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
  while ((await healthz(port)) !== 200) {
    if (signal.aborted) throw new Error('cancelled');
    if (Date.now() > deadline) throw new Error(`${container} did not answer /healthz in ${HEALTHY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Removes every container and volume on the local engine whose name carries `tag`. */
async function sweep(tag: string): Promise<void> {
  const ids = (await run('docker', ['ps', '-aq', '--filter', `name=${tag}`])).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await run('docker', ['rm', '-f', '-v', ...ids]);
  const volumes = (await run('docker', ['volume', 'ls', '-q', '--filter', `name=${tag}`])).stdout.split('\n').filter(Boolean);
  if (volumes.length > 0) await run('docker', ['volume', 'rm', ...volumes]);
}

export function createCliProcessBench(): CliProcessBench {
  const figures: Record<Key, Figure> = {
    cli_create: figure('code-swarm create → healthy'),
    engine_create: figure('docker run -d + /healthz poll'),
    engine_createSame: figure('docker run -d, same container + /healthz poll'),
    cli_list: figure('code-swarm list'),
    engine_list: figure('docker ps -a'),
    cli_stop: figure('code-swarm stop'),
    engine_stop: figure(`docker stop -t ${STOP_TIMEOUT_S}`),
    cli_start: figure('code-swarm start → healthy'),
    engine_start: figure('docker start + /healthz poll'),
    cli_delete: figure('code-swarm delete --purge'),
    engine_delete: figure('docker rm -f -v'),
    nodeStart: figure('  diagnostic: node -e 0'),
    cliHelp: figure('  diagnostic: code-swarm --help (Node + the bundle)'),
    createUntilStarting: figure('  diagnostic: create, spawn → "Starting code-server"'),
    createStartingToAnswer: figure('  diagnostic: create, "Starting code-server" → answer'),
    createLinger: figure('  diagnostic: create, answer printed → exit'),
    engineRunCall: figure('  diagnostic: docker run -d itself (create + start)'),
    engineRunToHealthy: figure('  diagnostic: docker run returned → /healthz 200'),
  };
  const errors: string[] = [];
  const ratio = (op: Op, baseline: Key = `engine_${op}`) => {
    const a = medianOf(figures[`cli_${op}`]);
    const b = medianOf(figures[baseline]);
    return a === undefined || b === undefined || b === 0 ? undefined : a / b;
  };

  const runAll = async (ctx: BenchContext): Promise<void> => {
    const rounds = ctx.quick ? 2 : 5;
    const image = lab().dockerImage;
    const state = await mkdtemp(join(tmpdir(), `code-swarm-bench-${ctx.tag}-cli-`));
    ctx.cleanup.add(`remove ${state}`, () => rm(state, { recursive: true, force: true }));
    ctx.cleanup.add(`sweep ${ctx.tag} on the local engine`, () => sweep(ctx.tag));
    // The user's ~/.code-swarm and ssh agent stay out of it.
    const env = { ...process.env, SSH_AUTH_SOCK: '', CODE_SWARM_HOME: state };
    const cli = (...args: string[]) => run(process.execPath, [CLI, '--state-dir', state, ...args], env);
    await cli('hosts', 'add', HOST, '--local');

    const expect = (r: Ran, pattern: RegExp, what: string) => {
      if (!pattern.test(r.stdout)) throw new Error(`${what} printed ${JSON.stringify(r.stdout.slice(0, 200))}`);
      return r;
    };
    /** Where the diagnostics of the create being timed go (none during the warm-up). */
    let diagnostics = false;
    const ours: Record<Op, (name: string) => Promise<number>> = {
      create: async (name) => {
        const r = expect(
          await cli('create', name, '--host', HOST, '--image', image, '--cpus', CPUS, '--memory', MEMORY),
          /: running, healthy\n$/,
          'create',
        );
        const starting = r.stderrLines.find((l) => l.text.startsWith('Starting code-server'));
        if (diagnostics && starting) {
          figures.createUntilStarting.samples.push(starting.at);
          figures.createStartingToAnswer.samples.push(r.ms - r.lingerMs - starting.at);
        }
        if (diagnostics) figures.createLinger.samples.push(r.lingerMs);
        return r.ms;
      },
      list: async (name) => expect(await cli('list', '--host', HOST), new RegExp(`^${name} .* running `, 'm'), 'list').ms,
      stop: async (name) => expect(await cli('stop', name), /: stopped, /, 'stop').ms,
      start: async (name) => expect(await cli('start', name), /: running, healthy\n$/, 'start').ms,
      delete: async (name) => expect(await cli('delete', name, '--purge'), /^Deleted /, 'delete').ms,
    };
    /** `docker run -d` with the limits create sets; `extra` before the image. */
    const dockerRun = (name: string, extra: readonly string[]) =>
      run('docker', [
        'run',
        '-d',
        '--name',
        name,
        '-p',
        '127.0.0.1::8080',
        '-e',
        'PASSWORD=x',
        '--cpus',
        CPUS,
        '--memory',
        MEMORY,
        '--memory-swap',
        MEMORY,
        '--pids-limit',
        PIDS_LIMIT,
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        ...extra,
        image,
      ]);
    const engine: Record<Op, (name: string) => Promise<number>> = {
      create: async (name) => {
        const t0 = performance.now();
        const runCall = await dockerRun(name, []);
        const ran = performance.now();
        await pollHealthy(name, ctx.signal);
        const end = performance.now();
        if (diagnostics) {
          figures.engineRunCall.samples.push(runCall.ms);
          figures.engineRunToHealthy.samples.push(end - ran);
        }
        return end - t0;
      },
      list: async (name) => expect(await run('docker', ['ps', '-a']), new RegExp(name), 'docker ps').ms,
      stop: async (name) => (await run('docker', ['stop', '-t', STOP_TIMEOUT_S, name])).ms,
      start: (name) =>
        timed(async () => {
          await run('docker', ['start', name]);
          // `-p 127.0.0.1::8080` may pick another port after a start: read it again, as a script must.
          await pollHealthy(name, ctx.signal);
        }),
      delete: async (name) => (await run('docker', ['rm', '-f', '-v', name])).ms,
    };
    /**
     * The container code-swarm creates, made by hand: on its isolated network
     * (inter-container traffic off), the workspace volume, the working
     * directory and restart policy. Removed untimed afterwards.
     */
    const createSame = async (name: string): Promise<number> => {
      const volume = `${name}-project`;
      const ms = await timed(async () => {
        await dockerRun(name, [
          '--network',
          NETWORK_NAME,
          '--mount',
          `type=volume,source=${volume},target=${PROJECT_DIR}`,
          '--workdir',
          PROJECT_DIR,
          '--restart',
          'unless-stopped',
        ]);
        await pollHealthy(name, ctx.signal);
      });
      await run('docker', ['rm', '-f', name]);
      await run('docker', ['volume', 'rm', volume]);
      return ms;
    };

    // Warm both binaries and the page cache (and make the CLI's code cache);
    // then one untimed life each, unless --quick.
    await cli('--help');
    await run('docker', ['version']);
    // The same-container baseline needs the isolated network, which code-swarm's first create makes.
    await ours.create(`${ctx.tag}-net`);
    await ours.delete(`${ctx.tag}-net`);
    const life = async (round: number, record: boolean) => {
      diagnostics = record;
      const names = { ours: `${ctx.tag}-cli${round}`, engine: `${ctx.tag}-eng${round}` };
      for (const op of OPS) {
        if (ctx.signal.aborted) return;
        const sides = [
          ...(op === 'create'
            ? [
                async () => {
                  const ms = await createSame(`${ctx.tag}-same${round}`);
                  if (record) figures.engine_createSame.samples.push(ms);
                },
              ]
            : []),
          async () => {
            const ms = await ours[op](names.ours);
            if (record) figures[`cli_${op}`].samples.push(ms);
          },
          async () => {
            const ms = await engine[op](names.engine);
            if (record) figures[`engine_${op}`].samples.push(ms);
          },
        ];
        // Who goes first rotates by round.
        const first = (((round % sides.length) + sides.length) % sides.length) as number;
        for (const side of [...sides.slice(first), ...sides.slice(0, first)]) await side();
      }
      if (record) {
        figures.nodeStart.samples.push((await run(process.execPath, ['-e', '0'])).ms);
        figures.cliHelp.samples.push((await cli('--help')).ms);
      }
    };
    if (!ctx.quick) {
      ctx.log('cli process: one warm-up life each (not timed)');
      await life(-1, false);
    }
    ctx.log(
      `cli process: ${rounds} lives of create, list, stop, start, delete, code-swarm and docker interleaved (${image}, local engine)`,
    );
    for (let r = 0; r < rounds && !ctx.signal.aborted; r++) {
      await life(r, true);
      ctx.log(
        `  round ${r + 1}: ${OPS.map((op) => `${op} ${fmt(figures[`cli_${op}`].samples.at(-1), 0)}/${fmt(figures[`engine_${op}`].samples.at(-1), 0)}`).join(', ')} ms (ours/docker)`,
      );
    }
  };

  return {
    name: 'cli',
    figures,
    errors,
    async run(ctx) {
      try {
        await runAll(ctx);
      } catch (e) {
        errors.push(`cli process: ${messageOf(e)}`);
        ctx.log(`cli process FAILED: ${messageOf(e)}`);
      }
    },
    json: () => {
      const m = (k: Key) => {
        const x = medianOf(figures[k]);
        return x === undefined ? null : Math.round(x);
      };
      const round2 = (r: number | undefined) => (r === undefined ? null : Math.round(r * 100) / 100);
      return {
        cliCreateHealthyMs: m('cli_create'),
        dockerRunHealthyMs: m('engine_create'),
        cliCreateRatio: round2(ratio('create')),
        dockerRunSameHealthyMs: m('engine_createSame'),
        cliCreateSameRatio: round2(ratio('create', 'engine_createSame')),
        cliListMs: m('cli_list'),
        dockerPsMs: m('engine_list'),
        cliStopMs: m('cli_stop'),
        dockerStopMs: m('engine_stop'),
        cliStartHealthyMs: m('cli_start'),
        dockerStartHealthyMs: m('engine_start'),
        cliDeleteMs: m('cli_delete'),
        dockerRmMs: m('engine_delete'),
      };
    },
    missing: () =>
      [...OPS.flatMap((op) => [`cli_${op}`, `engine_${op}`] as const), 'engine_createSame' as const].filter(
        (k) => figures[k].samples.length === 0,
      ),
    report: (quick) => {
      const x = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
      const target = (r: number | undefined) => [
        x(r),
        `≤ ${TARGET_CREATE_RATIO}×`,
        verdict(r === undefined ? undefined : r <= TARGET_CREATE_RATIO),
      ];
      return [
        `CLI processes (${quick ? 'quick' : 'full'}): whole code-swarm processes vs the docker CLI, ${lab().dockerImage} on the local engine`,
        '',
        renderTable(
          ['figure (ms, spawn → exit)', 'median', 'min', 'max', 'n'],
          (Object.keys(figures) as Key[]).map((k) => figureRow(figures[k], 0)),
        ),
        '',
        renderTable(
          ['code-swarm ÷ docker', 'measured', 'target', ''],
          OPS.flatMap((op) =>
            op === 'create'
              ? [
                  ['create → healthy, vs plain docker run', ...target(ratio('create'))],
                  ['create → healthy, vs the same container', ...target(ratio('create', 'engine_createSame'))],
                ]
              : [[op === 'start' ? 'start → healthy' : op, x(ratio(op)), '(info)', '']],
          ),
        ),
      ].join('\n');
    },
  };
}

/** `node out/bench/cliProcess.js [--quick]`: this part alone, with its own cleanup and Ctrl-C handling. */
async function standalone(): Promise<void> {
  const cleanup = new CleanupStack();
  const stop = new AbortController();
  const onSignal = () => (stop.signal.aborted ? void cleanup.run().then(() => process.exit(130)) : stop.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const quick = process.argv.includes('--quick');
  const bench = createCliProcessBench();
  const log = (line: string) => void process.stderr.write(`[bench] ${line}\n`);
  const ctx: BenchContext = { quick, cleanup, signal: stop.signal, tag: `bench-${randomBytes(3).toString('hex')}`, log };
  await bench.run(ctx);
  for (const f of await cleanup.run()) bench.errors.push(`cleanup: ${f}`);
  const missing = bench.missing();
  process.stdout.write(
    ['', bench.report(quick), ...bench.errors.map((e) => `error: ${e}`), '', JSON.stringify(bench.json()), ''].join('\n'),
  );
  if (bench.errors.length > 0 || missing.length > 0) process.exitCode = 1;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

if (require.main === module) void standalone();
