import * as vscode from 'vscode';
import { SwarmError, toSwarmError } from '../../shared/errors.js';
import type { InstanceView } from '../../core/views.js';

/**
 * Runs one operation per instance in parallel (they may sit on different
 * hosts) under one progress notification. Failures do not stop the others;
 * they are gathered into one error so the user is told once.
 */
export async function runOnInstances(
  title: string,
  views: readonly InstanceView[],
  op: (view: InstanceView, report: (message: string) => void) => Promise<void>,
): Promise<void> {
  const names = views.map((v) => v.name).join(', ');
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${title} ${names}` },
    (progress) => Promise.allSettled(views.map((v) => op(v, (message) => progress.report({ message })))),
  );
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ view: views[i]!, error: toSwarmError(r.reason) }] : []));
  if (failures.length === 0) return;
  if (failures.length === 1 && views.length === 1) throw failures[0]!.error;
  const first = failures[0]!.error;
  throw new SwarmError(
    `${failures.length} of ${views.length} failed: ${failures.map((f) => `${f.view.name}: ${f.error.oneLine()}`).join('; ')}`,
    {
      code: first.code,
      cause: first,
    },
  );
}
