import type { Writable } from 'node:stream';

/**
 * ssh2 writes every SSH packet with its own write(), and with TCP_NODELAY
 * each is a syscall and a segment. A health round opens hundreds of channels
 * in one tick: corking until the next tick sends what a tick wrote in one
 * writev, before any I/O happens, so nothing waits longer than it did.
 */
export function coalesceWrites<T extends Writable>(stream: T): T {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  stream.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as T['write'];
  return stream;
}
