import type { OperationOptions } from '../core/instanceLifecycle.js';
import type { Output } from './output.js';

/** A build's step lines come as progress too: the log prints the rest, so each line shows once. */
const STEP = /^(?:Step|STEP) \d+\/\d+ ?:/;

/** Where a build's progress and log lines go: stderr, unless the output is JSON. */
export function buildSinks(out: Output): Pick<OperationOptions, 'onProgress' | 'onLog'> {
  return {
    onProgress: (m) => (out.json ? undefined : out.error(m)),
    onLog: (line) => (out.json || STEP.test(line) ? undefined : out.error(`  ${line}`)),
  };
}

/** Ctrl-C (or SIGTERM) stops the work (a build on the host stops with it), which then cleans up like a failure. */
export async function untilDone<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
