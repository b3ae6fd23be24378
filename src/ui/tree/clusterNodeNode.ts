import type { ClusterNode } from '../../core/swarm.js';

/**
 * `when` clauses for menus on a swarm host's node rows; package.json uses
 * exactly these strings (after `view == codeSwarm.instances && `), checked by
 * a unit test. Context values: `clusterNode:<availability>`.
 */
export const CLUSTER_NODE_WHEN = {
  drainable: 'viewItem == clusterNode:active',
  activatable: 'viewItem =~ /^clusterNode:(drain|pause)$/',
} as const;

/** A node of a swarm host, shown below the host beside its instances. */
export class ClusterNodeNode {
  readonly kind = 'clusterNode';

  constructor(
    readonly host: string,
    public node: ClusterNode,
  ) {}

  get name(): string {
    return this.node.name;
  }
}
