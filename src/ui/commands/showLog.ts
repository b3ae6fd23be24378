import type { CommandHandler } from './commandHandler.js';

/** The extension's own "Code Swarm" log (an instance's logs are Show Logs). */
export const showLog: CommandHandler = async (services) => {
  services.log.show();
};
