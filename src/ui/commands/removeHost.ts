import * as vscode from 'vscode';
import { cancelled } from '../cancelled.js';
import type { CommandHandler } from './commandHandler.js';
import { pickHost } from './pickHost.js';

/** Forgets a host. Its containers are never touched; with instances it asks twice as clearly. */
export const removeHost: CommandHandler = async (services, node) => {
  const host = await pickHost(services, node, 'Remove Host');
  const instances = (await services.swarm.views(host.name)).map((v) => v.name);
  const force = instances.length > 0;
  const action = force ? 'Remove Host and Forget Instances' : 'Remove Host';
  const choice = await vscode.window.showWarningMessage(
    `Remove the host ${host.name} from Code Swarm?`,
    {
      modal: true,
      detail: force
        ? `It still has ${instances.length} instance(s): ${instances.join(', ')}. Code Swarm forgets them and their passwords; their containers keep running on the host, unmanaged.`
        : 'Code Swarm forgets the host; nothing on it is changed.',
    },
    action,
  );
  if (choice !== action) throw cancelled();
  for (const name of instances) {
    services.tunnels.close(name);
    services.logStreams.close(name);
  }
  await services.swarm.removeHost(host.name, { force });
};
