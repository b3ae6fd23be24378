import type { Swarm } from '../core/swarm.js';
import { toSwarmError } from '../shared/errors.js';
import { openSwarm } from './openSwarm.js';
import { createOutput } from './output.js';
import { parseCommandLine, type CommandLine } from './parseCommandLine.js';
import { USAGE } from './usage.js';

/** The `code-swarm` command line. Returns the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
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
    swarm = await openSwarm(line.globals);
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
