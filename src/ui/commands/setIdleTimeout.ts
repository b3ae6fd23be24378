import * as vscode from 'vscode';
import { formatIdleTimeout, idleTimeoutProblem } from '../../core/idleTimeout.js';
import { cancelled } from '../cancelled.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';
import { runOnInstances } from './runOnInstances.js';

/** Like `code-swarm idle NAME DURATION|off`, for one instance or a selection. */
export const setIdleTimeout: CommandHandler = async (services, node, nodes) => {
  const targets = await pickInstances(services, node, nodes, {
    states: ['created', 'running', 'stopped'],
    verb: 'set the idle timeout of',
  });
  const first = targets[0]?.idleTimeoutSeconds;
  const value = await vscode.window.showInputBox({
    title: 'Code Swarm: Set Idle Timeout',
    prompt: `Stop ${targets.map((v) => v.name).join(', ')} after this long with no open tab or tunnel (e.g. 30m, 2h), or off. A running Docker or Podman instance restarts to take it.`,
    value: first === undefined ? 'off' : compact(first),
    validateInput: (x) => idleTimeoutProblem(x),
  });
  if (value === undefined) throw cancelled();
  await runOnInstances('Setting the idle timeout of', targets, async (v) => {
    const view = await services.swarm.setIdleTimeout(v.name, value);
    services.log.info(
      `${v.name}: idle timeout ${view.idleTimeoutSeconds === undefined ? 'off' : formatIdleTimeout(view.idleTimeoutSeconds)}`,
    );
  });
};

/** A timeout as the input box takes it back: `30m`, `2h`, `90s`. */
function compact(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
