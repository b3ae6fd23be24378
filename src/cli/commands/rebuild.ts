import { defineCommand } from '../command.js';
import { buildSinks, untilDone } from '../longRunning.js';
import { instanceJson, instanceLine } from '../output.js';

export const rebuild = defineCommand({
  name: 'rebuild',
  usage: 'rebuild NAME [--no-wait]',
  args: 1,
  options: { 'no-wait': { type: 'boolean' } },
  async run({ swarm, out, args: [name], values }) {
    const view = await untilDone(async (signal) => {
      const made = await swarm.rebuild(name, { signal, ...buildSinks(out) });
      return values['no-wait'] ? made : swarm.waitHealthy(made.name, { timeoutMs: 180_000, signal });
    });
    out.data(instanceJson(view), () => instanceLine(view));
  },
});
