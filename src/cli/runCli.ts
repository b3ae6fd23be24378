import type { Swarm } from '../core/swarm.js';
import { toSwarmError } from '../shared/errors.js';
import { runTopUp, spawnTopUp, TOP_UP_WORD } from './detachedTopUp.js';
import { openSwarm } from './openSwarm.js';
import { createOutput } from './output.js';
import { parseCommandLine, type CommandLine } from './parseCommandLine.js';
import { USAGE } from './usage.js';

/**
 * The `code-swarm` command line. Returns the process exit code. `self`: the
 * CLI's own script, when this is its process; a create then hands its
 * refill to a detached child of it (detachedTopUp.ts) instead of waiting.
 */
export async function runCli(argv: readonly string[], options: { self?: string } = {}): Promise<number> {
  if (argv[0] === TOP_UP_WORD) return runTopUp(argv.slice(1)).catch(() => 1);
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (e) {
    createOutput(false).error(`code-swarm: ${toSwarmError(e).oneLine()}`);
    return 2;
  }
  if (line.help) {
    createOutput(false).line(USAGE.trimEnd());
    return 0;
  }
  const out = createOutput(line.globals.json === true);
  let swarm: Swarm | undefined;
  try {
    const { self } = options;
    const globals = line.globals;
    swarm = await openSwarm(globals, self !== undefined ? { handOffUpkeep: (task) => spawnTopUp(self, globals, task) } : {});
    await line.run(swarm, out);
    return 0;
  } catch (e) {
    const err = toSwarmError(e);
    out.error(`code-swarm: ${err.oneLine()}`);
    return err.code === 'invalid-input' ? 2 : 1;
  } finally {
    await swarm?.dispose();
  }
}
