// The Docker part of `npm run bench`, against the lab's host alpha: the
// Swarm's warm list beside the ways people reach a remote engine otherwise
// (`docker -H ssh://`, dockerode's 'ssh' protocol), create → healthy beside a
// plain `docker run` + /healthz poll over the same kind of link (interleaved
// ABBA), and stop / start → healthy. docs/PERFORMANCE.md says what each
// figure is and how many samples a run takes.
import { execFile } from 'node:child_process';
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
import type { BenchContext, BenchModule } from './benchModule.js';
import { createDockerodeSsh } from './createDockerodeSsh.js';
import { createSshWrapper } from './createSshWrapper.js';
import { figure, figureRow, jsonOf, medianOf, messageOf, verdict, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';
import { timeIt } from './timeIt.js';

const execFileAsync = promisify(execFile);

const HOST = 'alpha';
const LIST_WARMUP = 3;
const REMOTE_CALL_TIMEOUT_MS = 30_000;
const HEALTHY_TIMEOUT_MS = 120_000;

const TARGETS = { listSpeedup: 30, createRatio: 1.3, stopMs: 1_000, startHealthyMs: 2_000 };

type JsonKey =
  'listWarmMs' | 'dockerCliSshListMs' | 'dockerodeSshListMs' | 'createHealthyMs' | 'baselineCreateHealthyMs' | 'stopMs' | 'startHealthyMs';
type FigureKey = JsonKey | 'providerListMs' | 'providerListNoDelayMs' | 'startCallMs';

const JSON_KEYS: readonly JsonKey[] = [
  'listWarmMs',
  'dockerCliSshListMs',
  'dockerodeSshListMs',
  'createHealthyMs',
  'baselineCreateHealthyMs',
  'stopMs',
  'startHealthyMs',
];

/** What the Docker part measured; filled as it goes, so a failure half way keeps what was measured. */
interface DockerFigures {
  /** In the report's order. */
  readonly figures: Record<FigureKey, Figure>;
  readonly errors: string[];
  /** Why a figure is missing or partial. */
  readonly notes: string[];
  /** Times the Swarm saw its link to the host go down during the run. */
  readonly linkDrops: string[];
}

export function createDockerBench(): BenchModule {
  const bench: DockerFigures = {
    figures: {
      listWarmMs: figure("list: Swarm.refresh('alpha'), warm"),
      providerListMs: figure('  diagnostic: DockerProvider.list() alone, warm link'),
      providerListNoDelayMs: figure('  diagnostic: the same, socket with TCP_NODELAY'),
      dockerCliSshListMs: figure('list: docker -H ssh://alpha@… ps -a'),
      dockerodeSshListMs: figure("list: dockerode protocol 'ssh' listContainers"),
      createHealthyMs: figure('create → healthy: Swarm.create + waitHealthy'),
      baselineCreateHealthyMs: figure('create → healthy: docker run + /healthz poll (baseline)'),
      stopMs: figure('stop: Swarm.stop'),
      startHealthyMs: figure('start → healthy: Swarm.start + waitHealthy'),
      startCallMs: figure('  of which Swarm.start() itself'),
    },
    errors: [],
    notes: [],
    linkDrops: [],
  };
  return {
    name: 'docker',
    errors: bench.errors,
    run: (ctx) => runDockerBench(bench, ctx),
    json: () => Object.fromEntries(JSON_KEYS.map((k) => [k, jsonOf(bench.figures[k])])),
    // dockerode's 'ssh' protocol failing is a finding (its note says why), not a failed run.
    missing: () => JSON_KEYS.filter((k) => bench.figures[k].samples.length === 0 && k !== 'dockerodeSshListMs'),
    report: (quick) => renderDockerReport(bench, quick),
  };
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

async function runDockerBench(bench: DockerFigures, ctx: BenchContext): Promise<void> {
  const { figures, errors } = bench;
  const { cleanup, log, signal, tag } = ctx;
  const N = ctx.quick ? { list: 10, remoteList: 3, create: 3, lifecycle: 2 } : { list: 30, remoteList: 10, create: 5, lifecycle: 5 };
  const checkInterrupted = () => {
    if (signal.aborted) throw new Error('interrupted');
  };
  /** Runs a phase; a failure is recorded and the run goes on to the next phase. */
  const phase = async (name: string, fn: () => Promise<void>, keys: readonly FigureKey[] = []): Promise<void> => {
    if (signal.aborted) return;
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
  };

  const env = lab();
  const h = env.hosts[HOST];
  const image = env.dockerImage;
  log(`${ctx.quick ? 'quick' : 'full'} run on ${HOST} (${h.user}@${h.address}:${h.port}), image ${image}, tag ${tag}`);

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
        if (me?.reachability === 'down') bench.linkDrops.push(`${new Date().toISOString()} ${me.error ?? 'no detail'}`);
      })
      .catch(() => undefined);
  });

  log(`adding host ${HOST}`);
  await swarm.addHost(
    { name: HOST, ssh: `${h.user}@${h.address}:${h.port}`, identityFile: env.clientKey },
    { onUnknownHostKey: () => false },
  );

  // One instance lives through the list and lifecycle phases, so a refresh has something to reconcile.
  const lifeName = `${tag}-life`;
  let lifeReady = false;
  let untrackLife: () => void = () => undefined;
  await phase('setup', async () => {
    log(`creating ${lifeName} for the list and stop/start phases`);
    untrackLife = trackInstance(lifeName);
    await swarm.create({ name: lifeName, host: HOST, image });
    await swarm.waitHealthy(lifeName, { timeoutMs: HEALTHY_TIMEOUT_MS, signal });
    lifeReady = true;
  });

  // ---------------------------------------------------------------- (a) list
  await phase(
    'list: Swarm.refresh',
    async () => {
      log(`list: Swarm.refresh('${HOST}') ×${LIST_WARMUP} warm-up, then ×${N.list}`);
      // refresh() swallows a host failure (it marks the host down): check every sample really listed.
      const check = async (views: Awaited<ReturnType<Swarm['refresh']>>, what: string) => {
        const host = (await swarm.hosts()).find((x) => x.name === HOST);
        if (host?.reachability !== 'up')
          throw new Error(`${what}: ${HOST} is ${host?.reachability ?? 'gone'} (${host?.error ?? 'no detail'})`);
        if (lifeReady && !views.some((v) => v.name === lifeName && v.state === 'running'))
          throw new Error(`${what}: refresh did not report ${lifeName} running`);
      };
      for (let i = 0; i < LIST_WARMUP; i++) await check(await swarm.refresh(HOST), `warm-up ${i + 1}`);
      for (let i = 0; i < N.list; i++) {
        checkInterrupted();
        const started = performance.now();
        const views = await swarm.refresh(HOST);
        figures.listWarmMs.samples.push(performance.now() - started);
        await check(views, `sample ${i + 1}`);
      }
    },
    ['listWarmMs'],
  );

  // Diagnostics, not targets: the provider's list alone (no store), on a warm
  // link of the same kind, and on one whose TCP socket has Nagle's algorithm
  // off. Interleaved so both see the same load.
  await phase(
    'list: DockerProvider.list',
    async () => {
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
    },
    ['providerListMs', 'providerListNoDelayMs'],
  );

  await phase(
    'list: docker CLI over ssh',
    async () => {
      const wrapper = await createSshWrapper({ sshConfig: env.sshConfig, knownHosts: env.knownHosts, identityFile: env.clientKey });
      const undo = cleanup.add('remove the ssh wrapper', () => wrapper.dispose());
      try {
        const target = `ssh://${h.user}@${h.address}${h.port === 22 ? '' : `:${h.port}`}`;
        log(`list: docker -H ${target} ps -a ×1 warm-up, then ×${N.remoteList}`);
        const run = async () => {
          const r = await execFileAsync('docker', ['-H', target, 'ps', '-a'], { env: wrapper.env, timeout: REMOTE_CALL_TIMEOUT_MS });
          if (!r.stdout.startsWith('CONTAINER ID'))
            throw new Error(`docker ps printed no table: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`);
        };
        await run();
        for (let i = 0; i < N.remoteList; i++) {
          checkInterrupted();
          figures.dockerCliSshListMs.samples.push(await timeIt(run));
        }
      } catch (e) {
        const stderr = (e as { stderr?: unknown }).stderr;
        const detail = typeof stderr === 'string' && stderr.trim() !== '' ? ` (${stderr.trim().split('\n').slice(-1)[0] ?? ''})` : '';
        throw new Error(`${messageOf(e).split('\n')[0] ?? ''}${detail}`, { cause: e });
      } finally {
        await wrapper.dispose();
        undo();
      }
    },
    ['dockerCliSshListMs'],
  );

  await phase(
    "list: dockerode protocol 'ssh'",
    async () => {
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
        let remote: string;
        try {
          const r = await baseLink.exec(
            ['sh', '-c', 'command -v docker && docker system dial-stdio --help >/dev/null && echo dial-stdio-ok'],
            { timeoutMs: 10_000 },
          );
          remote =
            r.code === 0
              ? `; remote docker CLI: ${r.stdout.trim().replace(/\n/g, ', ')}`
              : `; remote docker CLI unusable (exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 200)})`;
        } catch (e2) {
          remote = `; could not check the remote docker CLI: ${messageOf(e2)}`;
        }
        // Not a failure of the run: the figure is reported as null, with the reason.
        const note = `dockerode's ssh protocol could not list, figure is null: ${messageOf(e)}${remote}`;
        bench.notes.push(note);
        log(note);
        return;
      }
      for (let i = 0; i < N.remoteList; i++) {
        checkInterrupted();
        figures.dockerodeSshListMs.samples.push(await timeIt(list));
      }
    },
    ['dockerodeSshListMs'],
  );

  // ------------------------------------------------------ (c) stop / start
  await phase(
    'stop / start',
    async () => {
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
            await swarm.waitHealthy(lifeName, { timeoutMs: HEALTHY_TIMEOUT_MS, signal });
          }),
        );
      }
    },
    ['stopMs', 'startHealthyMs', 'startCallMs'],
  );
  if (lifeReady) {
    await phase('teardown', async () => {
      await swarm.delete(lifeName, { purge: true });
      untrackLife();
    });
  }

  // ------------------------------------------------- (b) create → healthy
  await phase(
    'create → healthy',
    async () => {
      const spec = { cpus: DEFAULT_CPUS, memoryBytes: parseMemory(DEFAULT_MEMORY), pidsLimit: DEFAULT_PIDS_LIMIT };
      log(`create → healthy ×${N.create}, Swarm and baseline interleaved (ABBA)`);
      const ours = async (i: number) => {
        const name = `${tag}-c${i}`;
        const undo = trackInstance(name);
        figures.createHealthyMs.samples.push(
          await timeIt(async () => {
            await swarm.create({ name, host: HOST, image, cpus: spec.cpus, memory: DEFAULT_MEMORY });
            await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal });
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
            baselineCreateHealthy(baseDocker, baseLink, { name, image, ...spec, timeoutMs: HEALTHY_TIMEOUT_MS, signal }, (containerId) => {
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
    },
    ['createHealthyMs', 'baselineCreateHealthyMs'],
  );
}

function fmtRatio(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${x.toFixed(x >= 10 ? 0 : 2)}×`;
}

/** The run's title, every figure, the targets, and what to know about them. */
function renderDockerReport(bench: DockerFigures, quick: boolean): string {
  const { figures } = bench;
  const m = (k: FigureKey) => medianOf(figures[k]);
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
  const cliSpeedup = ratio(m('dockerCliSshListMs'), m('listWarmMs'));
  const dodeSpeedup = ratio(m('dockerodeSshListMs'), m('listWarmMs'));
  const createRatio = ratio(m('createHealthyMs'), m('baselineCreateHealthyMs'));
  const stop = m('stopMs');
  const start = m('startHealthyMs');
  const seconds = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x / 1000).toFixed(2)} s`);
  const targetRows = [
    [
      'list: docker CLI over ssh ÷ Swarm.refresh',
      fmtRatio(cliSpeedup),
      `≥ ${TARGETS.listSpeedup}×`,
      verdict(cliSpeedup === undefined ? undefined : cliSpeedup >= TARGETS.listSpeedup),
    ],
    ["list: dockerode 'ssh' ÷ Swarm.refresh", fmtRatio(dodeSpeedup), '(info)', ''],
    [
      'create → healthy: Swarm ÷ baseline',
      fmtRatio(createRatio),
      `≤ ${TARGETS.createRatio}×`,
      verdict(createRatio === undefined ? undefined : createRatio <= TARGETS.createRatio),
    ],
    ['stop', seconds(stop), `≤ ${TARGETS.stopMs / 1000} s`, verdict(stop === undefined ? undefined : stop <= TARGETS.stopMs)],
    [
      'start → healthy',
      seconds(start),
      `≤ ${TARGETS.startHealthyMs / 1000} s`,
      verdict(start === undefined ? undefined : start <= TARGETS.startHealthyMs),
    ],
  ];
  const notes = bench.notes.map((x) => `note: ${x}`);
  const drops = bench.linkDrops;
  if (drops.length > 0) notes.push(`note: the Swarm's link to ${HOST} went down ${drops.length}× during the run: ${drops.join('; ')}`);
  return [
    `Code Swarm benchmark (${quick ? 'quick' : 'full'}): Docker on ${HOST}, ${new Date().toISOString()}`,
    '',
    renderTable(
      ['figure (ms)', 'median', 'min', 'max', 'n'],
      Object.values(figures).map((f) => figureRow(f)),
    ),
    '',
    renderTable(['target', 'measured', 'target', ''], targetRows),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
