import { defineCommand } from '../command.js';
import { instanceJson } from '../output.js';

export const restore = defineCommand({
  name: 'restore',
  usage: 'restore NAME SNAPSHOT',
  args: 2,
  options: {},
  async run({ swarm, out, args: [name, snap] }) {
    const view = await swarm.restore(name, snap);
    out.data(instanceJson(view), () => `Restored ${name} to ${snap}`);
  },
});
