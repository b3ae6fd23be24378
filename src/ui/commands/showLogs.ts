import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';

export const showLogs: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: ['starting', 'running', 'stopped', 'failed'], verb: 'show the logs of' });
  await services.logStreams.show(view.name);
};
