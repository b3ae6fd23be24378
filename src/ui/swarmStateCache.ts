import * as vscode from 'vscode';
import { toSwarmError } from '../shared/errors.js';
import type { HostResources, InstanceUsage, Swarm } from '../core/swarm.js';
import type { HostView, InstanceView } from '../core/views.js';
import type { Logger } from './logger.js';

/** The hosts and instances as last read, for the tree, the status bar and the context keys. */
export interface SwarmState {
  readonly hosts: readonly HostView[];
  readonly instances: readonly InstanceView[];
  /** False until the store has been read once. */
  readonly loaded: boolean;
  /** The last resource figures, by instance name and by host name (empty until a stats round ran). */
  readonly usage: ReadonlyMap<string, InstanceUsage>;
  readonly resources: ReadonlyMap<string, HostResources>;
}

const EMPTY: SwarmState = { hosts: [], instances: [], loaded: false, usage: new Map(), resources: new Map() };
const DEBOUNCE_MS = 200;

/**
 * The swarm as the tree and the status bar show it: hosts and instances read
 * from the store plus the core's last reachability and health, never asking
 * the hosts (that is the Poller's job). Reloads are debounced, because one
 * refresh can raise several events in a row, and never run two at a time.
 */
export class SwarmStateCache implements vscode.Disposable {
  private latest: SwarmState = EMPTY;
  private readonly changed = new vscode.EventEmitter<SwarmState>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SwarmState> | undefined;
  private again = false;
  private failed = false;
  private recoveryShown = false;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly swarm: Swarm,
    private readonly log: Logger,
  ) {
    this.unsubscribe = [
      swarm.on('instances', () => this.schedule()),
      swarm.on('hosts', () => this.schedule()),
      // New figures change no record: no store read, just the figures.
      swarm.on('resources', () => this.takeResources()),
    ];
  }

  get current(): SwarmState {
    return this.latest;
  }

  /** Reload soon; bursts of events collapse into one read. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, DEBOUNCE_MS);
  }

  /** Reload now; if a reload is under way, one more runs after it so no event is lost. */
  reload(): Promise<SwarmState> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.load().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.running;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const off of this.unsubscribe) off();
    this.changed.dispose();
  }

  private takeResources(): void {
    this.latest = { ...this.latest, ...this.resourcesNow() };
    this.changed.fire(this.latest);
  }

  /** Copies, so a state handed out never changes under its reader. */
  private resourcesNow(): Pick<SwarmState, 'usage' | 'resources'> {
    const { usage, hosts } = this.swarm.latestResources;
    return { usage: new Map(usage), resources: new Map(hosts) };
  }

  private reportRecovery(): void {
    const recovery = this.swarm.store.lastRecovery;
    if (!recovery || this.recoveryShown) return;
    this.recoveryShown = true;
    const message = `The swarm store was damaged (${recovery.reason}) and was moved to ${recovery.backupPath}; Refresh rebuilds it from the hosts' labels.`;
    this.log.warn(message);
    void vscode.window.showWarningMessage(`Code Swarm: ${message}`);
  }

  private async load(): Promise<SwarmState> {
    try {
      const [hosts, instances] = await Promise.all([this.swarm.hosts(), this.swarm.views()]);
      this.latest = { hosts, instances, loaded: true, ...this.resourcesNow() };
      if (this.failed) this.log.info('The swarm store is readable again');
      this.failed = false;
      this.reportRecovery();
    } catch (e) {
      const err = toSwarmError(e);
      this.log.error(`Cannot read the swarm store: ${err.oneLine()}`, err);
      // Said once, not on every debounced event while the store stays broken.
      if (!this.failed) void vscode.window.showErrorMessage(`Code Swarm: ${err.oneLine()}`);
      this.failed = true;
      this.latest = { ...this.latest, loaded: true };
    }
    this.changed.fire(this.latest);
    return this.latest;
  }
}
