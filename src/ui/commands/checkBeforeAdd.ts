import * as vscode from 'vscode';
import type { AddHostInput } from '../../core/swarm.js';
import { toSwarmError } from '../../shared/errors.js';
import { showDoctorPanel } from '../doctorPanel.js';
import type { Services } from '../services.js';

const ADD = 'Add Anyway';
const REPORT = 'Show Report';

/**
 * The Add Host wizard's last step: the doctor checks the new host before it
 * is saved, and its errors are shown first. Connection problems (an unknown
 * key, auth) are left to the add itself, which asks about a new key and
 * explains the rest. Resolves whether to go on adding.
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
  const choice = await vscode.window.showWarningMessage(
    `${input.name} has ${errors.length} problem(s)`,
    { modal: true, detail: errors.map((f) => `✗ ${f.code}: ${f.message}`).join('\n') },
    ADD,
    REPORT,
  );
  if (choice === REPORT) showDoctorPanel(services, report, { saved: false });
  return choice === ADD;
}
