import { defineCommand } from '../command.js';
import { instanceJson, instanceLine } from '../output.js';

export const start = defineCommand({
  name: 'start',
  usage: 'start NAME [--no-wait]',
  args: 1,
  options: { 'no-wait': { type: 'boolean' } },
  async run({ swarm, out, args: [name], values }) {
    let view = await swarm.start(name);
    if (!values['no-wait']) view = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
    out.data(instanceJson(view), () => instanceLine(view));
  },
});
