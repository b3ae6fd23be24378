import { z } from 'zod';
import type { HostLink } from '../transport/hostLink.js';
import { withDeadline } from './withDeadline.js';

/** code-server's `/healthz` body (out/node/routes/health.js). */
const HealthzSchema = z.object({ status: z.string(), lastHeartbeat: z.number() });

export interface Heartbeat {
  /** `alive`: a request other than /healthz came within the last minute, or a connection stayed open. */
  readonly status: string;
  /** code-server's clock (ms) at its last heartbeat; 0 when nothing but /healthz has come since it started. */
  readonly lastHeartbeat: number;
}

/** An answer bigger than this is not code-server's /healthz. */
const MAX_ANSWER = 4096;

/**
 * Reads code-server's heartbeat. The path must be exactly `/healthz`:
 * code-server beats its heart for every request whose URL is not
 * `^/healthz/?$` (out/node/routes/index.js), so even a query string would
 * count as activity. One request per connection (HTTP/1.0, closed at once):
 * after a real heartbeat, code-server keeps itself alive while ANY connection
 * is open, so a probe must never hold one (docs/IDLE.md).
 */
export async function readHeartbeat(link: HostLink, port: number, timeoutMs = 3_000): Promise<Heartbeat | undefined> {
  let stream;
  try {
    stream = await withDeadline(link.openTcp('127.0.0.1', port), timeoutMs, (late) => late.destroy());
  } catch {
    return undefined;
  }
  const opened = stream;
  return new Promise<Heartbeat | undefined>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (h: Heartbeat | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opened.destroy();
      resolve(h);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    opened.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ANSWER) finish(undefined);
    });
    opened.on('error', () => finish(undefined));
    const ended = () => finish(parseHealthzAnswer(Buffer.concat(chunks).toString('utf8')));
    opened.on('end', ended);
    opened.on('close', ended);
    opened.write('GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  });
}

/** A whole HTTP answer to GET /healthz, read back; undefined unless it is code-server's 200 with its JSON. */
export function parseHealthzAnswer(answer: string): Heartbeat | undefined {
  if (!/^HTTP\/1\.[01] 200 /.test(answer)) return undefined;
  const split = answer.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.slice(split + 4));
  } catch {
    return undefined;
  }
  const parsed = HealthzSchema.safeParse(body);
  return parsed.success ? { status: parsed.data.status, lastHeartbeat: parsed.data.lastHeartbeat } : undefined;
}
