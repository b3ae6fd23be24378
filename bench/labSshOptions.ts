/** What pins an OpenSSH client to the lab, for the baselines that run `ssh` as a user would. */
export interface LabSshFiles {
  readonly sshConfig: string;
  readonly knownHosts: string;
  readonly identityFile: string;
}

/**
 * The lab's ssh config, known_hosts and key, and nothing of ~/.ssh: no global
 * known_hosts, no other identity, no prompt. Both ssh baselines (the docker
 * CLI's wrapper, the lxc-over-ssh runner) authenticate exactly like this.
 */
export function labSshOptions(files: LabSshFiles): string[] {
  return [
    '-F',
    files.sshConfig,
    '-o',
    `UserKnownHostsFile=${files.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-i',
    files.identityFile,
  ];
}
