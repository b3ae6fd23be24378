import type { CommandHandler } from './commandHandler.js';

/** The whole swarm in one page: hosts with their room, instances with charts and the tree's actions. */
export const openDashboard: CommandHandler = (services) => {
  services.dashboard.show();
  return Promise.resolve();
};
