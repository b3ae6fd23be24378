import type { Readable } from 'node:stream';
import { SwarmError } from '../../shared/errors.js';
import { BuildFailedError } from '../common/buildFailedError.js';
import { firstLine } from '../common/providerErrors.js';
import type { BuildSpec, CreateOptions } from '../provider.js';
import { readBuildContext } from './buildContext.js';
import type { DockerEngine } from './dockerEngine.js';

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Lines of the log a failed build keeps in the instance's record. */
const TAIL_LINES = 20;
/** Docker's classic builder says `Step 2/5 : RUN …`, Podman's `STEP 2/5: RUN …`. */
const STEP = /^(?:Step|STEP) (\d+)\/(\d+) ?: ?(.*)$/;

/**
 * Builds `tag` on the host from a local context, streamed as a tar over the
 * host's connection (the SSH link's stream-local forward, as every API call).
 * Each line of the build's output goes to `onLog`, each step also to
 * `onProgress`. Cancelling aborts the request, and the engine stops the build
 * when its client goes. Intermediate containers are removed even when a step
 * fails (`forcerm`); the layers of the steps that succeeded stay as cache.
 */
export async function buildImage(engine: DockerEngine, build: BuildSpec, tag: string, options: CreateOptions): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  const log = options.onLog ?? (() => undefined);
  const files = await readBuildContext(build);
  progress(`Sending the build context (${files.length} files) to ${engine.link.label}`);
  const lines: string[] = [];
  const note = (line: string) => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    log(line);
    const step = STEP.exec(line);
    if (step) progress(`Step ${step[1]}/${step[2]}: ${step[3]}`, Number(step[1]) / Number(step[2]));
  };
  let failure: string | undefined;
  try {
    const stream = (await engine.streams.buildImage(
      { context: build.context, src: files },
      {
        t: tag,
        dockerfile: build.dockerfile,
        buildargs: build.args,
        rm: true,
        forcerm: true,
        labels: { 'code-swarm.build': tag },
        ...(options.signal ? { abortSignal: options.signal } : {}),
      },
    )) as Readable;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => stream.destroy(new Error('cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      engine.streams.modem.followProgress(
        stream,
        (err: Error | null) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve();
        },
        (event: BuildEvent) => {
          for (const line of (event.stream ?? event.status ?? '').split('\n')) if (line.trim() !== '') note(line.trimEnd());
          if (event.error) {
            failure = event.errorDetail?.message ?? event.error;
            note(failure);
          }
        },
      );
    });
  } catch (e) {
    if (options.signal?.aborted) throw new SwarmError('Cancelled', { code: 'cancelled', cause: e });
    throw engine.wrap(e, 'build the image');
  }
  if (failure !== undefined) {
    const step = [...lines].reverse().find((l) => STEP.test(l));
    throw new BuildFailedError(
      `The build of ${tag} on ${engine.link.label} failed${step ? ` at ${step}` : ''}: ${firstLine(failure)}`,
      lines.join('\n'),
    );
  }
}
