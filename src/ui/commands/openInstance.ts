import type { CommandHandler } from './commandHandler.js';
import { openInTunnel } from './openInTunnel.js';
import { pickInstance } from './pickInstances.js';

/** Opens in Simple Browser or the external browser, per `codeSwarm.openIn`. */
export const openInstance: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: ['running', 'stopped'], verb: 'open' });
  await openInTunnel(services, view, services.settings().openIn);
};
