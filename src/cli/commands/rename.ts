import { defineCommand } from '../command.js';
import { instanceJson, instanceLine } from '../output.js';

export const rename = defineCommand({
  name: 'rename',
  usage: 'rename OLD NEW',
  args: 2,
  options: {},
  async run({ swarm, out, args: [oldName, newName] }) {
    const view = await swarm.rename(oldName, newName);
    out.data(instanceJson(view), () => `${oldName} is now ${instanceLine(view)}`);
  },
});
