// Builds on the host (issue #20): a Dockerfile FROM the lab's light image,
// its context streamed as a tar over alpha's one SSH connection and built by
// alpha's engine, as `create --dockerfile` does. Cold: a context whose first
// copied file changes every round, so every step after FROM runs; cached: the
// same context again, every step from the engine's cache. The difference is
// what the cache saves; what is left of the cached build is the context's
// trip and the engine's bookkeeping.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../src/providers/docker/dockerBuild.js';
import { DockerEngine } from '../src/providers/docker/dockerEngine.js';
import { SshHostLink } from '../src/transport/sshHostLink.js';
import { lab, labConnection, labDocker } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, jsonOf, messageOf, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';

const HOST = 'alpha';

/** Work a real Dockerfile does without a network: copy the context, write some megabytes, run a few commands. */
const DOCKERFILE = (base: string) => `FROM ${base}
COPY nonce.txt /opt/nonce.txt
COPY src/ /opt/src/
RUN dd if=/dev/zero of=/opt/blob bs=1M count=32 2>/dev/null && sha256sum /opt/blob > /opt/blob.sum
RUN find /opt/src -type f | wc -l > /opt/src.count
`;

type Key = 'cold' | 'cached';

export function createBuildBench(): BenchModule {
  const figures: Record<Key, Figure> = {
    cold: figure(`build on ${HOST} over SSH, cold (every step runs)`),
    cached: figure('  the same context again (every step cached)'),
  };
  const errors: string[] = [];

  const run = async (ctx: BenchContext): Promise<void> => {
    const rounds = ctx.quick ? 1 : 3;
    const dir = await mkdtemp(join(tmpdir(), 'csw-bench-build-'));
    ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const link = new SshHostLink(labConnection(HOST));
    ctx.cleanup.add('close the build link', () => link.dispose());
    const engine = new DockerEngine(link, lab().hosts[HOST].remoteSocket);
    await writeFile(join(dir, 'Dockerfile'), DOCKERFILE(lab().plainImage));
    await mkdir(join(dir, 'src'));
    // A context of a small project: 200 files, ~2 MB.
    await Promise.all(Array.from({ length: 200 }, (_, i) => writeFile(join(dir, 'src', `f${i}.txt`), `${i}\n`.repeat(5_000))));
    const spec = { context: dir, dockerfile: 'Dockerfile', args: {} };
    for (let round = 0; round < rounds && !ctx.signal.aborted; round++) {
      const tag = `code-swarm-bench/${ctx.tag}:r${round}`;
      ctx.cleanup.add(`remove ${tag}`, () => labDocker(HOST).getImage(tag).remove({ force: true }));
      await writeFile(join(dir, 'nonce.txt'), `${ctx.tag}-${round}-${Date.now()}\n`);
      let t0 = performance.now();
      await buildImage(engine, spec, tag, { signal: ctx.signal });
      figures.cold.samples.push(performance.now() - t0);
      t0 = performance.now();
      await buildImage(engine, spec, tag, { signal: ctx.signal });
      figures.cached.samples.push(performance.now() - t0);
      ctx.log(
        `build round ${round + 1}/${rounds}: cold ${figures.cold.samples.at(-1)!.toFixed(0)} ms, cached ${figures.cached.samples.at(-1)!.toFixed(0)} ms`,
      );
    }
  };

  return {
    name: 'build',
    errors,
    run: async (ctx) => {
      try {
        await run(ctx);
      } catch (e) {
        errors.push(`build: ${messageOf(e)}`);
        ctx.log(`build FAILED: ${messageOf(e)}`);
      }
    },
    json: () => ({ buildColdMs: jsonOf(figures.cold), buildCachedMs: jsonOf(figures.cached) }),
    missing: () => (['cold', 'cached'] as const).filter((k) => figures[k].samples.length === 0).map((k) => `build ${k}`),
    report: (quick) =>
      [
        `Build on the host (${quick ? 'quick' : 'full'}): a Dockerfile FROM ${lab().plainImage}, 200-file context, over one SSH connection`,
        '',
        renderTable(
          ['figure (ms)', 'median', 'min', 'max', 'n'],
          (Object.keys(figures) as Key[]).map((k) => figureRow(figures[k], 0)),
        ),
      ].join('\n'),
  };
}
