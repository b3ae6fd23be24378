import { defineCommand } from '../command.js';

export const snapshot = defineCommand({
  name: 'snapshot',
  usage: 'snapshot NAME [--label L]',
  args: 1,
  options: { label: { type: 'string' } },
  async run({ swarm, out, args: [name], values }) {
    const s = await swarm.snapshot(name, values.label);
    // On stderr in human mode, so a script reading stdout still gets just the result line.
    if (s.warning !== undefined && !out.json) out.error(`code-swarm: warning: ${s.warning}`);
    out.data(
      { name, snapshot: s.name, createdAt: s.createdAt, label: s.label ?? null, warning: s.warning ?? null },
      () => `Snapshot ${s.name} of ${name} taken`,
    );
  },
});
