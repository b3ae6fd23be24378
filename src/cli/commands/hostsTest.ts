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
    const nodes = r.nodes ? `\n${r.nodes.map((n) => `  node ${n.name}: ${n.role}, ${n.state}, ${n.availability}`).join('\n')}` : '';
    out.data(hostTestJson(r), () =>
      r.ok ? `${r.name}: ok, ${r.engineVersion}, ${r.latencyMs} ms${nodes}` : `${r.name}: FAILED — ${r.error}`,
    );
    if (!r.ok) throw new SwarmError(`${r.name} failed its test: ${r.error}`, { code: 'unreachable' });
  },
});
