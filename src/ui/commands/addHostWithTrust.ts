import * as vscode from 'vscode';
import type { AddHostInput } from '../../core/swarm.js';
import type { HostView } from '../../core/views.js';
import { unknownHostKeyOf } from '../../core/unknownHostKey.js';
import { cancelled } from '../cancelled.js';
import type { Services } from '../services.js';

const ACCEPT = 'Accept';

/**
 * Adds a host with progress. An unknown host key stops the attempt (the
 * handshake cannot wait for a person); the key is shown in a modal, and once
 * accepted it is trusted and the attempt repeated. A changed key is a
 * `host-key-changed` error and is never offered for acceptance.
 */
export async function addHostWithTrust(services: Services, input: AddHostInput): Promise<HostView> {
  const where = input.local === true ? 'this machine' : input.ssh;
  // A jump host or a second address can each present a new key: allow a few rounds.
  for (let round = 0; ; round++) {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Connecting to ${input.name} (${where}); looking for Docker or LXD` },
        () => services.swarm.addHost(input),
      );
    } catch (e) {
      const key = unknownHostKeyOf(e);
      if (!key || round >= 3) throw e;
      services.log.info(`Host key of ${key.host}:${key.port} is unknown: ${key.keyType} ${key.fingerprint}`);
      const choice = await vscode.window.showWarningMessage(
        `The host key of ${input.name} (${key.host}:${key.port}) is not known yet.`,
        {
          modal: true,
          detail:
            `${key.keyType} key fingerprint:\n${key.fingerprint}\n\n` +
            'Accept it only if it matches the key the host shows (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host). ' +
            'Code Swarm remembers it and refuses the host if its key ever changes.',
        },
        ACCEPT,
      );
      if (choice !== ACCEPT) throw cancelled();
      await services.swarm.trustHostKey(key);
      services.log.info(`Trusted ${key.keyType} ${key.fingerprint} for ${key.host}:${key.port}`);
    }
  }
}
