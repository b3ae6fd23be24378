import * as vscode from 'vscode';
import type { Swarm } from '../core/swarm.js';
import type { Tunnel } from '../core/openTunnel.js';
import type { Logger } from './logger.js';

interface Entry {
  /** code-server's port on the host when the tunnel was opened: a restart may move it. */
  readonly remotePort: number | undefined;
  readonly tunnel: Promise<Tunnel>;
  localPort: number | undefined;
}

/**
 * One tunnel per instance, opened on first Open/Copy URL and reused after, so
 * a Simple Browser tab keeps working while the user opens it again. Closed
 * when the instance stops, moves or goes away, and all on dispose.
 */
export class TunnelRegistry implements vscode.Disposable {
  private readonly tunnels = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the instance name when its tunnel opens or closes (the tooltip shows it). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly swarm: Swarm,
    private readonly log: Logger,
  ) {}

  async get(name: string): Promise<Tunnel> {
    const view = (await this.swarm.views()).find((v) => v.name === name);
    const existing = this.tunnels.get(name);
    if (existing && existing.remotePort === view?.port) {
      try {
        const t = await existing.tunnel;
        // A tunnel whose worker ended by itself is opened again.
        if (t.isOpen) return t;
      } catch {
        // A failed attempt is not cached: fall through and try again.
      }
    }
    this.close(name);
    const entry: Entry = { remotePort: view?.port, tunnel: this.swarm.openTunnel(name), localPort: undefined };
    this.tunnels.set(name, entry);
    try {
      const tunnel = await entry.tunnel;
      entry.localPort = tunnel.port;
      // The port only: the full URL carries the tunnel's token.
      const where =
        tunnel.via === 'worker' ? 'on a worker thread' : `on the extension host's thread${tunnel.note ? `: ${tunnel.note}` : ''}`;
      this.log.info(`Tunnel to ${name} listening on 127.0.0.1:${tunnel.port} (${where})`);
      this.changed.fire(name);
      return tunnel;
    } catch (e) {
      if (this.tunnels.get(name) === entry) this.tunnels.delete(name);
      throw e;
    }
  }

  localPort(name: string): number | undefined {
    return this.tunnels.get(name)?.localPort;
  }

  close(name: string): void {
    const entry = this.tunnels.get(name);
    if (!entry) return;
    this.tunnels.delete(name);
    entry.tunnel.then(
      (t) => {
        this.log.info(`Tunnel to ${name} closed`);
        return t.close();
      },
      () => undefined,
    );
    this.changed.fire(name);
  }

  /** Closes tunnels whose instance is gone, not running, or listening on another port now. */
  prune(live: ReadonlyMap<string, { state: string; port: number | undefined }>): void {
    for (const [name, entry] of this.tunnels) {
      const v = live.get(name);
      if (!v || v.state !== 'running' || v.port !== entry.remotePort) this.close(name);
    }
  }

  dispose(): void {
    for (const name of [...this.tunnels.keys()]) this.close(name);
    this.changed.dispose();
  }
}
