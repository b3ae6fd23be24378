import * as vscode from 'vscode';
import type { AddHostInput } from '../../core/swarm.js';
import { planLines } from '../../core/hostDoctor.js';
import { toSwarmError } from '../../shared/errors.js';
import { showDoctorPanel } from '../doctorPanel.js';
import type { Services } from '../services.js';

const FIX = 'Fix and Add';
const ADD = 'Add Anyway';
const REPORT = 'Show Report';

/**
 * The Add Host wizard's last step: the doctor checks the new host before it
 * is saved, and its errors are shown first. Connection problems (an unknown
 * key, auth) are left to the add itself, which asks about a new key and
 * explains the rest. Fixable errors can be fixed first (the add then logs
 * in anew, with the new groups). Resolves whether to go on adding.
 */
export async function checkBeforeAdd(services: Services, input: AddHostInput): Promise<boolean> {
  let report;
  try {
    report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking ${input.name} before adding it` },
      () => services.swarm.checkNewHost(input, { image: services.settings().defaultImage }),
    );
  } catch (e) {
    services.log.warn(`Could not check ${input.name} before adding it: ${toSwarmError(e).oneLine()}`);
    return true;
  }
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.every((f) => f.code === 'ssh.connect' || f.code === 'ssh.host-key')) return true;
  const plan = planLines(errors);
  const detail = [
    ...errors.map((f) => `✗ ${f.code}: ${f.message}`),
    ...(plan.length > 0 ? ['', `${FIX} runs on ${input.name}:`, ...plan] : []),
  ].join('\n');
  const choice = await vscode.window.showWarningMessage(
    `${input.name} has ${errors.length} problem(s)`,
    { modal: true, detail },
    ...(plan.length > 0 ? [FIX] : []),
    ADD,
    REPORT,
  );
  if (choice === REPORT) showDoctorPanel(services, report, { saved: false });
  if (choice === FIX) {
    const steps = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Fixing ${input.name}` }, () =>
      services.swarm.fixNewHost(input, errors, (s) =>
        services.log.info(
          `doctor ${input.name}: ${s.code} ${s.argv?.join(' ') ?? 'reconnect'} ${s.ok ? 'ok' : `failed: ${s.detail ?? ''}`}`,
        ),
      ),
    );
    const failed = steps.find((s) => !s.ok);
    if (failed) void vscode.window.showErrorMessage(`${failed.argv?.join(' ') ?? ''} failed on ${input.name}: ${failed.detail ?? ''}`);
  }
  return choice === ADD || choice === FIX;
}
