import { defineCommand } from '../command.js';

export const deleteInstance = defineCommand({
  name: 'delete',
  usage: 'delete NAME [--purge]',
  args: 1,
  options: { purge: { type: 'boolean' } },
  async run({ swarm, out, args: [name], values }) {
    const purge = values.purge === true;
    await swarm.delete(name, { purge });
    out.data({ name, deleted: true, volumeKept: !purge }, () =>
      purge ? `Deleted ${name} and its workspace volume` : `Deleted ${name} (its workspace volume is kept; --purge removes it)`,
    );
  },
});
