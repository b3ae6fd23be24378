import { defineCommand } from '../command.js';
import { healthJson } from '../output.js';

export const health = defineCommand({
  name: 'health',
  usage: 'health NAME',
  args: 1,
  options: {},
  async run({ swarm, out, args: [name] }) {
    const r = await swarm.checkHealth(name);
    out.data(healthJson(r), () => `${r.name}: ${r.health}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''}, ${r.latencyMs} ms`);
  },
});
