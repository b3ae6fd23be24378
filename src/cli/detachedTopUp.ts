import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { UpkeepTask } from '../core/swarm.js';
import { GLOBAL_OPTIONS, type GlobalValues } from './command.js';
import { openSwarm } from './openSwarm.js';

/**
 * The CLI's internal command word for a detached top-up: not a command of
 * the table, so neither `--help` nor the command-line contract shows it.
 */
export const TOP_UP_WORD = '__top-up';

/**
 * Hands a create's top-up (a swarm host's next ready slot) to a detached
 * child of the CLI, as git hands off its auto-gc: the create's process exits
 * once its own work is done, the child makes what is missing of the pool
 * and exits. It shares no terminal (stdio ignored, its own process group)
 * and gets only where the state is and how to trust hosts: no secret is on
 * its command line. A child killed midway leaves half a slot that the next
 * refill sweeps.
 */
export function spawnTopUp(self: string, globals: GlobalValues, task: UpkeepTask): void {
  const dir = resolve(globals['state-dir'] ?? process.env.CODE_SWARM_HOME ?? join(homedir(), '.code-swarm'));
  const argv = [self, TOP_UP_WORD, task.host.name, task.image, '--state-dir', dir];
  for (const f of globals['known-hosts'] ?? []) argv.push('--known-hosts', resolve(f));
  if (globals['ssh-config'] !== undefined) argv.push('--ssh-config', resolve(globals['ssh-config']));
  try {
    const child = spawn(process.execPath, argv, { detached: true, stdio: 'ignore' });
    // A child that cannot start costs the next create its slot, nothing more.
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The same: spawn may throw synchronously (EAGAIN, a missing node).
  }
}

/** The detached child: `__top-up HOST IMAGE [global options]`. Exit code only: nobody reads its output. */
export async function runTopUp(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: true, strict: true });
  const [host, image] = positionals;
  if (host === undefined || image === undefined || positionals.length !== 2) return 2;
  // A host key seen for the first time is never accepted here: the create that handed this off already trusted it.
  const swarm = await openSwarm({ ...values, 'accept-new-host-key': false });
  try {
    await swarm.topUp(host, image);
    return 0;
  } catch {
    return 1;
  } finally {
    await swarm.dispose();
  }
}
