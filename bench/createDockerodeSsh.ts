import Docker from 'dockerode';
import type { ConnectConfig } from 'ssh2';
import { checkHostKey, type KnownHostEntry } from '../src/transport/knownHosts.js';

export interface DockerodeSshOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: Buffer;
  /** The host key must match one of these, as OpenSSH would check it. */
  readonly knownHosts: readonly KnownHostEntry[];
  /** Deadline for the SSH handshake. */
  readonly readyTimeoutMs: number;
}

/**
 * dockerode's own SSH transport, the thing Code Swarm does not use: docker-modem
 * opens a new SSH connection and runs `docker system dial-stdio` on the remote
 * for every API call. No ssh-agent, only the given key; the host key is checked.
 */
export function createDockerodeSsh(o: DockerodeSshOptions): Docker {
  const sshOptions: ConnectConfig = {
    privateKey: o.privateKey,
    hostVerifier: (key: Buffer) => checkHostKey([...o.knownHosts], o.host, o.port, key).kind === 'match',
    readyTimeout: o.readyTimeoutMs,
  };
  // No `timeout` here: docker-modem would call setTimeout() on the ssh2 exec
  // channel, which has none, and crash the process (TypeError outside any
  // promise). Callers bound the call themselves.
  return new Docker({ protocol: 'ssh', host: o.host, port: o.port, username: o.username, sshOptions });
}
