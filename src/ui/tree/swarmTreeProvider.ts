import * as vscode from 'vscode';
import type { ClusterNode } from '../../core/swarm.js';
import type { HostReachability } from '../../core/views.js';
import { clusterNodeContextValue } from '../model/contextValues.js';
import { describeHost, type HostLook } from '../model/describeHost.js';
import { describeInstance, type InstanceLook } from '../model/describeInstance.js';
import { diffTree, EMPTY_SHAPE, isEmptyDiff, type TreeShape } from '../model/treeDiff.js';
import { hostMatchesFilter, matchesFilter } from '../model/instanceFilter.js';
import type { SwarmStateCache, SwarmState } from '../swarmStateCache.js';
import type { TreeFilter } from '../treeFilter.js';
import type { TunnelRegistry } from '../tunnelRegistry.js';
import { ClusterNodeNode } from './clusterNodeNode.js';
import { HostNode } from './hostNode.js';
import { InstanceNode } from './instanceNode.js';
import type { TreeNode } from './treeNode.js';

/**
 * Hosts at the top level, their instances below. Rows are views of the
 * SwarmStateCache; node objects live as long as their host or instance, so a
 * change re-renders only the rows whose look changed, and only while the view
 * is visible (a hidden view is brought up to date when it shows again).
 */
export class SwarmTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly hostNodes = new Map<string, HostNode>();
  private readonly instanceNodes = new Map<string, InstanceNode>();
  /** Instance ids per host, in display order. */
  private readonly children = new Map<string, string[]>();
  private rendered: TreeShape = EMPTY_SHAPE;
  /** The last resource figures, by instance and host name. */
  private figures: Pick<SwarmState, 'usage' | 'resources'> = { usage: new Map(), resources: new Map() };
  private visible = false;
  /** The store has been read once: from then on a root answer shows the real hosts. */
  private loaded = false;
  private readonly subscriptions: vscode.Disposable[];
  /** A swarm host's nodes as last read, shown above its instances. */
  private readonly clusterNodes = new Map<string, ClusterNodeNode[]>();
  /** Swarm hosts whose nodes are being read. */
  private readonly readingNodes = new Set<string>();

  constructor(
    swarmState: SwarmStateCache,
    private readonly tunnels: TunnelRegistry,
    private readonly now: () => number = Date.now,
    /** Told of each root answer after the store was read (activation timing). */
    private readonly onRootAnswered?: (hosts: number) => void,
    /** Which instances to show (all when absent); grouping by host stays. */
    private readonly filter?: TreeFilter,
    /** A swarm host's nodes (Swarm.clusterNodes); without it the tree shows none. */
    private readonly nodesOf?: (host: string) => Promise<readonly ClusterNode[]>,
  ) {
    this.subscriptions = [swarmState.onDidChange((s) => this.update(s)), tunnels.onDidChange((name) => this.refreshInstance(name))];
    if (filter) this.subscriptions.push(filter.onDidChange(() => this.update(swarmState.current)));
    this.update(swarmState.current);
  }

  setVisible(visible: boolean): void {
    const wasVisible = this.visible;
    this.visible = visible;
    if (visible && !wasVisible) {
      this.readClusterNodes();
      this.render();
    }
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node instanceof HostNode) {
      const look = this.hostLook(node);
      const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `host/${node.name}`;
      return decorate(item, look);
    }
    if (node instanceof ClusterNodeNode) return clusterNodeItem(node);
    const look = this.instanceLook(node);
    const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.None);
    item.id = `instance/${node.id}`;
    return decorate(item, look);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node === undefined) {
      const hosts = this.visibleHosts();
      if (this.loaded) this.onRootAnswered?.(hosts.length);
      return hosts;
    }
    if (!(node instanceof HostNode)) return [];
    const instances = (this.children.get(node.name) ?? []).map((id) => this.instanceNodes.get(id)).filter((n) => n !== undefined);
    return [...(this.clusterNodes.get(node.name) ?? []), ...instances];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node instanceof ClusterNodeNode) return this.hostNodes.get(node.host);
    return node instanceof InstanceNode ? this.hostNodes.get(node.view.host) : undefined;
  }

  hostNode(name: string): HostNode | undefined {
    return this.hostNodes.get(name);
  }

  instanceNodeByName(name: string): InstanceNode | undefined {
    return [...this.instanceNodes.values()].find((n) => n.name === name);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  /** Brings the node objects in line with the swarm state, keeping existing objects. */
  private update(state: SwarmState): void {
    this.loaded ||= state.loaded;
    this.figures = { usage: state.usage, resources: state.resources };
    const hostNames = new Set(state.hosts.map((h) => h.name));
    for (const name of this.hostNodes.keys()) if (!hostNames.has(name)) this.hostNodes.delete(name);
    // Re-insert in the store's order so getChildren() keeps it.
    const hosts = new Map<string, HostNode>();
    for (const view of state.hosts) {
      const node = this.hostNodes.get(view.name) ?? new HostNode(view);
      node.view = view;
      hosts.set(view.name, node);
    }
    this.hostNodes.clear();
    for (const [k, v] of hosts) this.hostNodes.set(k, v);

    const ids = new Set(state.instances.map((i) => i.id));
    for (const id of this.instanceNodes.keys()) if (!ids.has(id)) this.instanceNodes.delete(id);
    this.children.clear();
    const filter = this.filter?.current;
    for (const view of state.instances) {
      const node = this.instanceNodes.get(view.id) ?? new InstanceNode(view);
      node.view = view;
      this.instanceNodes.set(view.id, node);
      if (!matchesFilter(view, filter)) continue;
      const list = this.children.get(view.host) ?? [];
      list.push(view.id);
      this.children.set(view.host, list);
    }
    for (const host of this.clusterNodes.keys()) if (this.hostNodes.get(host)?.view.provider !== 'swarm') this.clusterNodes.delete(host);
    if (this.visible) {
      this.readClusterNodes();
      this.render();
    }
  }

  /**
   * Reads each swarm host's nodes (one call to its manager, at most one in
   * flight per host) whenever the swarm state changes while the view shows:
   * a drain, or a node going down, then re-renders that host.
   */
  private readClusterNodes(): void {
    if (!this.nodesOf) return;
    for (const host of this.hostNodes.values()) {
      if (host.view.provider !== 'swarm' || host.view.reachability === 'down' || this.readingNodes.has(host.name)) continue;
      this.readingNodes.add(host.name);
      void this.nodesOf(host.name)
        .then(
          (nodes) => {
            const kept = new Map((this.clusterNodes.get(host.name) ?? []).map((n) => [n.name, n]));
            this.clusterNodes.set(
              host.name,
              nodes.map((n) => Object.assign(kept.get(n.name) ?? new ClusterNodeNode(host.name, n), { node: n })),
            );
          },
          // Unreadable now (the manager is busy or unreachable): the last nodes stay; the host row says why.
          () => undefined,
        )
        .finally(() => {
          this.readingNodes.delete(host.name);
          if (this.visible) this.render();
        });
    }
  }

  /** Fires onDidChangeTreeData for what differs from what VS Code last got. */
  private render(): void {
    const next = this.shape();
    const diff = diffTree(this.rendered, next);
    this.rendered = next;
    if (isEmptyDiff(diff)) return;
    if (diff.root) {
      this.changed.fire(undefined);
      return;
    }
    const nodes: TreeNode[] = [
      ...diff.hosts.map((h) => this.hostNodes.get(h)),
      ...diff.instances.map((id) => this.instanceNodes.get(id)),
    ].filter((n) => n !== undefined);
    if (nodes.length > 0) this.changed.fire(nodes);
  }

  private refreshInstance(name: string): void {
    if (this.visible && this.instanceNodeByName(name)) this.render();
  }

  /** Every host, or under a filter the hosts it names and those with an instance it lets through. */
  private visibleHosts(): HostNode[] {
    const filter = this.filter?.current;
    const hosts = [...this.hostNodes.values()];
    if (!filter) return hosts;
    const byInstance = filter.states.length > 0 || filter.tags.length > 0;
    return hosts.filter((h) => hostMatchesFilter(h.name, filter) && (!byInstance || (this.children.get(h.name)?.length ?? 0) > 0));
  }

  private shape(): TreeShape {
    return {
      hosts: this.visibleHosts().map((h) => ({
        name: h.name,
        // The nodes are part of the host's signature: a change re-renders the host and its children.
        signature: JSON.stringify([this.hostLook(h), (this.clusterNodes.get(h.name) ?? []).map((n) => n.node)]),
        instances: (this.children.get(h.name) ?? []).flatMap((id) => {
          const node = this.instanceNodes.get(id);
          return node ? [{ id, signature: JSON.stringify(this.instanceLook(node)) }] : [];
        }),
      })),
    };
  }

  private hostLook(node: HostNode): HostLook {
    return describeHost(node.view, this.children.get(node.name)?.length ?? 0, this.figures.resources.get(node.name));
  }

  private instanceLook(node: InstanceNode): InstanceLook {
    const reachability: HostReachability | undefined = this.hostNodes.get(node.view.host)?.view.reachability;
    const tunnelPort = this.tunnels.localPort(node.name);
    const usage = this.figures.usage.get(node.name);
    return describeInstance(node.view, {
      ...(usage !== undefined ? { usage } : {}),
      now: this.now(),
      ...(reachability !== undefined ? { hostReachability: reachability } : {}),
      ...(tunnelPort !== undefined ? { tunnelPort } : {}),
    });
  }
}

function clusterNodeItem(n: ClusterNodeNode): vscode.TreeItem {
  const { name, role, state, availability } = n.node;
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
  item.id = `clusterNode/${n.host}/${name}`;
  item.description = `${role} · ${state} · ${availability}`;
  const ok = state === 'ready' && availability === 'active';
  item.iconPath = new vscode.ThemeIcon('server', ok ? undefined : new vscode.ThemeColor('list.warningForeground'));
  item.contextValue = clusterNodeContextValue(availability);
  item.tooltip = `Swarm node ${name} of ${n.host}: ${role}, ${state}, ${availability}`;
  item.accessibilityInformation = { label: `node ${name}, ${role}, ${state}, ${availability}` };
  return item;
}

function decorate(item: vscode.TreeItem, look: HostLook | InstanceLook): vscode.TreeItem {
  item.description = look.description;
  item.iconPath = new vscode.ThemeIcon(look.iconId, look.colorId === undefined ? undefined : new vscode.ThemeColor(look.colorId));
  item.contextValue = look.contextValue;
  const tooltip = new vscode.MarkdownString(look.tooltip, true);
  tooltip.isTrusted = false;
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${look.label}, ${look.description}` };
  return item;
}
