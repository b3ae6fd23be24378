import * as vscode from 'vscode';
import { SwarmError } from '../../shared/errors.js';
import type { CommandHandler } from './commandHandler.js';
import { pickHost } from './pickHost.js';

/** Like `code-swarm hosts test`: asks the engine for its version and times the round trip. */
export const testHost: CommandHandler = async (services, node) => {
  const host = await pickHost(services, node, 'Test Host');
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing ${host.name}` }, () =>
    services.swarm.testHost(host.name),
  );
  if (!result.ok) throw new SwarmError(`${host.name} failed its test: ${result.error ?? 'no detail'}`, { code: 'unreachable' });
  void vscode.window.showInformationMessage(`${host.name}: OK, ${result.engineVersion ?? result.provider}, ${result.latencyMs} ms.`);
  // A host that came back may have instances to show again.
  void services.poller.refreshNow();
};
