import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../core/fileSecretStore.js';
import { Store } from '../core/store.js';
import { Swarm, type SwarmOptions } from '../core/swarm.js';
import { askHidden } from './askHidden.js';
import type { GlobalValues } from './command.js';

/** The swarm in the state directory the global options name; dispose it when done. */
export async function openSwarm(v: GlobalValues, extra: Pick<SwarmOptions, 'handOffUpkeep'> = {}): Promise<Swarm> {
  const dir = v['state-dir'] ?? process.env.CODE_SWARM_HOME ?? join(homedir(), '.code-swarm');
  const [store, secrets] = await Promise.all([Store.open(dir), FileSecretStore.open(dir)]);
  const knownHosts = v['known-hosts'] ?? process.env.CODE_SWARM_KNOWN_HOSTS?.split(':').filter(Boolean);
  return new Swarm({
    ...extra,
    store,
    secrets,
    access: {
      ...(knownHosts ? { knownHostsFiles: knownHosts } : {}),
      ...(v['ssh-config'] ? { sshConfigPath: v['ssh-config'] } : {}),
      onUnknownHostKey: () => v['accept-new-host-key'] === true,
      askPassphrase: (path) => (process.stdin.isTTY ? askHidden(`Passphrase for ${path}: `) : Promise.resolve(undefined)),
    },
  });
}
