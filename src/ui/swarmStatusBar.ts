import * as vscode from 'vscode';
import { FOCUS_VIEW_COMMAND } from './commands/commandIds.js';
import type { Settings } from './model/settingsSchema.js';
import { statusBarText } from './model/statusBarText.js';
import type { SwarmStateCache } from './swarmStateCache.js';

/** Its DOM id is `codeswarm.code-swarm.codeSwarm.status`; e2e tests find it by that. */
export const STATUS_BAR_ID = 'codeSwarm.status';

/** `$(server-environment) 3/4`: healthy of running instances, warning colour when any needs attention. */
export class SwarmStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly swarmState: SwarmStateCache,
    private readonly settings: () => Settings,
  ) {
    this.item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Code Swarm';
    this.item.command = { title: 'Show Code Swarm', command: FOCUS_VIEW_COMMAND };
    this.subscription = swarmState.onDidChange(() => this.update());
    this.update();
  }

  update(): void {
    if (!this.settings().statusBarEnabled) {
      this.item.hide();
      return;
    }
    const s = statusBarText(this.swarmState.current.instances, Date.now());
    this.item.text = s.text;
    this.item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tooltip = new vscode.MarkdownString(s.tooltip, true);
    tooltip.isTrusted = false;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: s.ariaLabel };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
