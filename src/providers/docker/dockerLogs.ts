import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { toSwarmError } from '../../shared/errors.js';
import type { InstanceRef, LogOptions } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';
import { lateStream } from './lateStream.js';
import { containerKey } from './dockerNames.js';

/** Docker's multiplexed log format: 8-byte frame headers, then payload. */
export function demuxBuffer(buf: Buffer): Buffer {
  if (buf.length < 8 || buf[0]! > 2 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) return buf;
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts);
}

/** A container's log, plain text: the tail, or the tail and what follows. */
export async function readLogs(engine: DockerEngine, ref: InstanceRef, options: LogOptions): Promise<Readable> {
  const container = engine.streams.getContainer(containerKey(ref));
  const tail = options.tail ?? 200;
  const out = new PassThrough();
  if (!options.follow) {
    const buf = (await engine.call('read logs', () => container.logs({ stdout: true, stderr: true, follow: false, tail }), ref)) as Buffer;
    out.end(demuxBuffer(buf));
    return out;
  }
  const follow = (since?: number) => (signal?: AbortSignal) =>
    container.logs({
      stdout: true,
      stderr: true,
      follow: true,
      ...(since !== undefined ? { since } : { tail }),
      ...(signal ? { abortSignal: signal } : {}),
    }) as unknown as Promise<Readable>;
  let first: Readable;
  if (engine.dialect.lateStreamHeaders) {
    // The engine answers a follow with its first line: a missing container must still fail the call.
    await engine.call('read logs', () => container.inspect(), ref);
    first = lateStream(follow(), (e) => engine.wrap(e, 'read logs'));
  } else {
    // The first attach happens before we return, so a missing container fails the call.
    first = await engine.call('read logs', follow(), ref);
  }
  void followAcrossRestarts(engine, container, first, out, options.signal, (since) =>
    engine.dialect.lateStreamHeaders ? Promise.resolve(lateStream(follow(since), (e) => engine.wrap(e, 'read logs'))) : follow(since)(),
  );
  return out;
}

/**
 * Docker ends a follow when the container stops; a user watching the log
 * of an instance they restart expects it to go on, so re-attach once the
 * container runs again (until aborted or the container is gone).
 */
async function followAcrossRestarts(
  engine: DockerEngine,
  container: Docker.Container,
  first: Readable,
  out: PassThrough,
  signal: AbortSignal | undefined,
  reattach: (since: number) => Promise<Readable>,
): Promise<void> {
  let stream: Readable | undefined = first;
  const onAbort = () => stream?.destroy();
  signal?.addEventListener('abort', onAbort);
  try {
    while (stream && !signal?.aborted && !out.destroyed) {
      const current: Readable = stream;
      engine.streams.modem.demuxStream(current, out, out);
      await new Promise<void>((resolve) => {
        current.once('end', resolve);
        current.once('close', resolve);
        current.once('error', resolve);
      });
      stream = undefined;
      const since = Math.floor(Date.now() / 1000);
      while (!signal?.aborted && !out.destroyed) {
        let running: boolean;
        try {
          running = (await container.inspect()).State.Running;
        } catch {
          return; // removed, or the host is gone: the log ends here
        }
        if (running) {
          stream = await reattach(since);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } catch (e) {
    out.destroy(toSwarmError(e));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!out.destroyed) out.end();
  }
}
