import * as vscode from 'vscode';
import { registerUi } from './ui/registerUi.js';

// activate() only builds the services and hands them to ui/: no network here,
// hosts connect when the view first asks for them.
export function activate(context: vscode.ExtensionContext): void {
  registerUi(context);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
