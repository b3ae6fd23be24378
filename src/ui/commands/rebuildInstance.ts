import * as vscode from 'vscode';
import type { CommandHandler } from './commandHandler.js';
import { pickInstance } from './pickInstances.js';

/**
 * Like `code-swarm rebuild`: builds the instance's Dockerfile or
 * devcontainer.json again (steps in the notification, the whole log in the
 * output channel; Cancel stops the build), then waits until it answers.
 */
export const rebuildInstance: CommandHandler = async (services, node) => {
  const view = await pickInstance(services, node, { states: ['running', 'stopped'], verb: 'rebuild' });
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rebuilding ${view.name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const onCancel = token.onCancellationRequested(() => abort.abort());
      try {
        // The container is made again (new id, new port): the tunnel and a followed log point at the old one.
        services.tunnels.close(view.name);
        services.logStreams.close(view.name);
        const after = await services.swarm.rebuild(view.name, {
          signal: abort.signal,
          onLog: (line) => services.log.info(`[build ${view.name}] ${line}`),
          onProgress: (message) => progress.report({ message }),
        });
        if (after.state === 'running') {
          progress.report({ message: `waiting for ${view.name} to answer` });
          await services.swarm.waitHealthy(view.name, { timeoutMs: 180_000, signal: abort.signal });
        }
      } finally {
        onCancel.dispose();
      }
    },
  );
  services.log.info(`Rebuilt ${view.name}`);
  void vscode.window.showInformationMessage(`Rebuilt ${view.name}; its workspace and password are as they were.`);
};
