import { PassThrough, type Readable } from 'node:stream';
import { throwIfAborted } from '../common/providerErrors.js';
import type { ExecInOptions, InstanceRef } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';
import { containerKey } from './dockerNames.js';

/** A line longer than this is cut: output goes to a log, not to a parser. */
const LINE_MAX = 8 * 1024;

/**
 * Runs argv in the instance's container (Docker's exec API, over the host's
 * link), hands each output line (stdout and stderr as they interleave) to
 * onOutput, and answers the exit code. Aborting stops reading; the caller
 * removes the container, which ends the process.
 */
export async function execInContainer(
  engine: DockerEngine,
  ref: InstanceRef,
  argv: readonly string[],
  options: ExecInOptions = {},
): Promise<{ exitCode: number }> {
  throwIfAborted(options.signal);
  const created = await engine.call(
    'run a command in the instance',
    () =>
      engine.api.getContainer(containerKey(ref)).exec({
        Cmd: [...argv],
        AttachStdout: true,
        AttachStderr: true,
        ...(options.user !== undefined ? { User: options.user } : {}),
        ...(options.workingDir !== undefined ? { WorkingDir: options.workingDir } : {}),
      }),
    ref,
  );
  // The stream may run for as long as the command does: the client without a request timeout.
  const exec = engine.streams.getExec(created.id);
  const stream = (await engine.call('run a command in the instance', () => exec.start({ hijack: true, stdin: false }), ref)) as Readable;
  await readLines(engine, stream, options);
  throwIfAborted(options.signal);
  return { exitCode: await exitCodeOf(engine, created.id, ref) };
}

/** The exec's exit code; the engine may still be recording it for a moment after the output ends. */
async function exitCodeOf(engine: DockerEngine, id: string, ref: InstanceRef): Promise<number> {
  for (let tries = 0; ; tries++) {
    const info = await engine.call('read the command’s exit code', () => engine.api.getExec(id).inspect(), ref);
    if ((!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) || tries >= 20) return info.ExitCode ?? -1;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readLines(engine: DockerEngine, stream: Readable, options: ExecInOptions): Promise<void> {
  const out = new PassThrough();
  engine.streams.modem.demuxStream(stream, out, out);
  const onAbort = () => stream.destroy();
  options.signal?.addEventListener('abort', onAbort);
  let partial = '';
  const emit = (line: string) => options.onOutput?.(line.length > LINE_MAX ? `${line.slice(0, LINE_MAX)}…` : line);
  out.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
    partial = lines.pop() ?? '';
    if (partial.length > LINE_MAX) {
      emit(partial);
      partial = '';
    }
    lines.forEach(emit);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', (e) => (options.signal?.aborted ? resolve() : reject(engine.wrap(e, 'run a command in the instance'))));
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (partial !== '') emit(partial);
    out.end();
  }
}
