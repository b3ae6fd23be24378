import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const TESTBED = resolve(__dirname, '../../../scripts/testbed');
const run = promisify(execFile);

export type LabFaultKind = 'ssh-down' | 'ssh-up' | 'engine-restart' | 'engine-stop' | 'engine-start' | 'partition' | 'heal';

/**
 * Flips one of the lab's fault switches (`scripts/testbed fault`). The event
 * loop keeps running meanwhile, so operations in flight meet the fault as it
 * lands. With `{ freeze: true }` the whole process waits instead: called from
 * a progress callback, that pins the fault to that exact step of an operation.
 */
export async function labFault(host: string, what: LabFaultKind, options: { freeze?: boolean } = {}): Promise<void> {
  const argv = [TESTBED, 'fault', host, what];
  if (options.freeze) execFileSync('bash', argv, { stdio: 'ignore', timeout: 120_000 });
  else await run('bash', argv, { timeout: 120_000 });
}

/** `labFault` for hooks that restore the lab: never throws, so every restore step runs. */
export async function restoreLab(steps: ReadonlyArray<readonly [host: string, what: LabFaultKind]>): Promise<void> {
  for (const [host, what] of steps) await labFault(host, what).catch(() => undefined);
}
