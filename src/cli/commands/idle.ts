import { parseIdleTimeout } from '../../core/idleTimeout.js';
import { defineCommand } from '../command.js';
import { instanceJson, instanceLine } from '../output.js';

/** Sets an instance's idle timeout, or turns it off (docs/IDLE.md). */
export const idle = defineCommand({
  name: 'idle',
  usage: 'idle NAME DURATION|off',
  args: 2,
  options: {},
  async run({ swarm, out, args: [name, duration] }) {
    // Checked before any host is asked.
    parseIdleTimeout(duration!);
    const view = await swarm.setIdleTimeout(name!, duration!);
    out.data(instanceJson(view), () => instanceLine(view));
  },
});
