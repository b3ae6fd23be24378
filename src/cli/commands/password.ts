import { defineCommand } from '../command.js';

export const password = defineCommand({
  name: 'password',
  usage: 'password NAME',
  args: 1,
  options: {},
  async run({ swarm, out, args: [name] }) {
    const pw = await swarm.password(name);
    out.data({ name, password: pw }, () => pw);
  },
});
