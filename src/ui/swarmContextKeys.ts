import { access, constants } from 'node:fs/promises';
import * as vscode from 'vscode';
import { DEFAULT_DOCKER_SOCKET } from '../shared/model.js';
import { CONTEXT_KEYS, type ContextKey } from './model/contextValues.js';
import type { SwarmStateCache, SwarmState } from './swarmStateCache.js';

/** Keeps the context keys that welcome views and menus read in line with the swarm state. */
export class SwarmContextKeys implements vscode.Disposable {
  private readonly values = new Map<ContextKey, boolean>();
  private readonly subscription: vscode.Disposable;

  constructor(swarmState: SwarmStateCache) {
    this.subscription = swarmState.onDidChange((s) => this.update(s));
  }

  /** A local file check, no network: whether "Use Local Docker" can work here. */
  async checkLocalDocker(): Promise<boolean> {
    let available: boolean;
    try {
      await access(DEFAULT_DOCKER_SOCKET, constants.F_OK);
      available = true;
    } catch {
      available = false;
    }
    this.set(CONTEXT_KEYS.localDockerAvailable, available);
    return available;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private update(s: SwarmState): void {
    if (!s.loaded) return;
    this.set(CONTEXT_KEYS.hasHosts, s.hosts.length > 0);
    this.set(CONTEXT_KEYS.hasInstances, s.instances.length > 0);
    this.set(
      CONTEXT_KEYS.anyHostUnreachable,
      s.hosts.some((h) => h.reachability === 'down'),
    );
    // Last, so the welcome views never show with the other keys still unset.
    this.set(CONTEXT_KEYS.ready, true);
  }

  private set(key: ContextKey, value: boolean): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }
}
