import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../../src/core/store.js';
import { Swarm, type SwarmOptions } from '../../../../src/core/swarm.js';
import type { ProviderKind } from '../../../../src/shared/model.js';
import type { ProviderFactory } from '../../../../src/core/hostRegistry.js';
import { FakeHostLink } from './fakeHostLink.js';
import { FakeProvider } from './fakeProvider.js';
import { MemorySecretStore } from './memorySecretStore.js';

/** A Swarm on a store in a temp dir, whose hosts are fake engines behind fake links. */
export interface FakeFleet {
  readonly swarm: Swarm;
  readonly store: Store;
  readonly secrets: MemorySecretStore;
  /** The host's engine (one per host, whichever link reaches it). */
  provider(host: string): FakeProvider;
  /** The host's shared link (opened on the Swarm's first use of the host). */
  link(host: string): FakeHostLink;
  /** Adds an SSH host named `name` with the Docker provider. */
  addHost(name: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function fakeFleet(options: Partial<Omit<SwarmOptions, 'store' | 'secrets'>> = {}): Promise<FakeFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'code-swarm-unit-'));
  const store = await Store.open(join(dir, 'store'));
  const secrets = new MemorySecretStore();
  const providers = new Map<string, FakeProvider>();
  const links = new Map<string, FakeHostLink>();
  const provider = (host: string) => {
    let p = providers.get(host);
    if (!p) providers.set(host, (p = new FakeProvider()));
    return p;
  };
  const factories = new Map<ProviderKind, ProviderFactory>([['docker', (_link, host) => provider(host.name)]]);
  const swarm = new Swarm({
    store,
    secrets,
    // Nothing of this machine's ~/.ssh is read: no known_hosts, no config, no agent.
    access: { knownHostsFiles: [], sshConfigPath: join(dir, 'no-ssh-config'), agentSocket: '' },
    providerFactories: factories,
    linkFactory: (host, ssh) => {
      const link = new FakeHostLink(host.name, host.kind);
      // A probe's link (adding a host) is its own; the registry keeps one shared link per host.
      if (ssh.autoReconnect !== false) links.set(host.name, link);
      return link;
    },
    ...options,
  });
  return {
    swarm,
    store,
    secrets,
    provider,
    link(host) {
      const l = links.get(host);
      if (!l) throw new Error(`the Swarm has not opened ${host}'s link yet`);
      return l;
    },
    async addHost(name) {
      await swarm.addHost({ name, ssh: `dev@${name}`, provider: 'docker' });
    },
    async dispose() {
      swarm.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export { sleep };
