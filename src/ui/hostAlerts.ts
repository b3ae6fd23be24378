import * as vscode from 'vscode';
import type { HostView } from '../core/views.js';
import type { Logger } from './logger.js';
import type { SwarmStateCache, SwarmState } from './swarmStateCache.js';

export interface HostAlertActions {
  /** Asks the host again; true when it answers. Used to confirm before alarming the user. */
  confirm(name: string): Promise<boolean>;
  /** The Test Host command, for the notification's button. */
  testHost(name: string): Thenable<unknown>;
}

/**
 * Says when a host becomes unreachable: once per outage in a notification
 * (with Test Host and Show Log), and for as long as it lasts in the tree's
 * message line, because viewsWelcome only shows in an empty tree. The core
 * can mark a host down on a single failed probe (e.g. an instance that
 * stopped between listing and probing), so the host is asked once more
 * before the user is told, which also brings a wrongly-down host back up.
 */
export class HostAlerts implements vscode.Disposable {
  private readonly notified = new Set<string>();
  private readonly confirming = new Set<string>();
  private readonly subscription: vscode.Disposable;
  private disposed = false;

  constructor(
    swarmState: SwarmStateCache,
    private readonly treeView: vscode.TreeView<unknown>,
    private readonly log: Logger,
    private readonly actions: HostAlertActions,
  ) {
    this.subscription = swarmState.onDidChange((s) => this.update(s));
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
  }

  private update(s: SwarmState): void {
    const down = s.hosts.filter((h) => h.reachability === 'down');
    this.treeView.message = down.length === 0 ? undefined : messageFor(down);
    const downNames = new Set(down.map((h) => h.name));
    for (const name of this.notified) if (!downNames.has(name)) this.notified.delete(name);
    for (const h of down) {
      if (this.notified.has(h.name) || this.confirming.has(h.name)) continue;
      this.confirming.add(h.name);
      void this.actions
        .confirm(h.name)
        .catch(() => false)
        .then((answers) => {
          this.confirming.delete(h.name);
          if (!answers && !this.disposed) this.notify(h);
        });
    }
  }

  private notify(h: HostView): void {
    if (this.notified.has(h.name)) return;
    this.notified.add(h.name);
    this.log.warn(`Host ${h.name} is unreachable: ${h.error ?? 'no detail'}`);
    void vscode.window
      .showWarningMessage(`Code Swarm: host ${h.name} is unreachable${h.error ? ` (${h.error})` : ''}.`, 'Test Host', 'Show Log')
      .then((choice) => {
        if (choice === 'Test Host') return this.actions.testHost(h.name);
        if (choice === 'Show Log') this.log.show();
        return undefined;
      });
  }
}

function messageFor(down: readonly HostView[]): string {
  const names = down.map((h) => h.name).join(', ');
  return down.length === 1
    ? `Host ${names} is unreachable; Test Host retries it.`
    : `Hosts ${names} are unreachable; Test Host retries them.`;
}
