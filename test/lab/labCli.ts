import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { resolve } from 'node:path';
import { lab } from './lab.js';

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
