import type { HostLink } from '../transport/hostLink.js';
import { SwarmError } from '../shared/errors.js';
import { NOT_LISTENING, probeHealth, type HealthResult } from './healthProbe.js';
import { withDeadline } from './withDeadline.js';

/**
 * A health round over SSH used to open one `direct-tcpip` channel per
 * instance: open, confirm, request, answer, EOF and close, each an encrypted
 * packet the extension host builds and reads. Probing a host's instances from
 * one remote `curl` per round costs one channel per host instead, whatever
 * the number of instances; the probes themselves stay GET /healthz on the
 * host's loopback, as before.
 */

/** Below this many instances on a host, one channel per probe is cheaper than a process on the host. */
export const BATCH_MIN = 2;
/** A host whose curl cannot do the batch is asked again after this long (curl may get installed). */
const RETRY_UNSUPPORTED_MS = 10 * 60_000;
/** What the exec may take beyond curl's own limit: the channel open and the process start. */
const EXEC_SLACK_MS = 2_000;
/** curl's own bound on transfers at once; a host rarely runs more instances than this. */
const PARALLEL_MAX = 64;

const unsupportedUntil = new WeakMap<HostLink, number>();

/**
 * One remote command that probes every port and prints one line per port:
 * `url http_code exitcode time_total`. Every element is a fixed word or a
 * number: nothing the user typed reaches the host's shell. `-q` (first)
 * ignores a ~/.curlrc on the host, `--noproxy *` its proxy variables.
 */
export function curlProbeArgv(ports: readonly number[], timeoutMs: number, command = 'curl'): string[] {
  const seconds = (Math.max(timeoutMs, 100) / 1000).toFixed(3);
  const argv = [
    command,
    '-q',
    '--silent',
    // --parallel draws its meter on stderr despite --silent.
    '--no-progress-meter',
    '--noproxy',
    '*',
    '--connect-timeout',
    seconds,
    '--max-time',
    seconds,
    '--parallel',
    '--parallel-max',
    String(PARALLEL_MAX),
    '--write-out',
    '%{url} %{http_code} %{exitcode} %{time_total}\\n',
  ];
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`not a TCP port: ${port}`);
    argv.push('--output', '/dev/null', `http://127.0.0.1:${port}/healthz`);
  }
  return argv;
}

const LINE = /^http:\/\/127\.0\.0\.1:(\d{1,5})\/healthz (\d{3}) (\d+) (\d+(?:[.,]\d+)?)$/;

/** curl's exit codes a probe can end with, in the words the one-channel probe uses. */
function failureDetail(exitCode: number, timeoutMs: number): string {
  switch (exitCode) {
    case 7:
      return NOT_LISTENING;
    case 28:
      return `no answer within ${timeoutMs} ms`;
    case 52:
      return 'connection closed';
    case 56:
      return 'connection reset';
    default:
      return `no HTTP answer (curl exit ${exitCode})`;
  }
}

/**
 * Reads curl's lines back into results by port. Returns undefined when the
 * output is not what `curlProbeArgv` asks for (an old curl that does not know
 * `--parallel` or `%{exitcode}`): the caller then probes one channel per port.
 */
export function parseCurlProbe(stdout: string, ports: readonly number[], timeoutMs: number): Map<number, HealthResult> | undefined {
  const wanted = new Set(ports);
  const out = new Map<number, HealthResult>();
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) return undefined;
    const port = Number(m[1]);
    if (!wanted.has(port)) return undefined;
    const status = Number(m[2]);
    const exitCode = Number(m[3]);
    const latencyMs = Math.round(Number((m[4] ?? '0').replace(',', '.')) * 10_000) / 10;
    if (status !== 0) {
      // Any HTTP answer is an answer: 200 is up (code-server says "expired" when merely idle).
      out.set(port, { health: status === 200 ? 'healthy' : 'unhealthy', httpStatus: status, latencyMs });
    } else {
      out.set(port, { health: 'unhealthy', httpStatus: undefined, latencyMs, detail: failureDetail(exitCode, timeoutMs) });
    }
  }
  return out.size === wanted.size ? out : undefined;
}

export interface BatchOptions {
  /** The remote command's name; tests use a missing one to exercise the fallback. */
  readonly command?: string;
}

/**
 * Probes every port on one host. Over SSH with several ports, one remote curl
 * does them all; where that cannot be done (this machine, one port, no usable
 * curl on the host) each port gets its own channel as `probeHealth` does. The
 * results are the same either way: healthy, unhealthy with a reason, or
 * unreachable when the host itself does not answer.
 */
export async function probeHealthBatch(
  link: HostLink,
  ports: readonly number[],
  timeoutMs = 3_000,
  options: BatchOptions = {},
): Promise<Map<number, HealthResult>> {
  const unique = [...new Set(ports)];
  const now = Date.now();
  if (link.kind === 'local' || unique.length < BATCH_MIN || (unsupportedUntil.get(link) ?? 0) > now) {
    return oneChannelEach(link, unique, timeoutMs);
  }
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let result;
  try {
    // The exec's own timer starts once its channel is open; a host that stopped answering must not hold the round longer.
    result = await withDeadline(
      link.exec(curlProbeArgv(unique, timeoutMs, options.command), { timeoutMs: timeoutMs + EXEC_SLACK_MS, maxBytes: 1024 * 1024 }),
      timeoutMs + EXEC_SLACK_MS,
    );
  } catch (e) {
    const err = e instanceof SwarmError ? e : undefined;
    if (err && (err.code === 'unreachable' || err.code === 'timeout')) {
      const down: HealthResult = { health: 'unreachable', httpStatus: undefined, latencyMs: elapsed(), detail: err.message };
      return new Map(unique.map((p) => [p, down]));
    }
    // The host answers but will not run the command (a session limit, a
    // forced command): the channels still work.
    return oneChannelEach(link, unique, timeoutMs);
  }
  const parsed = parseCurlProbe(result.stdout, unique, timeoutMs);
  if (parsed) return parsed;
  // No curl, or one too old for --parallel/%{exitcode}: probe one channel
  // each, and do not ask this host again for a while.
  unsupportedUntil.set(link, now + RETRY_UNSUPPORTED_MS);
  return oneChannelEach(link, unique, timeoutMs);
}

async function oneChannelEach(link: HostLink, ports: readonly number[], timeoutMs: number): Promise<Map<number, HealthResult>> {
  const results = await Promise.all(ports.map(async (p) => [p, await probeHealth(link, p, timeoutMs)] as const));
  return new Map(results);
}
