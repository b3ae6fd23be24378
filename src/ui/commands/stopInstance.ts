import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';
import { runOnInstances } from './runOnInstances.js';

export const stopInstance: CommandHandler = async (services, node, nodes) => {
  const targets = await pickInstances(services, node, nodes, { states: ['running', 'starting'], verb: 'stop' });
  await runOnInstances('Stopping', targets, async (v) => {
    await services.swarm.stop(v.name);
    services.tunnels.close(v.name);
  });
};
