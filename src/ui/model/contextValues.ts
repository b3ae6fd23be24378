import { InstanceStateSchema, type InstanceState } from '../../shared/model.js';
import type { HostReachability } from '../../core/views.js';

/**
 * Every `contextValue` the tree produces, and every context key the extension
 * sets. Kept free of `vscode` so a plain-Node test can check package.json's
 * `when` clauses against it.
 */
export type HostContextValue = 'host' | 'host:unreachable';
export type InstanceContextValue = `instance:${InstanceState}`;
/** A swarm host's node, by its availability (active, drain or pause). */
export type ClusterNodeContextValue = `clusterNode:${'active' | 'drain' | 'pause'}`;
export type ContextValue = HostContextValue | InstanceContextValue | ClusterNodeContextValue;

export function hostContextValue(reachability: HostReachability): HostContextValue {
  return reachability === 'down' ? 'host:unreachable' : 'host';
}

export function instanceContextValue(state: InstanceState): InstanceContextValue {
  return `instance:${state}`;
}

export function clusterNodeContextValue(availability: string): ClusterNodeContextValue {
  return availability === 'drain' || availability === 'pause' ? `clusterNode:${availability}` : 'clusterNode:active';
}

export const ALL_CONTEXT_VALUES: readonly ContextValue[] = [
  'host',
  'host:unreachable',
  ...InstanceStateSchema.options.map(instanceContextValue),
  'clusterNode:active',
  'clusterNode:drain',
  'clusterNode:pause',
];

/** Context keys set with `setContext`; viewsWelcome and menus read them. */
export const CONTEXT_KEYS = {
  /** Set once the first look at the store is done, so welcome views do not flash. */
  ready: 'codeSwarm.ready',
  hasHosts: 'codeSwarm.hasHosts',
  hasInstances: 'codeSwarm.hasInstances',
  anyHostUnreachable: 'codeSwarm.anyHostUnreachable',
  localDockerAvailable: 'codeSwarm.localDockerAvailable',
  /** The tree shows only what its filter lets through. */
  filtered: 'codeSwarm.filtered',
} as const;

export type ContextKey = (typeof CONTEXT_KEYS)[keyof typeof CONTEXT_KEYS];
