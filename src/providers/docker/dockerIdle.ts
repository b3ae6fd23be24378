import type { Readable } from 'node:stream';
import type { InstanceRef } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';
import { readLogs } from './dockerLogs.js';

/**
 * What code-server 4.106+ logs (out/node/main.js) when it takes the timeout at
 * start-up, and when it exits for it. An older code-server ignores the
 * variable and logs neither; a stop (SIGTERM) also exits 0 but logs no
 * "exceeded": the log is what tells an idle exit from a stop.
 */
export const IDLE_SET_LINE = /Idle timeout set to \d+ seconds/;
export const IDLE_EXCEEDED_LINE = /Idle timeout of \d+ seconds exceeded/;

/** Lines to read back: code-server logs a dozen at start-up, a few at exit, and its extensions some between. */
const TAIL = 200;

/** The container's last log lines as text (stdout and stderr together). */
async function tailText(engine: DockerEngine, ref: InstanceRef): Promise<string> {
  const stream: Readable = await readLogs(engine, ref, { tail: TAIL });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether the last run ended with code-server's idle exit: its last line about it comes after its last start. */
export async function stoppedForIdle(engine: DockerEngine, ref: InstanceRef): Promise<boolean> {
  return exitedForIdle(await tailText(engine, ref));
}

/** A log whose last run ended with the idle exit: an "exceeded" line after the last start's "set to". */
export function exitedForIdle(log: string): boolean {
  const exceeded = lastIndexOf(log, IDLE_EXCEEDED_LINE);
  return exceeded >= 0 && exceeded > lastIndexOf(log, IDLE_SET_LINE);
}

/** Whether the running code-server took the timeout (logged at its start). */
export async function appliesIdleTimeout(engine: DockerEngine, ref: InstanceRef): Promise<boolean> {
  return IDLE_SET_LINE.test(await tailText(engine, ref));
}

function lastIndexOf(text: string, re: RegExp): number {
  let at = -1;
  for (const m of text.matchAll(new RegExp(re.source, 'g'))) at = m.index;
  return at;
}
