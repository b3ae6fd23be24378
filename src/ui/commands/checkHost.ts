import * as vscode from 'vscode';
import { showDoctorPanel } from '../doctorPanel.js';
import type { CommandHandler } from './commandHandler.js';
import { pickHost } from './pickHost.js';

/** Like `code-swarm hosts doctor`: every problem of the host at once, in a report with a Fix button per fixable one. */
export const checkHost: CommandHandler = async (services, node) => {
  const host = await pickHost(services, node, 'Check Host');
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${host.name}` }, () =>
    services.swarm.checkHost(host.name, { image: services.settings().defaultImage }),
  );
  showDoctorPanel(services, report, { saved: true });
};
