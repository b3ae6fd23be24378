// Swarm-mode hosts (issue #18), on the lab's 3-node swarm (swarm1 manages):
// one create → healthy through the Swarm against the plain way to the same
// end in the same run (`docker service create` on the manager, then curl of
// /healthz every 0.15 s, scripted there over one `ssh` exec and timed there),
// rounds alternating which goes first; and a refresh of 100 swarm instances:
// services made straight through the manager's API from our own service spec
// (light image, tiny reservations, one shared overlay and secret, no
// gateways: what a list reads is there, not what 100 code-servers cost),
// adopted by the store on the first refresh, then timed warm.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DEFAULT_MEMORY, type Swarm } from '../src/core/swarm.js';
import { parseMemory } from '../src/core/validate.js';
import { GATEWAY_NAME_LABEL } from '../src/providers/swarm/swarmModeNames.js';
import { serviceSpec } from '../src/providers/swarm/swarmModeSpec.js';
import { SwarmError } from '../src/shared/errors.js';
import { SshHostLink } from '../src/transport/sshHostLink.js';
import { eachLimited } from '../test/lab/fleet.js';
import { lab, labConnection, labDocker, labSwarm } from '../test/lab/lab.js';
import { sweepSwarmSlots } from '../test/lab/swarmSlots.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, jsonOf, medianOf, messageOf, verdict, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';

const MANAGER = 'swarm1';
const HOST = 'cluster';
const HEALTHY_TIMEOUT_MS = 180_000;
const TARGET_RATIO = 1.3;
const REFRESH_COUNT = 100;
/** Marks what the bench makes behind the Swarm's back (baseline services, the 100), for its sweep. */
const BENCH_LABEL = 'code-swarm-bench';

/**
 * Runs on the manager: a one-replica service of the image with the limits
 * and reservations Code Swarm sets, pinned to the manager and published on
 * its port PORT (mode=host: that node only, no routing mesh), then curl of
 * /healthz every 0.15 s (Swarm.waitHealthy's pacing). Prints the ms from the
 * create to the first 200. Every value is a positional parameter.
 */
const BASELINE_SCRIPT = `
name=$1; image=$2; port=$3; mem=$4; node=$5; tag=$6
t0=$(date +%s%N)
docker service create --detach --quiet --name "$name" --label "${BENCH_LABEL}=$tag" --constraint "node.hostname==$node" \\
  --publish "mode=host,published=$port,target=8080" --env PASSWORD=x --limit-cpu 1 --reserve-cpu 1 \\
  --limit-memory "$mem" --reserve-memory "$mem" --limit-pids 1024 --restart-condition any "$image" >/dev/null || exit 1
until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do sleep 0.15; done
t1=$(date +%s%N)
echo $(( (t1 - t0) / 1000000 ))
`;

type Key = 'ours' | 'baseline' | 'refresh100' | 'populate100';

export function createSwarmModeBench(): BenchModule {
  const figures: Record<Key, Figure> = {
    ours: figure('Swarm: create → healthy on a swarm host (node swarm1)'),
    baseline: figure('docker service create + /healthz poll (on the manager)'),
    refresh100: figure(`refresh of ${REFRESH_COUNT} swarm instances (warm)`),
    populate100: figure(`  making the ${REFRESH_COUNT} services, all tasks running (once)`),
  };
  const errors: string[] = [];

  const run = async (ctx: BenchContext): Promise<void> => {
    const env = lab();
    const dir = await mkdtemp(join(tmpdir(), `code-swarm-bench-${ctx.tag}-swarm-`));
    ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const { swarm } = await labSwarm(dir);
    // Once the Swarm is disposed (its refill done), the ready slot it left is swept too.
    ctx.cleanup.add('dispose the swarm-mode Swarm, sweep its ready slots', async () => {
      await swarm.dispose();
      await sweepSwarmSlots(labDocker(MANAGER));
    });
    const h = env.hosts[MANAGER];
    // The lab's kernel has no IPsec ESP: plain overlays (docs/ARCHITECTURE.md).
    await swarm.addHost({
      name: HOST,
      ssh: `${h.user}@${h.address}:${h.port}`,
      identityFile: env.clientKey,
      provider: 'swarm',
      swarmOverlay: 'plain',
    });
    const link = new SshHostLink(labConnection(MANAGER));
    ctx.cleanup.add('close the manager link', () => link.dispose());
    ctx.cleanup.add(`sweep ${ctx.tag} on the swarm`, () => sweep(ctx.tag));

    let seq = 0;
    const tookSlot: boolean[] = [];
    const ours = async () => {
      const name = `${ctx.tag}-s${seq++}`;
      const undo = ctx.cleanup.add(`delete instance ${name}`, () => deleteQuietly(swarm, name));
      const t0 = performance.now();
      await swarm.create({ name, host: HOST, node: MANAGER });
      await swarm.waitHealthy(name, { timeoutMs: HEALTHY_TIMEOUT_MS, signal: ctx.signal });
      figures.ours.samples.push(performance.now() - t0);
      // Whether it took a ready slot (its gateway was one): the first create of a store finds none.
      const svc = (await labDocker(MANAGER).getService(`code-swarm-${name}`).inspect()) as { Spec: { Labels: Record<string, string> } };
      tookSlot.push(svc.Spec.Labels[GATEWAY_NAME_LABEL] !== undefined);
      await swarm.delete(name, { purge: true });
      undo();
    };
    const baseline = async () => {
      const name = `${ctx.tag}-b${seq++}`;
      const port = 42_000 + (randomBytes(2).readUInt16BE() % 2_000);
      const argv = ['timeout', String(HEALTHY_TIMEOUT_MS / 1000), 'sh', '-c', BASELINE_SCRIPT, 'sh', name, env.dockerImage, String(port)];
      argv.push(`${parseMemory(DEFAULT_MEMORY)}b`, MANAGER, ctx.tag);
      try {
        const r = await link.exec(argv, { timeoutMs: HEALTHY_TIMEOUT_MS + 10_000 });
        const ms = Number(r.stdout.trim().split('\n').pop());
        if (r.code !== 0 || !Number.isFinite(ms))
          throw new Error(`docker service create on ${MANAGER} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
        figures.baseline.samples.push(ms);
      } finally {
        await removeService(name);
      }
    };

    const rounds = ctx.quick ? 1 : 3;
    ctx.log(`swarm: ${rounds} round(s) of create → healthy against docker service create + poll, on ${MANAGER}`);
    for (let r = 0; r < rounds && !ctx.signal.aborted; r++) {
      for (const step of r % 2 === 0 ? [ours, baseline] : [baseline, ours]) {
        // The refill a create starts once its instance is healthy runs on the manager: each timed step starts after it.
        await swarm.settled(HOST);
        if (!ctx.signal.aborted) await step();
      }
      ctx.log(
        `  round ${r + 1}: ours ${figures.ours.samples.at(-1)?.toFixed(0)} ms (${tookSlot.at(-1) ? 'a ready slot' : 'no slot ready'}), baseline ${figures.baseline.samples.at(-1)?.toFixed(0)} ms`,
      );
    }
    if (!ctx.signal.aborted) await refreshHundred(ctx, swarm, figures);
  };

  const ratio = () => {
    const a = medianOf(figures.ours);
    const b = medianOf(figures.baseline);
    return a === undefined || b === undefined || b === 0 ? undefined : a / b;
  };

  return {
    name: 'swarm',
    errors,
    run: async (ctx) => {
      try {
        await run(ctx);
      } catch (e) {
        errors.push(`swarm: ${messageOf(e)}`);
        ctx.log(`swarm FAILED: ${messageOf(e)}`);
      }
    },
    json: () => {
      const r = ratio();
      return {
        swarmCreateHealthyMs: jsonOf(figures.ours),
        swarmServiceCreateHealthyMs: jsonOf(figures.baseline),
        swarmCreateHealthyRatio: r === undefined ? null : Math.round(r * 100) / 100,
        swarmRefresh100Ms: jsonOf(figures.refresh100),
      };
    },
    missing: () => (['ours', 'baseline', 'refresh100'] as const).filter((k) => figures[k].samples.length === 0),
    report: (quick) => {
      const r = ratio();
      return [
        `Swarm-mode host (${quick ? 'quick' : 'full'}): ${lab().dockerImage} on the lab swarm (manager ${MANAGER})`,
        '',
        renderTable(
          ['figure (ms)', 'median', 'min', 'max', 'n'],
          (Object.keys(figures) as Key[]).map((k) => figureRow(figures[k], 0)),
        ),
        '',
        renderTable(
          ['target', 'measured', 'target', ''],
          [
            [
              'Swarm create → healthy ÷ docker service create + poll',
              r === undefined ? 'n/a' : `${r.toFixed(2)}×`,
              `≤ ${TARGET_RATIO}×`,
              verdict(r === undefined ? undefined : r <= TARGET_RATIO),
            ],
          ],
        ),
      ].join('\n');
    },
  };
}

/**
 * 100 services made from our own spec straight through the manager's API,
 * labelled with the bench Swarm's store id so its first refresh adopts them;
 * then 3 warm-up refreshes and 10 timed ones of that host.
 */
async function refreshHundred(ctx: BenchContext, swarm: Swarm, figures: Record<Key, Figure>): Promise<void> {
  const manager = labDocker(MANAGER);
  const { storeId } = await swarm.store.read();
  ctx.log(`swarm: making ${REFRESH_COUNT} light services for the refresh`);
  const t0 = performance.now();
  const secret = (await manager.createSecret({
    Name: `${ctx.tag}-secret`,
    Labels: { [BENCH_LABEL]: ctx.tag },
    Data: Buffer.from('not-a-hash').toString('base64'),
  })) as { id: string };
  const net = await manager.createNetwork({
    Name: `${ctx.tag}-net`,
    Driver: 'overlay',
    Attachable: true,
    Labels: { [BENCH_LABEL]: ctx.tag },
  });
  const light = await manager.getImage(lab().lightImage).inspect();
  const entry = [...(light.Config?.Entrypoint ?? []), ...(light.Config?.Cmd ?? [])];
  const names = Array.from({ length: REFRESH_COUNT }, (_, i) => `${ctx.tag}-r${i}`);
  const made = await eachLimited(
    names,
    10,
    async (name) => {
      const spec = serviceSpec(
        {
          id: randomBytes(8).toString('hex'),
          name,
          image: lab().lightImage,
          cpus: 0.01,
          memoryBytes: 32 * 1024 ** 2,
          pidsLimit: 64,
          cookieSuffix: randomBytes(4).toString('hex'),
          hashedPassword: '',
          storeId,
        },
        { entry, user: '1000:1000', secretId: secret.id, secretName: `${ctx.tag}-secret`, network: net.id },
      );
      const template = spec.TaskTemplate as { ContainerSpec: { Mounts?: unknown[] } };
      // No workspace volumes: they would be left on three nodes, and a list never reads them.
      template.ContainerSpec.Mounts = [];
      await manager.createService({ ...spec, Labels: { ...spec.Labels, [BENCH_LABEL]: ctx.tag } });
    },
    (name) => name,
  );
  const failed = made.filter((o) => o.error !== undefined);
  if (failed.length > 0) throw new Error(`${failed.length} of ${REFRESH_COUNT} services could not be made: ${failed[0]?.error}`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const views = await swarm.refresh(HOST);
    const running = views.filter((v) => v.state === 'running').length;
    if (running === REFRESH_COUNT) break;
    if (Date.now() > deadline) throw new Error(`only ${running} of ${REFRESH_COUNT} services run after 5 minutes`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
  figures.populate100.samples.push(performance.now() - t0);
  for (let i = 0; i < 3; i++) await swarm.refresh(HOST);
  for (let i = 0; i < 10 && !ctx.signal.aborted; i++) {
    const t = performance.now();
    const views = await swarm.refresh(HOST);
    figures.refresh100.samples.push(performance.now() - t);
    if (views.length !== REFRESH_COUNT) throw new Error(`a refresh listed ${views.length} instances, not ${REFRESH_COUNT}`);
  }
  ctx.log(`  refresh of ${REFRESH_COUNT}: median ${medianOf(figures.refresh100)?.toFixed(0)} ms`);
}

async function deleteQuietly(swarm: Swarm, name: string): Promise<void> {
  try {
    await swarm.delete(name, { purge: true });
  } catch (e) {
    if (!(e instanceof SwarmError && e.code === 'not-found')) throw e;
  }
}

async function removeService(name: string): Promise<void> {
  await labDocker(MANAGER)
    .getService(name)
    .remove()
    .catch(() => undefined);
}

/** Everything the bench made behind the Swarm's back: services first, then (once their tasks are gone) the overlay and secret. */
async function sweep(tag: string): Promise<void> {
  const manager: Docker = labDocker(MANAGER);
  const services = await manager.listServices({ filters: { label: [`${BENCH_LABEL}=${tag}`] } });
  await eachLimited(
    services,
    10,
    (s) => removeService(s.ID),
    (s) => s.ID,
  );
  for (let i = 0; i < 120; i++) {
    const nets = await manager.listNetworks({ filters: { label: [`${BENCH_LABEL}=${tag}`] } });
    const secrets = await manager.listSecrets({ filters: { label: [`${BENCH_LABEL}=${tag}`] } });
    let busy = false;
    for (const n of nets)
      await manager
        .getNetwork(n.Id)
        .remove()
        .catch(() => (busy = true));
    for (const s of secrets)
      await manager
        .getSecret(s.ID)
        .remove()
        .catch(() => (busy = true));
    // The overlay is refused while the services' last tasks still hold it.
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
