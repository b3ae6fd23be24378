import type { ClusterNode, Provider } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import { requireHost } from './records.js';
import type { Store } from './store.js';

/** What the cluster-node operations need from the Swarm. */
export interface ClusterNodeContext {
  readonly store: Store;
  readonly providerOf: (host: HostRecord) => Provider;
  /** The host's instances changed (a drain stops its pinned ones). */
  readonly changed: (host: string) => void;
}

/** A swarm host's nodes with their role, state and availability (the tree's children of the host). */
export async function clusterNodes(ctx: ClusterNodeContext, hostName: string): Promise<ClusterNode[]> {
  const provider = ctx.providerOf(await requireHost(ctx.store, hostName));
  if (!provider.clusterNodes) return [];
  return provider.clusterNodes();
}

/**
 * Drains a node for maintenance, or makes it active again. Every instance is
 * pinned to the node that holds its workspace, so a drained node's instances
 * do not move: they stop and wait there. That is refused unless `force`, with
 * the names and what happens to them, so a drain never surprises anyone.
 */
export async function setNodeAvailability(
  ctx: ClusterNodeContext,
  hostName: string,
  node: string,
  availability: 'active' | 'drain',
  options: { force?: boolean } = {},
): Promise<void> {
  const host = await requireHost(ctx.store, hostName);
  const provider = ctx.providerOf(host);
  if (!provider.setNodeAvailability) {
    throw new SwarmError(`${hostName} is a ${host.provider} host, not a swarm: it has no nodes to drain`, { code: 'invalid-input' });
  }
  if (availability === 'drain' && options.force !== true) {
    const pinned = (await ctx.store.read()).instances
      .filter((i) => i.host === hostName && i.node === node && i.state !== 'stopped' && i.state !== 'missing')
      .map((i) => i.name)
      .sort();
    if (pinned.length > 0) {
      throw new SwarmError(
        `Draining ${node} stops ${pinned.join(', ')}: pinned to ${node}, where ${pinned.length === 1 ? 'its workspace is' : 'their workspaces are'}, ` +
          `${pinned.length === 1 ? 'it waits' : 'they wait'} there (nothing is lost) until ${node} is active again`,
        { code: 'conflict', hint: 'Stop them first, or drain anyway (the tree asks; the API takes force)' },
      );
    }
  }
  await provider.setNodeAvailability(node, availability);
  ctx.changed(hostName);
}
