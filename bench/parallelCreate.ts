// Parallel creates: 10 real code-server instances requested at once on alpha
// through the Swarm until all answer /healthz, against one create → healthy,
// in the same run; and the engine's own ratio for the same work: plain
// `docker run` ×10 at once against ×1, scripted on the host over one `ssh`
// exec and timed there (no client, no store, no SSH setup in the time).
// Rounds alternate which side goes first. The CPU one boot burns (its
// container's cgroup, read when it turns healthy) gives the floor no client
// can beat: ten boots need ten times that CPU, and the host has so many cores.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmError } from '../src/shared/errors.js';
import { containerName } from '../src/providers/docker/dockerNames.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT, type Swarm } from '../src/core/swarm.js';
import { parseMemory } from '../src/core/validate.js';
import { SshHostLink } from '../src/transport/sshHostLink.js';
import { addLabHost, lab, labConnection, labDocker, labSwarm } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, medianOf, messageOf, verdict, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';

const HOST = 'alpha';
const PARALLEL = 10;
const HEALTHY_TIMEOUT_MS = 180_000;
const TARGET_RATIO = 1.5;

type Key =
  'swarmOne' | 'cpuOne' | 'swarmTen' | 'engineOne' | 'engineTen' | 'lightSwarmOne' | 'lightSwarmTen' | 'lightEngineOne' | 'lightEngineTen';

/**
 * Runs on the host: N `docker run -d` at once with the Swarm's limits, each
 * followed by a curl poll of its /healthz every 0.15 s (Swarm.waitHealthy's
 * pacing), and prints the ms from the first run to the last healthy. Every
 * value is a positional parameter; `timeout` bounds the whole thing.
 */
const ENGINE_SCRIPT = `
n=$1; image=$2; prefix=$3; cpus=$4; mem=$5; pids=$6
t0=$(date +%s%N)
pids_list=""
i=1
while [ "$i" -le "$n" ]; do
  (
    name="$prefix-$i"
    docker run -d --name "$name" -p 127.0.0.1::8080 -e PASSWORD=x --cpus "$cpus" --memory "$mem" --memory-swap "$mem" \\
      --pids-limit "$pids" --cap-drop ALL --security-opt no-new-privileges "$image" >/dev/null || exit 1
    port=$(docker port "$name" 8080/tcp | head -n 1 | sed 's/.*://')
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do sleep 0.15; done
  ) &
  pids_list="$pids_list $!"
  i=$((i + 1))
done
status=0
for p in $pids_list; do wait "$p" || status=1; done
t1=$(date +%s%N)
echo $(( (t1 - t0) / 1000000 ))
exit $status
`;

export interface ParallelCreateBench extends BenchModule {
  readonly figures: Record<Key, Figure>;
}

export function createParallelCreateBench(): ParallelCreateBench {
  const figures: Record<Key, Figure> = {
    swarmOne: figure('Swarm: 1 create → healthy'),
    cpuOne: figure('  CPU its container used by then'),
    swarmTen: figure(`Swarm: ${PARALLEL} creates at once → all healthy`),
    engineOne: figure('engine: docker run ×1 → healthy (on the host)'),
    engineTen: figure(`engine: docker run ×${PARALLEL} at once → all healthy`),
    // The light image boots in milliseconds: what is left is the cost of the
    // creates themselves, ours and the engine's, with no code-server CPU in it.
    lightSwarmOne: figure('  light image, Swarm ×1'),
    lightSwarmTen: figure(`  light image, Swarm ×${PARALLEL} at once`),
    lightEngineOne: figure('  light image, docker run ×1'),
    lightEngineTen: figure(`  light image, docker run ×${PARALLEL} at once`),
  };
  const errors: string[] = [];

  const run = async (ctx: BenchContext): Promise<void> => {
    const rounds = ctx.quick ? 1 : 3;
    const env = lab();
    const image = env.dockerImage;
    const dir = await mkdtemp(join(tmpdir(), `code-swarm-bench-${ctx.tag}-parallel-`));
    ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const { swarm } = await labSwarm(dir);
    ctx.cleanup.add('dispose the parallel-create Swarm', () => swarm.dispose());
    await addLabHost(swarm, HOST);
    const link = new SshHostLink(labConnection(HOST));
    ctx.cleanup.add('close the engine link', () => link.dispose());
    // Whatever a failed or interrupted sample leaves, by name.
    ctx.cleanup.add(`sweep ${ctx.tag} on ${HOST}`, () => sweep(ctx.tag));

    const memory = DEFAULT_MEMORY;
    let seq = 0;
    const ours = async (count: number, into: Figure, image: string) => {
      const names = Array.from({ length: count }, () => `${ctx.tag}-p${seq++}`);
      const undo = names.map((name) => ctx.cleanup.add(`delete instance ${name}`, () => deleteQuietly(swarm, name)));
      const started = performance.now();
      await Promise.all(
        names.map(async (name) => {
          await swarm.create({ name, host: HOST, image, cpus: DEFAULT_CPUS, memory });
          await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: ctx.signal });
        }),
      );
      into.samples.push(performance.now() - started);
      if (into === figures.swarmOne) figures.cpuOne.samples.push(await cpuMsOf(names[0] as string));
      // Outside the timing; in parallel, as a user deleting many would.
      await Promise.all(names.map((name) => swarm.delete(name, { purge: true })));
      undo.forEach((u) => u());
    };
    const engine = async (count: number, into: Figure, image: string) => {
      const prefix = `${ctx.tag}-e${seq++}`;
      const argv = [
        'timeout',
        String(HEALTHY_TIMEOUT_MS / 1000),
        'sh',
        '-c',
        ENGINE_SCRIPT,
        'sh',
        String(count),
        image,
        prefix,
        String(DEFAULT_CPUS),
        `${parseMemory(memory)}b`,
        String(DEFAULT_PIDS_LIMIT),
      ];
      const undo = ctx.cleanup.add(`remove containers ${prefix}-*`, () => sweep(prefix));
      try {
        const r = await link.exec(argv, { timeoutMs: HEALTHY_TIMEOUT_MS + 10_000 });
        const ms = Number(r.stdout.trim().split('\n').pop());
        if (r.code !== 0 || !Number.isFinite(ms))
          throw new Error(`docker run ×${count} on ${HOST} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
        into.samples.push(ms);
      } finally {
        await sweep(prefix);
        undo();
      }
    };

    ctx.log(
      `parallel create: ${rounds} round(s) of Swarm ×1, ×${PARALLEL} and docker run ×1, ×${PARALLEL} (${image}, then ${env.lightImage})`,
    );
    for (let r = 0; r < rounds && !ctx.signal.aborted; r++) {
      const f = figures;
      const light = env.lightImage;
      const steps: Array<() => Promise<void>> =
        r % 2 === 0
          ? [
              () => ours(1, f.swarmOne, image),
              () => engine(1, f.engineOne, image),
              () => ours(PARALLEL, f.swarmTen, image),
              () => engine(PARALLEL, f.engineTen, image),
              () => ours(1, f.lightSwarmOne, light),
              () => engine(1, f.lightEngineOne, light),
              () => ours(PARALLEL, f.lightSwarmTen, light),
              () => engine(PARALLEL, f.lightEngineTen, light),
            ]
          : [
              () => engine(1, f.engineOne, image),
              () => ours(1, f.swarmOne, image),
              () => engine(PARALLEL, f.engineTen, image),
              () => ours(PARALLEL, f.swarmTen, image),
              () => engine(1, f.lightEngineOne, light),
              () => ours(1, f.lightSwarmOne, light),
              () => engine(PARALLEL, f.lightEngineTen, light),
              () => ours(PARALLEL, f.lightSwarmTen, light),
            ];
      // --quick keeps the figure and the engine's ratio, and leaves the light-image diagnostic out.
      for (const step of ctx.quick ? steps.slice(0, 4) : steps) if (!ctx.signal.aborted) await step();
      ctx.log(
        `  round ${r + 1}: ${(Object.keys(figures) as Key[]).map((k) => `${k} ${figures[k].samples.at(-1)?.toFixed(0) ?? 'n/a'}`).join(', ')}`,
      );
    }
  };

  const cores = availableParallelism();
  /** Ten boots' CPU spread over every core, against one boot's wall time: the least any client's ratio can be. */
  const cpuFloor = () => {
    const cpu = medianOf(figures.cpuOne);
    const one = medianOf(figures.swarmOne);
    return cpu === undefined || one === undefined || one === 0 ? undefined : Math.max(1, (PARALLEL * cpu) / (cores * one));
  };
  const ratio = (ten: Key, one: Key) => {
    const a = medianOf(figures[ten]);
    const b = medianOf(figures[one]);
    return a === undefined || b === undefined || b === 0 ? undefined : a / b;
  };

  return {
    name: 'parallel-create',
    errors,
    figures,
    run: async (ctx) => {
      try {
        await run(ctx);
      } catch (e) {
        errors.push(`parallel create: ${messageOf(e)}`);
        ctx.log(`parallel create FAILED: ${messageOf(e)}`);
      }
    },
    json: () => {
      const r = ratio('swarmTen', 'swarmOne');
      const e = ratio('engineTen', 'engineOne');
      const floor = cpuFloor();
      return {
        parallelCreate10Ratio: r === undefined ? null : Math.round(r * 100) / 100,
        engineParallel10Ratio: e === undefined ? null : Math.round(e * 100) / 100,
        createCpuFloor10Ratio: floor === undefined ? null : Math.round(floor * 100) / 100,
      };
    },
    missing: () => (['swarmOne', 'swarmTen', 'engineOne', 'engineTen'] as const).filter((k) => figures[k].samples.length === 0),
    report: (quick) => {
      const r = ratio('swarmTen', 'swarmOne');
      const e = ratio('engineTen', 'engineOne');
      const x = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
      return [
        `Parallel create (${quick ? 'quick' : 'full'}): ${lab().dockerImage} on ${HOST}, ${PARALLEL} at once vs 1`,
        '',
        renderTable(
          ['figure (ms)', 'median', 'min', 'max', 'n'],
          (Object.keys(figures) as Key[]).map((k) => figureRow(figures[k], 0)),
        ),
        '',
        renderTable(
          ['target', 'measured', 'target', ''],
          [
            [`Swarm: ${PARALLEL} at once ÷ 1`, x(r), `≤ ${TARGET_RATIO}×`, verdict(r === undefined ? undefined : r <= TARGET_RATIO)],
            [`engine: docker run ×${PARALLEL} ÷ ×1`, x(e), '(info)', ''],
            [`CPU floor: ${PARALLEL} × CPU of one ÷ (${cores} cores × time of one)`, x(cpuFloor()), '(no client does better)', ''],
            ['Swarm ratio ÷ engine ratio', x(r !== undefined && e !== undefined ? r / e : undefined), '(what our code adds)', ''],
            [`light image: Swarm ×${PARALLEL} ÷ ×1`, x(ratio('lightSwarmTen', 'lightSwarmOne')), '(info)', ''],
            [`light image: docker run ×${PARALLEL} ÷ ×1`, x(ratio('lightEngineTen', 'lightEngineOne')), '(info)', ''],
          ],
        ),
      ].join('\n');
    },
  };
}

async function deleteQuietly(swarm: Swarm, name: string): Promise<void> {
  try {
    await swarm.delete(name, { purge: true });
  } catch (e) {
    if (!(e instanceof SwarmError && e.code === 'not-found')) throw e;
  }
}

/** The CPU time, in ms, that an instance's container has used so far (its cgroup's count, from the engine). */
async function cpuMsOf(name: string): Promise<number> {
  const stats = (await labDocker(HOST).getContainer(containerName(name)).stats({ stream: false })) as {
    cpu_stats?: { cpu_usage?: { total_usage?: number } };
  };
  const ns = stats.cpu_stats?.cpu_usage?.total_usage;
  if (typeof ns !== 'number') throw new Error(`the engine on ${HOST} gave no CPU count for ${name}`);
  return ns / 1e6;
}

/** Removes every container and volume on alpha whose name carries `prefix`. */
async function sweep(prefix: string): Promise<void> {
  const docker = labDocker(HOST);
  const containers = await docker.listContainers({ all: true, filters: { name: [prefix] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const { Volumes } = await docker.listVolumes({ filters: { name: [prefix] } });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove()));
}
