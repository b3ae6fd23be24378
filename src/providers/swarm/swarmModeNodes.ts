import { z } from 'zod';
import { SwarmError } from '../../shared/errors.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import type { ClusterNode } from '../provider.js';
import { NodeListSchema, nodeViews } from './swarmModeState.js';

/** What a node can be set to from Code Swarm: drained for maintenance, or active again. */
export type NodeAvailability = 'active' | 'drain';

const NodeInspectSchema = z.object({
  ID: z.string(),
  Version: z.object({ Index: z.number() }),
  Spec: z.record(z.string(), z.unknown()),
  Description: z.object({ Hostname: z.string().optional() }).optional(),
});

/** The cluster's nodes, by name (as `hosts test --json` prints them). */
export async function listClusterNodes(engine: DockerEngine): Promise<ClusterNode[]> {
  return nodeViews(engine.checked(NodeListSchema, await engine.call('list the nodes', () => engine.api.listNodes()), 'node list'));
}

/**
 * `docker node update --availability`: the node is found by its hostname
 * (the name the tree and `docker node ls` show), its spec written back at
 * the version read, as Swarm requires.
 */
export async function setClusterNodeAvailability(engine: DockerEngine, name: string, availability: NodeAvailability): Promise<void> {
  const rows = engine.checked(NodeListSchema, await engine.call('list the nodes', () => engine.api.listNodes()), 'node list');
  const row = rows.find((n) => (n.Description?.Hostname ?? n.ID) === name) ?? rows.find((n) => n.ID === name);
  if (!row) {
    throw new SwarmError(`The swarm has no node named ${name}`, {
      code: 'not-found',
      hint: `Its nodes are ${nodeViews(rows)
        .map((n) => n.name)
        .join(', ')}`,
    });
  }
  const node = engine.api.getNode(row.ID);
  const info = engine.checked(NodeInspectSchema, await engine.call('inspect the node', () => node.inspect()), 'node');
  await engine.call(`set ${name} to ${availability}`, () =>
    node.update({ ...info.Spec, Availability: availability, version: info.Version.Index }),
  );
}
