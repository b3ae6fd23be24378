import { existsSync } from 'node:fs';
import { loadSshConfig } from '../transport/sshConfig.js';

/** An ~/.ssh/config alias as Add Host offers it. */
export interface SshAlias {
  readonly alias: string;
  readonly user: string | undefined;
  readonly hostName: string;
  readonly port: number;
}

/** The aliases of an ssh config file (default ~/.ssh/config), resolved. */
export async function listSshAliases(configPath?: string): Promise<SshAlias[]> {
  const config = await loadSshConfig(configPath);
  return config.aliases().map((alias) => {
    const r = config.resolve(alias);
    return { alias, user: r.user, hostName: r.hostName, port: r.port };
  });
}

/** Resolves an ~/.ssh/config alias into the fields a HostRecord keeps. */
export async function resolveSshAlias(
  alias: string,
  configPath?: string,
): Promise<
  { hostName: string; port: number; user: string | undefined; identityFile: string | undefined; proxyJump: string | undefined } | undefined
> {
  const config = await loadSshConfig(configPath);
  if (!config.aliases().includes(alias)) return undefined;
  const r = config.resolve(alias);
  return {
    hostName: r.hostName,
    port: r.port,
    user: r.user,
    identityFile: r.identityFiles.find((f) => existsSync(f)),
    proxyJump: r.proxyJump,
  };
}
