import type { HostLink } from '../transport/hostLink.js';
import { SwarmError } from '../shared/errors.js';
import type { Health } from '../shared/model.js';
import { withDeadline } from './withDeadline.js';

export interface HealthResult {
  readonly health: Health;
  /** HTTP status of GET /healthz, when code-server answered at all. */
  readonly httpStatus: number | undefined;
  readonly latencyMs: number;
  readonly detail?: string;
}

/** A probe's detail when the host refused the port: code-server is not up, or Docker moved it (a restart after a crash takes a new port). */
export const NOT_LISTENING = 'nothing is listening';

/**
 * GET /healthz on the host's loopback port, through the host's link. Raw
 * HTTP/1.0 on one channel: the cheapest possible probe, no agent or pooling.
 * Any 200 is up: code-server says {"status":"expired"} when merely idle.
 */
export async function probeHealth(link: HostLink, port: number, timeoutMs = 3_000): Promise<HealthResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let stream;
  try {
    // The probe's deadline covers opening the channel too: a host that stopped
    // answering must show as unreachable within one probe, not one SSH timeout.
    stream = await withDeadline(link.openTcp('127.0.0.1', port), timeoutMs, (late) => late.destroy());
  } catch (e) {
    const err = e instanceof SwarmError ? e : undefined;
    // The host answered but nothing listens on the port: code-server is not up
    // (yet). This machine itself is never "unreachable".
    if (link.kind === 'local' || (err && (err.code === 'permission-denied' || err.code === 'internal'))) {
      return { health: 'unhealthy', httpStatus: undefined, latencyMs: elapsed(), detail: NOT_LISTENING };
    }
    return { health: 'unreachable', httpStatus: undefined, latencyMs: elapsed(), detail: err?.message ?? String(e) };
  }
  return new Promise<HealthResult>((resolve) => {
    let head = '';
    let done = false;
    const finish = (r: HealthResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ health: 'unhealthy', httpStatus: undefined, latencyMs: elapsed(), detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    stream.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m) {
        const status = Number(m[1]);
        finish({ health: status === 200 ? 'healthy' : 'unhealthy', httpStatus: status, latencyMs: elapsed() });
      } else if (head.length > 64) {
        finish({ health: 'unhealthy', httpStatus: undefined, latencyMs: elapsed(), detail: 'not an HTTP answer' });
      }
    });
    stream.on('error', () => finish({ health: 'unhealthy', httpStatus: undefined, latencyMs: elapsed(), detail: 'connection reset' }));
    // Docker's proxy accepts and then closes when code-server is not up yet.
    const closed = () => finish({ health: 'unhealthy', httpStatus: undefined, latencyMs: elapsed(), detail: 'connection closed' });
    stream.on('end', closed);
    stream.on('close', closed);
    stream.write('GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  });
}
