import type { Readable } from 'node:stream';

/** The largest chunk coalesceReads hands on at once. */
export const COALESCE_MAX_BYTES = 256 * 1024;

/**
 * ssh2 pushes every SSH packet into its channel as a chunk of its own, and
 * OpenSSH's sshd sends a forwarded port's data in packets of at most 32 KB.
 * Behind a session tunnel each chunk then costs the same again, whatever its
 * size: a call into the HTTP parser, a pass through pipe(), one write() to
 * the browser's socket. This makes `stream.push` hold the chunks pushed
 * within one turn of the event loop and hand them on as one (at the latest
 * when they reach `maxBytes`), so those costs are paid per ~256 KB instead of
 * per 32 KB (docs/PERFORMANCE.md, tunnel throughput).
 *
 * Nothing waits past the turn it arrived in: what is held goes on at the end
 * of that turn (setImmediate), and before an end of stream. Flow control is
 * unchanged: push() answers false once the stream's buffer plus what is held
 * reaches its highWaterMark, as it would have for the chunks themselves, so
 * ssh2 stops re-opening the channel's window exactly as before; at most
 * `maxBytes` is held beyond the stream's own buffer.
 */
export function coalesceReads<T extends Readable>(stream: T, maxBytes = COALESCE_MAX_BYTES): T {
  const push = stream.push.bind(stream);
  let held: Buffer[] = [];
  let heldBytes = 0;
  let scheduled = false;

  const flush = (): boolean => {
    if (held.length === 0) return stream.readableLength < stream.readableHighWaterMark;
    const chunk = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    // A destroyed stream drops what it is pushed; so do we.
    if (stream.destroyed) return false;
    return push(chunk);
  };
  const flushLater = (): void => {
    scheduled = false;
    flush();
  };

  stream.push = ((chunk: unknown, encoding?: BufferEncoding): boolean => {
    // The end of the stream, strings, object mode, empty chunks (which Readable
    // reads as "nothing more for now"): what is held goes first, then this as it is.
    if (!Buffer.isBuffer(chunk) || chunk.length === 0 || stream.readableObjectMode) {
      flush();
      return push(chunk, encoding);
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= maxBytes) return flush();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushLater);
    }
    return stream.readableLength + heldBytes < stream.readableHighWaterMark;
  }) as T['push'];
  return stream;
}
