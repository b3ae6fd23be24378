import { defineCommand } from '../command.js';

export const hostsRemove = defineCommand({
  name: 'hosts remove',
  usage: 'hosts remove NAME [--force]',
  args: 1,
  options: { force: { type: 'boolean' } },
  async run({ swarm, out, args: [name], values }) {
    await swarm.removeHost(name, { force: values.force === true });
    out.data({ name, removed: true }, () => `Removed ${name}`);
  },
});
