import { defineCommand } from '../command.js';
import { hostJson, hostsTable } from '../output.js';

export const hostsList = defineCommand({
  name: 'hosts list',
  usage: 'hosts list',
  args: 0,
  options: {},
  async run({ swarm, out }) {
    const hosts = await swarm.hosts();
    out.data(hosts.map(hostJson), () => hostsTable(hosts));
  },
});
