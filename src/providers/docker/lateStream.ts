import { PassThrough, type Readable } from 'node:stream';

/**
 * A streaming response handed over before the engine has answered. Podman's
 * compatible service sends a stream's status line and headers only with its
 * first bytes (/events' first event, a followed log's first line), so waiting
 * for them would wait for something to happen. The returned stream carries
 * the response once it comes, ends with it, and fails with `failure(e)` if the
 * request does; destroying it cancels the request, answered or not.
 */
export function lateStream(open: (signal: AbortSignal) => Promise<Readable>, failure: (e: unknown) => Error): Readable {
  const out = new PassThrough();
  const abort = new AbortController();
  out.once('close', () => abort.abort());
  open(abort.signal).then(
    (stream) => {
      if (out.destroyed) {
        stream.destroy();
        return;
      }
      stream.on('error', (e) => out.destroy(failure(e)));
      out.once('close', () => stream.destroy());
      stream.pipe(out);
    },
    (e: unknown) => {
      if (!out.destroyed) out.destroy(failure(e));
    },
  );
  return out;
}
