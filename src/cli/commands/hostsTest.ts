import { SwarmError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import { hostTestJson } from '../output.js';

export const hostsTest = defineCommand({
  name: 'hosts test',
  usage: 'hosts test NAME',
  args: 1,
  options: {},
  async run({ swarm, out, args: [name] }) {
    const r = await swarm.testHost(name);
    out.data(hostTestJson(r), () => (r.ok ? `${r.name}: ok, ${r.engineVersion}, ${r.latencyMs} ms` : `${r.name}: FAILED — ${r.error}`));
    if (!r.ok) throw new SwarmError(`${r.name} failed its test: ${r.error}`, { code: 'unreachable' });
  },
});
