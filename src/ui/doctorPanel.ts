import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { planLines } from '../core/hostDoctor.js';
import type { DoctorReport } from '../core/swarm.js';
import { toSwarmError } from '../shared/errors.js';
import { doctorHtml } from './model/doctorHtml.js';
import type { Services } from './services.js';

/**
 * The Check Host report in a webview. A saved host's report has a Fix
 * button per fixable finding: it asks, runs exactly the listed commands and
 * checks again. The panel's listeners go with it when it is closed.
 */
export function showDoctorPanel(services: Services, first: DoctorReport, options: { saved: boolean }): void {
  const panel = vscode.window.createWebviewPanel('codeSwarm.doctor', `Check Host: ${first.name}`, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [],
  });
  let report = first;
  const render = () => {
    panel.webview.html = doctorHtml(report, { nonce: randomBytes(16).toString('base64'), canFix: options.saved });
  };
  const again = async () => {
    report = await services.swarm.checkHost(report.name, { image: services.settings().defaultImage });
    render();
  };
  const fix = async (code: string) => {
    const finding = report.findings.find((f) => f.code === code);
    if (!finding || !options.saved) return;
    const lines = planLines([finding]);
    if (lines.length === 0) return;
    const go = await vscode.window.showWarningMessage(`Run on ${report.name}?`, { modal: true, detail: lines.join('\n') }, 'Run');
    if (go !== 'Run') return;
    const steps = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fixing ${code} on ${report.name}` },
      () =>
        services.swarm.fixHost(report.name, [finding], (s) =>
          services.log.info(
            `doctor ${report.name}: ${s.code} ${s.argv?.join(' ') ?? 'reconnect'} ${s.ok ? 'ok' : `failed: ${s.detail ?? ''}`}`,
          ),
        ),
    );
    const failed = steps.find((s) => !s.ok);
    if (failed) void vscode.window.showErrorMessage(`${failed.argv?.join(' ') ?? ''} failed on ${report.name}: ${failed.detail ?? ''}`);
    await again();
    void services.poller.refreshNow();
  };
  const sub = panel.webview.onDidReceiveMessage((m: unknown) => {
    const msg = m as { fix?: unknown; again?: unknown };
    const work = typeof msg.fix === 'string' ? fix(msg.fix) : msg.again === true && options.saved ? again() : Promise.resolve();
    work.catch((e: unknown) => void vscode.window.showErrorMessage(toSwarmError(e).oneLine()));
  });
  panel.onDidDispose(() => sub.dispose());
  render();
}
