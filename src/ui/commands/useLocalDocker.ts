import * as vscode from 'vscode';
import { SwarmError } from '../../shared/errors.js';
import { addHostWithTrust } from './addHostWithTrust.js';
import type { CommandHandler } from './commandHandler.js';

/** The embedded default, added only when the user asks: this machine's Docker socket as host `local`. */
export const useLocalDocker: CommandHandler = async (services) => {
  const existing = (await services.swarm.hosts()).find((h) => h.kind === 'local');
  if (existing) {
    throw new SwarmError(`This machine's Docker engine is already added, as ${existing.name}`, { code: 'conflict' });
  }
  const host = await addHostWithTrust(services, { name: 'local', local: true });
  services.log.info(`Added host ${host.name} (${host.engineVersion ?? host.provider})`);
  void vscode.window.showInformationMessage(
    `Added this machine's Docker engine as ${host.name}${host.engineVersion ? ` (${host.engineVersion})` : ''}.`,
  );
  void services.poller.refreshNow();
};
