// The `lxc` baseline's transport: the lxc CLI run over plain `ssh`, a new
// connection per command, as a user would type it (bench/lxd.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { quoteArgv } from '../src/transport/shellQuote.js';
import { labSshOptions, type LabSshFiles } from './labSshOptions.js';

const execFileAsync = promisify(execFile);

/** Runs ARGV on the host over a new ssh connection; resolves to its stdout. */
export type SshRunner = (argv: readonly string[], timeoutMs?: number) => Promise<string>;

/** Swarm.waitHealthy's pacing (WAIT_PROBE_MS in src/core/healthMonitor.ts), so neither side's poll is finer than the other's. */
const POLL_S = '0.05';

/**
 * Polls /healthz with curl on the host, in one remote shell loop: Swarm.waitHealthy's
 * pacing, none of its connection. `sh -c HEALTH_LOOP sh PORT TIMEOUT_S`.
 */
export const HEALTH_LOOP =
  'end=$(( $(date +%s) + $2 )); ' +
  'until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/healthz" 2>/dev/null; do ' +
  '[ "$(date +%s)" -lt "$end" ] || { echo "no healthy answer on port $1 within $2 s" >&2; exit 1; }; ' +
  `sleep ${POLL_S}; done`;

/**
 * `ssh ALIAS ARGV...` as a user would type it: the lab's ssh config,
 * known_hosts and key pinned, nothing of ~/.ssh or an agent, a new
 * connection every time. argv is quoted into the one remote command line.
 */
export function sshRunner(alias: string, files: LabSshFiles, defaultTimeoutMs: number): SshRunner {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['SSH_AUTH_SOCK'];
  const base = [
    // stdin from /dev/null: `lxc launch` reads a config from a stdin that is not a terminal, and would wait on ours forever.
    '-n',
    ...labSshOptions(files),
  ];
  return async (argv, timeoutMs = defaultTimeoutMs) => {
    try {
      const r = await execFileAsync('ssh', [...base, alias, quoteArgv(argv)], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
      return r.stdout;
    } catch (e) {
      // execFile's message repeats the whole ssh command line; what the remote said is what matters.
      const x = e as { stderr?: unknown; signal?: unknown; killed?: unknown; code?: unknown };
      const said = typeof x.stderr === 'string' ? x.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] : undefined;
      const how =
        said ??
        (x.killed === true
          ? `killed after ${timeoutMs} ms`
          : typeof x.signal === 'string'
            ? `killed by ${x.signal}`
            : `exit ${String(x.code)}`);
      throw new Error(`ssh ${alias} ${argv.slice(0, 3).join(' ')}…: ${how}`, { cause: e });
    }
  };
}

/**
 * `lxc delete --force`, waiting out a create the daemon is still running:
 * an interrupted `lxc launch` kills the client, not the daemon's operation.
 */
export async function deleteWithRetry(ssh: SshRunner, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ssh(['lxc', 'delete', '--force', name], timeoutMs);
      return;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // A launch that failed early left nothing to delete.
      if (/not found/i.test(why)) return;
      if (!/busy/i.test(why) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}
