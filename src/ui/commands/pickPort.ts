import * as vscode from 'vscode';
import { parsePort, portProblem } from '../../core/portUrl.js';
import type { InstanceView } from '../../core/views.js';
import { cancelled } from '../cancelled.js';

const OTHER = 'Another port…';

/**
 * The port to open: one the instance declares (devcontainer.json
 * `forwardPorts`), or one typed, validated by the core's rule as you type.
 */
export async function pickPort(view: InstanceView): Promise<number> {
  const declared = [...new Set(view.forwardPorts ?? [])].sort((a, b) => a - b);
  if (declared.length > 0) {
    const picked = await vscode.window.showQuickPick(
      [...declared.map((p) => ({ label: String(p), description: 'forwarded port' })), { label: OTHER, description: '' }],
      { title: `Open Port of ${view.name}`, placeHolder: 'The port inside the instance to open' },
    );
    if (picked === undefined) throw cancelled();
    if (picked.label !== OTHER) return Number(picked.label);
  }
  const typed = await vscode.window.showInputBox({
    title: `Open Port of ${view.name}`,
    prompt: 'The port a server inside the instance listens on (1-65535); it opens through the tunnel, logged in',
    placeHolder: '8080',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? undefined : portProblem(v)),
  });
  if (typed === undefined || typed.trim() === '') throw cancelled();
  return parsePort(typed);
}
