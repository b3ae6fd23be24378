import { defineCommand } from '../command.js';

export const snapshotDelete = defineCommand({
  name: 'snapshot-delete',
  usage: 'snapshot-delete NAME SNAPSHOT',
  args: 2,
  options: {},
  async run({ swarm, out, args: [name, snap] }) {
    await swarm.deleteSnapshot(name, snap);
    out.data({ name, snapshot: snap, deleted: true }, () => `Deleted snapshot ${snap} of ${name}`);
  },
});
