import * as vscode from 'vscode';
import type { InstanceFilter } from './model/instanceFilter.js';
import { CONTEXT_KEYS } from './model/contextValues.js';

/** The tree's current filter: set by the Filter command, read by the tree; the view's message and a context key follow it. */
export class TreeFilter implements vscode.Disposable {
  private value: InstanceFilter | undefined;
  private readonly changed = new vscode.EventEmitter<InstanceFilter | undefined>();
  readonly onDidChange = this.changed.event;

  get current(): InstanceFilter | undefined {
    return this.value;
  }

  set(filter: InstanceFilter | undefined): void {
    this.value = filter;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, filter !== undefined);
    this.changed.fire(filter);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
