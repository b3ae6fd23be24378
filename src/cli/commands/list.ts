import { defineCommand } from '../command.js';
import { instanceJson, instancesTable } from '../output.js';

export const list = defineCommand({
  name: 'list',
  usage: 'list [--host HOST]',
  args: 0,
  options: { host: { type: 'string' } },
  async run({ swarm, out, values }) {
    await swarm.refresh(values.host);
    await swarm.healthRound();
    const views = await swarm.views(values.host);
    out.data(views.map(instanceJson), () => instancesTable(views));
  },
});
