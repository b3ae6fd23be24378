// Where a Swarm-mode create → healthy goes (issue #18), step by step, on the
// lab's swarm: creates pinned to the manager through the Swarm, each with the
// manager's engine events (secret, network, service, container create and
// start, network connect), its task's state changes (polled every 20 ms from
// the manager's API) and our own marks (progress lines, create returned,
// first /healthz 200), all in ms from the call. Not part of `npm run bench`:
//
//   flock /var/lib/code-swarm-lab/run.lock node out/bench/swarmCreateTrace.js [ROUNDS]
//
// docs/ARCHITECTURE.md ("Where create → healthy goes") has what it showed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lab, labDocker, labSwarm } from '../test/lab/lab.js';
import { SwarmError } from '../src/shared/errors.js';
import { sweepSwarmSlots } from '../test/lab/swarmSlots.js';

const MANAGER = 'swarm1';
const HOST = 'cluster';
const POLL_MS = 20;

interface EngineEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly timeNano?: number;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> };
}

/** The manager's events from now on, kept until `stop`. */
async function recordEvents(): Promise<{ events: EngineEvent[]; stop: () => void }> {
  const stream = (await labDocker(MANAGER).getEvents()) as NodeJS.ReadableStream & { destroy: () => void };
  const events: EngineEvent[] = [];
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) events.push(JSON.parse(line) as EngineEvent);
    }
  });
  return { events, stop: () => stream.destroy() };
}

/** The task's state changes of a service, each with the ms since `t0`, until `done` says stop. */
async function recordTaskStates(service: string, t0: number, done: () => boolean): Promise<[number, string][]> {
  const docker = labDocker(MANAGER);
  const out: [number, string][] = [];
  let last = '';
  while (!done()) {
    const tasks = (await docker.listTasks({ filters: { service: [service] } }).catch(() => [])) as { Status?: { State?: string } }[];
    const state = tasks.map((t) => t.Status?.State ?? '?').join(',') || 'none';
    if (state !== last) out.push([performance.now() - t0, `task ${state}`]);
    last = state;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const dir = await mkdtemp(join(tmpdir(), 'code-swarm-swarm-trace-'));
  const { swarm } = await labSwarm(dir);
  const rec = await recordEvents();
  const tag = `trace-${process.pid}`;
  try {
    const h = lab().hosts[MANAGER];
    await swarm.addHost({
      name: HOST,
      ssh: `${h.user}@${h.address}:${h.port}`,
      identityFile: lab().clientKey,
      provider: 'swarm',
      swarmOverlay: 'plain',
    });
    for (let i = 0; i < rounds; i++) {
      // The last round's refill (started once it was healthy) is done: each trace shows one create alone.
      await swarm.settled(HOST);
      const name = `${tag}-${i}`;
      const marks: [number, string][] = [];
      const wallStartNs = BigInt(Date.now()) * 1_000_000n;
      const t0 = performance.now();
      let finished = false;
      const states = recordTaskStates(`code-swarm-${name}`, t0, () => finished);
      try {
        await swarm.create(
          { name, host: HOST, node: MANAGER },
          { onProgress: (m) => marks.push([performance.now() - t0, `progress: ${m.slice(0, 60)}`]) },
        );
        marks.push([performance.now() - t0, 'create returned']);
        await swarm.waitHealthy(name, { timeoutMs: 120_000 });
        marks.push([performance.now() - t0, 'first /healthz 200']);
      } finally {
        finished = true;
        marks.push(...(await states));
        await new Promise((r) => setTimeout(r, 300));
        const fromEngine = rec.events
          .filter((e) => e.timeNano !== undefined && BigInt(e.timeNano) >= wallStartNs)
          // The instance's own, the node's, and the ready slots' (the one it took, the refill's next).
          .filter(
            (e) =>
              /code-swarm_slot-/.test(e.Actor?.Attributes?.['name'] ?? '') ||
              (e.Actor?.Attributes?.['name'] ?? '').includes(name) ||
              e.Type === 'node',
          )
          .map((e): [number, string] => [
            Number(BigInt(e.timeNano ?? 0) - wallStartNs) / 1e6,
            `${e.Type} ${e.Action} ${e.Actor?.Attributes?.['name'] ?? e.Actor?.ID ?? ''}`,
          ]);
        console.log(`--- ${name}`);
        for (const [t, what] of [...marks, ...fromEngine].sort((a, b) => a[0] - b[0])) console.log(`${t.toFixed(0).padStart(6)}  ${what}`);
        await swarm.delete(name, { purge: true }).catch((e: unknown) => {
          if (!(e instanceof SwarmError && e.code === 'not-found')) throw e;
        });
      }
    }
  } finally {
    rec.stop();
    await swarm.dispose();
    await sweepSwarmSlots(labDocker(MANAGER));
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
