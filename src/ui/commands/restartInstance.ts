import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';
import { runOnInstances } from './runOnInstances.js';

/** Like `code-swarm restart`: restarts, then waits until code-server answers again. */
export const restartInstance: CommandHandler = async (services, node, nodes) => {
  const targets = await pickInstances(services, node, nodes, { states: ['running', 'starting', 'failed'], verb: 'restart' });
  await runOnInstances('Restarting', targets, async (v, report) => {
    await services.swarm.restart(v.name);
    report(`waiting for ${v.name} to answer`);
    await services.swarm.waitHealthy(v.name, { timeoutMs: 120_000 });
  });
};
