import { PassThrough, type Readable } from 'node:stream';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { demuxBuffer } from '../docker/dockerLogs.js';
import type { InstanceRef, LogOptions } from '../provider.js';
import { serviceName } from './swarmModeNames.js';

/**
 * A service's log (`docker service logs`): the manager gathers it from
 * whichever node ran each task, so it reads the same wherever Swarm placed it.
 */
export async function readServiceLogs(engine: DockerEngine, ref: InstanceRef, options: LogOptions): Promise<Readable> {
  const service = engine.streams.getService(ref.containerId ?? serviceName(ref.name));
  const tail = options.tail ?? 200;
  const out = new PassThrough();
  if (!options.follow) {
    const buf = (await engine.call(
      'read logs',
      () => service.logs({ stdout: true, stderr: true, follow: false, tail }),
      ref,
    )) as unknown as Buffer;
    out.end(demuxBuffer(buf));
    return out;
  }
  const stream = (await engine.call(
    'read logs',
    () => service.logs({ stdout: true, stderr: true, follow: true, tail }),
    ref,
  )) as unknown as Readable;
  engine.streams.modem.demuxStream(stream, out, out);
  const end = () => {
    stream.destroy();
    if (!out.destroyed) out.end();
  };
  options.signal?.addEventListener('abort', end, { once: true });
  stream.once('end', end);
  stream.once('error', (e: Error) => out.destroy(e));
  return out;
}
