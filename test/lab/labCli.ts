import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { resolve } from 'node:path';
import { lab, type LabHostName } from './lab.js';

/** The built CLI, run as a user runs it: a whole process. */
export const CLI = resolve(__dirname, '../../../dist/cli.js');

/**
 * The CLI on one state folder (read when called: suites make it in `before`),
 * trusting the lab's host keys, with no SSH agent, so only the lab's key is
 * tried.
 */
export function labCli(state: () => string): (...args: string[]) => SpawnSyncReturns<string> {
  return (...args) =>
    spawnSync(process.execPath, [CLI, '--state-dir', state(), '--known-hosts', lab().knownHosts, ...args], {
      encoding: 'utf8',
      timeout: 400_000,
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
}

type Cli = (...args: string[]) => SpawnSyncReturns<string>;

/** `hosts add` of a lab host over SSH with the lab's key; a refusal fails the suite's setup. */
export function cliAddLabHost(cli: Cli, host: LabHostName, ...extra: string[]): void {
  const h = lab().hosts[host];
  const added = cli('hosts', 'add', host, '--ssh', `${h.user}@${h.address}:${h.port}`, '--identity', lab().clientKey, ...extra);
  if (added.status !== 0) throw new Error(`hosts add ${host} failed: ${added.stderr.trim()}`);
}

/** Deletes every instance the CLI lists, volumes and all: a suite's cleanup. */
export function purgeAll(cli: Cli): void {
  for (const v of JSON.parse(cli('--json', 'list').stdout) as { name: string }[]) cli('delete', v.name, '--purge');
}
