import { defineCommand } from '../command.js';
import { instanceJson, instanceLine } from '../output.js';

export const stop = defineCommand({
  name: 'stop',
  usage: 'stop NAME',
  args: 1,
  options: {},
  async run({ swarm, out, args: [name] }) {
    const view = await swarm.stop(name);
    out.data(instanceJson(view), () => instanceLine(view));
  },
});
