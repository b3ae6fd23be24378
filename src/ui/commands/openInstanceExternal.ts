import type { CommandHandler } from './commandHandler.js';
import { openInTunnel } from './openInTunnel.js';
import { pickInstance } from './pickInstances.js';

export const openInstanceExternal: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: ['running', 'stopped'], verb: 'open in the external browser' });
  await openInTunnel(services, view, 'external');
};
