import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';
import { runOnInstances } from './runOnInstances.js';

/** Like `code-swarm start`: starts, then waits until code-server answers. */
export const startInstance: CommandHandler = async (services, node, nodes) => {
  const targets = await pickInstances(services, node, nodes, { states: ['stopped', 'failed', 'created'], verb: 'start' });
  await runOnInstances('Starting', targets, async (v, report) => {
    await services.swarm.start(v.name);
    report(`waiting for ${v.name} to answer`);
    await services.swarm.waitHealthy(v.name, { timeoutMs: 120_000 });
  });
};
