import { ClusterNodeNode } from './clusterNodeNode.js';
import { HostNode } from './hostNode.js';
import { InstanceNode } from './instanceNode.js';

export type TreeNode = HostNode | InstanceNode | ClusterNodeNode;

/** Command arguments come from menus, keybindings or other extensions: check before trusting. */
export function isTreeNode(value: unknown): value is TreeNode {
  return value instanceof HostNode || value instanceof InstanceNode || value instanceof ClusterNodeNode;
}
