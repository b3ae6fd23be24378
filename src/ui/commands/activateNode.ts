import type { CommandHandler } from './commandHandler.js';
import { clusterNodeOf } from './drainNode.js';

/** Makes a drained swarm node active again; its pinned instances start there. */
export const activateNode: CommandHandler = async (services, node) => {
  const target = clusterNodeOf(node, 'Activate Node');
  await services.swarm.setNodeAvailability(target.host, target.name, 'active');
  void services.poller.refreshNow();
};
