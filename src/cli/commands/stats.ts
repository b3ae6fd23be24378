import { invalidInput, defineCommand } from '../command.js';
import { hostResourcesTable, usageJson, usageTable } from '../statsOutput.js';

export const stats = defineCommand({
  name: 'stats',
  usage: 'stats [NAME] [--host HOST]',
  args: 0,
  optionalArgs: 1,
  options: { host: { type: 'string' } },
  check(values) {
    if (values.host !== undefined && values.host.trim() === '') throw invalidInput('--host needs a host name');
  },
  async run({ swarm, out, args: [name], values }) {
    if (name !== undefined) {
      const there = values.host === undefined ? undefined : (await swarm.views()).find((v) => v.name === name);
      if (there && there.host !== values.host) throw invalidInput(`${name} runs on ${there.host}, not ${values.host}`);
      const u = await swarm.stats(name);
      out.data([usageJson(u)], () => usageTable([u]));
      return;
    }
    // The store says which instances run; a refresh first would make every stats call wait for a list.
    const { usage, failures } = await swarm.statsAll(values.host);
    for (const f of failures) out.error(`code-swarm: could not read ${f.name} on ${f.host}: ${f.error}`);
    if (out.json) {
      out.data(usage.map(usageJson), () => '');
      return;
    }
    const hosts = await swarm.hostResources(values.host);
    out.data(null, () => `${usageTable(usage)}\n\n${hostResourcesTable(hosts)}`);
  },
});
