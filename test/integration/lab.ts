import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKnownHostsFiles } from '../../src/transport/knownHosts.js';
import { SshConnection, type SshConnectionOptions } from '../../src/transport/sshConnection.js';

export interface LabHost {
  address: string;
  port: number;
  user: string;
  role: 'docker' | 'lxd' | 'nodocker';
  provider: 'docker' | 'lxd';
  remoteSocket: string;
  netns: string;
  hostKeyPub: string;
  engineSocketOnLabMachine: string;
}

export interface LabEnv {
  root: string;
  clientKey: string;
  wrongKey: string;
  passphraseKey: string;
  passphrase: string;
  knownHosts: string;
  sshConfig: string;
  dockerImage: string;
  lightImage: string;
  lxdImage: string;
  codeServerBin: string;
  local: { dockerSocket: string };
  hosts: Record<'alpha' | 'beta' | 'gamma' | 'delta', LabHost>;
}

let cached: LabEnv | undefined;

/** The lab descriptor written by `scripts/testbed up`. A missing lab fails the suite. */
export function lab(): LabEnv {
  if (cached) return cached;
  const root = process.env.CODE_SWARM_LAB_ROOT ?? '/var/lib/code-swarm-lab';
  const file = join(root, 'env.json');
  try {
    cached = JSON.parse(readFileSync(file, 'utf8')) as LabEnv;
  } catch (e) {
    throw new Error(`The lab is not up (${file} unreadable: ${(e as Error).message}); run "sudo scripts/testbed up" first`);
  }
  return cached;
}

export type LabHostName = keyof LabEnv['hosts'];

/** A connection to a lab host, checked against the lab's known_hosts. */
export function labConnection(name: LabHostName, overrides: Partial<SshConnectionOptions> = {}): SshConnection {
  const env = lab();
  const h = env.hosts[name];
  return new SshConnection({
    endpoint: { label: name, host: h.address, port: h.port, username: h.user, identityFiles: [env.clientKey], agentSocket: '' },
    hostKeys: { knownHosts: () => loadKnownHostsFiles([env.knownHosts]), onUnknown: () => false },
    connectTimeoutMs: 5_000,
    ...overrides,
  });
}
