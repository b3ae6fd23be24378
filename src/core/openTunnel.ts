import { toSwarmError, SwarmError } from '../shared/errors.js';
import { SessionTunnel } from '../transport/sessionTunnel.js';
import type { Tunnel } from '../transport/tunnel.js';
import { TunnelWorkerHandle } from '../transport/tunnelWorkerHandle.js';
import type { HostAccess, HostRegistry } from './hostRegistry.js';
import type { HostRecord } from '../shared/model.js';
import type { InstanceSecrets } from './instanceSecrets.js';
import { requireHost, requireInstance } from './records.js';
import type { Store } from './store.js';

/** The ui holds tunnels without reaching into the transport. */
export type { Tunnel } from '../transport/tunnel.js';

export interface TunnelContext {
  readonly store: Store;
  readonly secrets: InstanceSecrets;
  readonly registry: HostRegistry;
  /** The host's shared link, followed for reachability. */
  readonly accessOf: (host: HostRecord) => HostAccess;
  /** The tunnel worker script (default: the one next to the build). */
  readonly workerScript?: string | undefined;
}

/**
 * A local tunnel to an instance that logs the browser in by itself; close it
 * when done. To an SSH host it runs on a worker thread with a connection of
 * its own (tunnelWorkerHandle.ts); if that cannot start (a key the worker may not
 * ask about, a build without the worker), on this thread over the host's
 * shared connection, and `note` says why.
 */
export async function openTunnel(ctx: TunnelContext, name: string, options: { port?: number } = {}): Promise<Tunnel> {
  const rec = await requireInstance(ctx.store, name);
  if (rec.port === undefined || rec.state !== 'running') {
    throw new SwarmError(`${name} is ${rec.state}, not running`, { code: 'conflict', hint: `Start it first: code-swarm start ${name}` });
  }
  const host = await requireHost(ctx.store, rec.host);
  const { link } = ctx.accessOf(host);
  const target = {
    remotePort: rec.port,
    cookieName: `code-server-session-${rec.cookieSuffix}`,
    // With HASHED_PASSWORD, code-server's session cookie is that exact hash.
    sessionCookie: await ctx.secrets.session(rec.id),
    ...(options.port !== undefined ? { localPort: options.port } : {}),
  };
  if (link.kind !== 'ssh') return SessionTunnel.open({ link, ...target });
  let note: string;
  try {
    const ask = ctx.registry.askPassphrase;
    return await TunnelWorkerHandle.open({
      ...(await ctx.registry.workerConnection(host)),
      ...target,
      ...(ask ? { askPassphrase: ask } : {}),
      ...(ctx.workerScript !== undefined ? { script: ctx.workerScript } : {}),
    });
  } catch (e) {
    const err = toSwarmError(e);
    // A taken local port or an unreachable host would fail this thread the same way.
    if (['conflict', 'cancelled', 'unreachable', 'timeout'].includes(err.code)) throw err;
    note = `the tunnel worker could not start (${err.oneLine()})`;
  }
  return SessionTunnel.open({ link, ...target, note });
}
