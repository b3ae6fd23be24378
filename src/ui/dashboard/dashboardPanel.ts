import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { z } from 'zod';
import { InstanceNameSchema } from '../../shared/model.js';
import type { Logger } from '../logger.js';
import type { Poller } from '../poller.js';
import type { SwarmState, SwarmStateCache } from '../swarmStateCache.js';
import { ACTION_COMMANDS, DASHBOARD_ACTIONS, dashboardModel } from './dashboardModel.js';
import { dashboardHtml } from './dashboardHtml.js';
import { UsageHistory } from './usageHistory.js';

/** What the page may say: it is ready for data, or an action on an instance. Anything else is ignored. */
const MessageSchema = z.union([
  z.object({ ready: z.literal(true) }),
  z.object({ action: z.enum(DASHBOARD_ACTIONS), name: InstanceNameSchema }),
]);

/**
 * Code Swarm: Open Dashboard — one panel at most. It draws the same state as
 * the tree, from the same events, and asks hosts nothing itself: while it is
 * visible the Poller runs its rounds as for a visible tree. Hidden, it asks
 * for no round and builds no page, only keeps the figures of the rounds that
 * run anyway (so its charts have no gap); closed, it holds nothing. Its page
 * is not kept alive hidden; shown again, it asks for the data and gets it at once.
 */
export class Dashboard implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly history = new UsageHistory();

  constructor(
    private readonly swarmState: SwarmStateCache,
    private readonly poller: Poller,
    private readonly log: Logger,
  ) {}

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel('codeSwarm.dashboard', 'Code Swarm Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [],
    });
    this.panel = panel;
    const subscriptions = [
      this.swarmState.onDidChange((s) => this.update(s)),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState((e) => this.poller.setViewVisible(e.webviewPanel.visible, 'dashboard')),
    ];
    panel.onDidDispose(() => {
      for (const s of subscriptions) s.dispose();
      this.poller.setViewVisible(false, 'dashboard');
      this.panel = undefined;
    });
    panel.webview.html = dashboardHtml(randomBytes(16).toString('base64'));
    this.poller.setViewVisible(true, 'dashboard');
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private update(state: SwarmState): void {
    this.history.record(state.usage, new Set(state.instances.map((i) => i.name)));
    this.post(state);
  }

  private post(state: SwarmState): void {
    if (!this.panel?.visible) return;
    void this.panel.webview.postMessage({ data: dashboardModel(state, this.history, Date.now()) });
  }

  private receive(raw: unknown): void {
    const parsed = MessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.debug('dashboard: ignored a message that is not ready or an action');
      return;
    }
    const msg = parsed.data;
    if ('ready' in msg) {
      this.post(this.swarmState.current);
      return;
    }
    const view = this.swarmState.current.instances.find((i) => i.name === msg.name);
    if (!view) return;
    // The tree's own command, so the dashboard asks and reports exactly as the tree does.
    void vscode.commands.executeCommand(ACTION_COMMANDS[msg.action].command, view.name);
  }
}
