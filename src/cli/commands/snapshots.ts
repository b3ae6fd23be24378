import { defineCommand } from '../command.js';
import { table } from '../output.js';

export const snapshots = defineCommand({
  name: 'snapshots',
  usage: 'snapshots NAME',
  args: 1,
  options: {},
  async run({ swarm, out, args: [name] }) {
    const list = await swarm.snapshots(name);
    out.data(
      list.map((s) => ({ name: s.name, createdAt: s.createdAt, label: s.label ?? null })),
      () =>
        list.length
          ? table([['SNAPSHOT', 'CREATED', 'LABEL'], ...list.map((s) => [s.name, s.createdAt, s.label ?? ''])])
          : `${name} has no snapshots`,
    );
  },
});
