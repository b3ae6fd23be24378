import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { suiteRoot } from './suiteArtifacts.js';

/** What mocha printed (reports, failures, the extension host's inner report): a CI log the audit searches. */
export const MOCHA_OUTPUT = 'mocha-output.log';

let started = false;

/**
 * Starts the suite-wide recorders; the audit calls it from a root-level
 * `before`, so it runs before the first test of the run: mocha's own output
 * is copied under the suite root, and every Node process started from now on
 * preloads cliRecorder.js (CLI runs record their output and passwords).
 */
export function startSuiteRecording(): void {
  if (started) return;
  started = true;
  const file = join(suiteRoot(), MOCHA_OUTPUT);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      appendFileSync(file, chunk);
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  const preload = `--require ${JSON.stringify(join(__dirname, 'cliRecorder.js'))}`;
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' ');
}
