import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Provider } from '../providers/provider.js';
import { providerFactories, type ProviderFactory } from '../providers/registry.js';
import type { HostLink } from '../transport/hostLink.js';
import { loadKnownHostsFiles, type KnownHostEntry } from '../transport/knownHosts.js';
import { LocalHostLink } from '../transport/localHostLink.js';
import { parseProxyJump } from '../transport/sshConfig.js';
import { SshConnection } from '../transport/sshConnection.js';
import { type SshConnectionOptions, type SshEndpoint, type UnknownHostKey } from '../transport/sshTypes.js';
import { SshHostLink } from '../transport/sshHostLink.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord, ProviderKind } from '../shared/model.js';

export interface HostAccessOptions {
  /** known_hosts files to trust (default: ~/.ssh/known_hosts). */
  readonly knownHostsFiles?: readonly string[];
  /** ssh config file for aliases (default: ~/.ssh/config). */
  readonly sshConfigPath?: string;
  /** ssh-agent socket (default: SSH_AUTH_SOCK; '' disables). */
  readonly agentSocket?: string;
  /** Decides on a host key seen for the first time (default: refuse). */
  readonly onUnknownHostKey?: (key: UnknownHostKey) => boolean;
  readonly askPassphrase?: (keyPath: string) => Promise<string | undefined>;
  readonly connectTimeoutMs?: number;
}

export interface HostAccess {
  readonly link: HostLink;
  readonly provider: Provider;
}

export { providerFactories, type ProviderFactory };

/** Opens the link to a host; `ssh` is what an SSH connection to it needs (unused for a local host). */
export type LinkFactory = (host: HostRecord, ssh: SshConnectionOptions) => HostLink;

/** This machine's engine directly, any other host over one SSH connection. */
export const openHostLink: LinkFactory = (host, ssh) =>
  host.kind === 'local' ? new LocalHostLink(host.name) : new SshHostLink(new SshConnection(ssh));

export interface HostRegistryOptions {
  readonly access: HostAccessOptions;
  /** The store's own trusted keys (accepted through Code Swarm). */
  readonly storeKnownHosts: () => Promise<KnownHostEntry[]>;
  /** Called when a new key is accepted, to persist it. */
  readonly onTrusted: (key: UnknownHostKey) => void;
  /** The engines this build can drive (default: Docker and LXD); tests pass fakes. */
  readonly providerFactories?: ReadonlyMap<ProviderKind, ProviderFactory>;
  /** How a host's link is opened (default: openHostLink); tests pass fakes. */
  readonly linkFactory?: LinkFactory;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * One link and one provider per host, created on first use and kept: this is
 * what makes every call to a host ride the same SSH connection.
 */
export class HostRegistry {
  private readonly open = new Map<string, HostAccess>();
  /** Work a host's provider started that outlives its call (a swarm host's refill), by host. */
  private readonly pending = new Map<string, Set<Promise<void>>>();
  private readonly options: HostAccessOptions;
  private readonly providers: ReadonlyMap<ProviderKind, ProviderFactory>;
  private readonly openLink: LinkFactory;

  constructor(private readonly deps: HostRegistryOptions) {
    this.options = deps.access;
    this.providers = deps.providerFactories ?? providerFactories;
    this.openLink = deps.linkFactory ?? openHostLink;
  }

  get(host: HostRecord): HostAccess {
    const existing = this.open.get(host.name);
    if (existing) return existing;
    const factory = this.factoryFor(host);
    const link = this.openLink(host, this.sshOptions(host));
    const access = { link, provider: factory(link, host) };
    this.open.set(host.name, access);
    return access;
  }

  /** A throwaway link for probing a host that is not in the store yet. */
  probe(host: HostRecord, onUnknownHostKey?: (key: UnknownHostKey) => boolean, options: { keepaliveIntervalMs?: number } = {}): HostLink {
    return this.openLink(host, { ...this.sshOptions(host, onUnknownHostKey), ...options, autoReconnect: false });
  }

  /**
   * What a tunnel worker needs to open a connection of its own to an SSH
   * host, as plain data: the same endpoint, and the keys trusted right now.
   */
  async workerConnection(host: HostRecord): Promise<{ endpoint: SshEndpoint; knownHosts: KnownHostEntry[]; connectTimeoutMs: number }> {
    const o = this.sshOptions(host);
    return { endpoint: o.endpoint, knownHosts: await o.hostKeys.knownHosts(), connectTimeoutMs: o.connectTimeoutMs };
  }

  get askPassphrase(): ((keyPath: string) => Promise<string | undefined>) | undefined {
    return this.options.askPassphrase;
  }

  providerFor(link: HostLink, host: HostRecord): Provider {
    return this.factoryFor(host)(link, host);
  }

  /**
   * Keeps `work` a provider started for this host beyond its call until it
   * ends; the host's link closes only after it. Its failure is its own to
   * record (a refill that fails costs the next create its head start).
   */
  keep(name: string, work: Promise<void>): void {
    const set = this.pending.get(name) ?? new Set<Promise<void>>();
    this.pending.set(name, set);
    const held: Promise<void> = work.catch(() => undefined).finally(() => set.delete(held));
    set.add(held);
  }

  /** Waits for the host's kept work, including any started meanwhile. */
  async settle(name: string): Promise<void> {
    for (let set = this.pending.get(name); set && set.size > 0; set = this.pending.get(name)) await Promise.all([...set]);
  }

  /** Drops the host's link and provider; the link closes once its kept work is done. */
  forget(name: string): void {
    const link = this.open.get(name)?.link;
    this.open.delete(name);
    void this.settle(name).then(() => link?.dispose());
  }

  /** Closes every link, each once its host's kept work is done: no process ends with half a slot made. */
  async dispose(): Promise<void> {
    const open = [...this.open.entries()];
    this.open.clear();
    await Promise.all(open.map(([name, a]) => this.settle(name).then(() => a.link.dispose())));
  }

  private factoryFor(host: HostRecord): ProviderFactory {
    const factory = this.providers.get(host.provider);
    if (!factory) throw new SwarmError(`The ${host.provider} provider is not available in this build`, { code: 'internal' });
    return factory;
  }

  private sshOptions(host: HostRecord, onUnknown?: (key: UnknownHostKey) => boolean) {
    const files = this.options.knownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')];
    const decide = onUnknown ?? this.options.onUnknownHostKey ?? (() => false);
    return {
      endpoint: this.endpointFor(host),
      hostKeys: {
        knownHosts: async () => [...(await loadKnownHostsFiles([...files])), ...(await this.deps.storeKnownHosts())],
        onUnknown: (key: UnknownHostKey) => {
          const ok = decide(key);
          if (ok) this.deps.onTrusted(key);
          return ok;
        },
      },
      ...(this.options.askPassphrase ? { askPassphrase: this.options.askPassphrase } : {}),
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
    };
  }

  private endpointFor(host: HostRecord): SshEndpoint {
    const identities = host.identityFile
      ? [host.identityFile]
      : DEFAULT_IDENTITIES.map((f) => join(homedir(), '.ssh', f)).filter((p) => existsSync(p));
    const username = host.user ?? process.env.USER ?? 'root';
    const agent = this.options.agentSocket !== undefined ? { agentSocket: this.options.agentSocket } : {};
    // Hops are listed outermost first; each one is reached through the one before.
    let jump: SshEndpoint | undefined;
    for (const hop of host.proxyJump ? parseProxyJump(host.proxyJump) : []) {
      jump = {
        label: `${host.name}'s jump host ${hop.host}`,
        host: hop.host,
        port: hop.port,
        username: hop.user ?? username,
        identityFiles: identities,
        ...agent,
        ...(jump ? { jump } : {}),
      };
    }
    return {
      label: host.name,
      host: host.hostName ?? host.address,
      port: host.port ?? 22,
      username,
      identityFiles: identities,
      ...agent,
      ...(jump ? { jump } : {}),
    };
  }
}
