import { setTimeout as sleep } from 'node:timers/promises';
import { type CheckContext, error, type Finding, type HostCheck, ok } from '../providers/hostCheck.js';
import { toSwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';

/** Keepalives this often on the probe connection; ssh2 drops it after 3 unanswered. */
const PROBE_KEEPALIVE_MS = 200;
/** Long enough for 5 keepalives: a host that ignores them has dropped the probe by then. */
const PROBE_WAIT_MS = 1_000;

/**
 * Whether the host is reached and its key trusted: the gate of every other
 * check. On failure the findings say why (unknown or changed key, auth,
 * network) and `connected` is false.
 */
export async function connectFindings(ctx: CheckContext): Promise<{ connected: boolean; findings: Finding[] }> {
  const { host } = ctx;
  if (host.kind === 'local') return { connected: true, findings: [ok('ssh.connect', 'this machine: no SSH needed')] };
  const started = performance.now();
  try {
    const r = await ctx.exec(['true']);
    if (r.code !== 0) throw new Error(`"true" exited ${r.code}: ${r.stderr.trim()}`);
    const ms = Math.round(performance.now() - started);
    return {
      connected: true,
      findings: [
        ok('ssh.connect', `${host.address} answers over SSH (${ms} ms)`),
        ok('ssh.host-key', 'its host key is trusted (known_hosts or accepted through Code Swarm)'),
      ],
    };
  } catch (e) {
    const err = toSwarmError(e);
    if (err.code === 'host-key-unknown') {
      return {
        connected: false,
        findings: [
          error('ssh.host-key', `${err.oneLine()}; after checking its fingerprint, run the doctor again with --accept-new-host-key`),
        ],
      };
    }
    if (err.code === 'host-key-changed') return { connected: false, findings: [error('ssh.host-key', err.oneLine())] };
    return { connected: false, findings: [error('ssh.connect', err.oneLine())] };
  }
}

/**
 * Whether the host answers SSH keepalives, on a connection of its own with
 * a short interval: a host (or a middlebox) that swallows them would get the
 * persistent connection dropped as dead, or a dead one go unnoticed.
 */
export function keepaliveCheck(openProbe: (host: HostRecord, keepaliveIntervalMs: number) => HostLink): HostCheck {
  return {
    id: 'ssh.keepalive',
    async run(ctx) {
      const probe = openProbe(ctx.host, PROBE_KEEPALIVE_MS);
      let dropped: string | undefined;
      const off = probe.onStateChange((state, reason) => {
        if (state === 'down') dropped ??= reason?.message ?? 'dropped';
      });
      try {
        await probe.exec(['true'], { timeoutMs: 10_000 });
        await sleep(PROBE_WAIT_MS);
        if (dropped === undefined) await probe.exec(['true'], { timeoutMs: 5_000 });
        if (dropped !== undefined) {
          return [
            error(
              'ssh.keepalive',
              `the connection dropped while only keepalives were sent (${dropped}): the host or a middlebox ignores them`,
            ),
          ];
        }
        return [ok('ssh.keepalive', `keepalives answered (every ${PROBE_KEEPALIVE_MS} ms for ${PROBE_WAIT_MS / 1000} s)`)];
      } finally {
        off();
        probe.dispose();
      }
    },
  };
}
