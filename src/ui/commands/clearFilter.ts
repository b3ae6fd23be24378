import type { CommandHandler } from './commandHandler.js';

/** Shows every instance again. */
export const clearFilter: CommandHandler = (services) => {
  services.treeFilter.set(undefined);
  return Promise.resolve();
};
