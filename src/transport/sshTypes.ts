import type { KnownHostEntry } from './knownHosts.js';

export interface SshEndpoint {
  /** The swarm's name for the host, used in messages. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Private keys tried in order, after the agent. */
  readonly identityFiles: readonly string[];
  /** ssh-agent socket; defaults to SSH_AUTH_SOCK. Empty string disables the agent. */
  readonly agentSocket?: string;
  /** The hop this host is reached through (ProxyJump), itself possibly behind another. */
  readonly jump?: SshEndpoint;
}

export interface UnknownHostKey {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  readonly keyBlob: Buffer;
}

export interface HostKeyPolicy {
  /** Entries from known_hosts files and the store's own known hosts. */
  knownHosts(): Promise<KnownHostEntry[]>;
  /**
   * Decides on a key seen for the first time. Synchronous on purpose: the
   * handshake has a deadline, so interactive callers refuse here and ask the
   * user after the attempt fails with `host-key-unknown`, then retry.
   */
  onUnknown(key: UnknownHostKey): boolean;
}

export interface SshConnectionOptions {
  readonly endpoint: SshEndpoint;
  readonly hostKeys: HostKeyPolicy;
  /** Asked for an encrypted identity file's passphrase; undefined skips the key. */
  readonly askPassphrase?: (keyPath: string) => Promise<string | undefined>;
  /** TCP connect + handshake + auth deadline. */
  readonly connectTimeoutMs?: number;
  /** Deadline for opening one channel on a live connection. */
  readonly channelTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  /** Try to reconnect in the background after a drop. */
  readonly autoReconnect?: boolean;
}
