import * as vscode from 'vscode';
import { instanceNameProblem } from '../../core/validate.js';
import { cancelled } from '../cancelled.js';
import type { CommandHandler } from './commandHandler.js';
import { pickInstances } from './pickInstances.js';

/** Like `code-swarm rename OLD NEW`: one instance, any state; it keeps its password and workspace. */
export const renameInstance: CommandHandler = async (services, node) => {
  const [target] = await pickInstances(services, node, undefined, { verb: 'rename' });
  if (!target) throw cancelled();
  const taken = new Set((await services.swarm.views()).map((v) => v.name));
  const newName = await vscode.window.showInputBox({
    title: `Code Swarm: Rename ${target.name}`,
    prompt: 'New name (it keeps its password, workspace and container)',
    value: target.name,
    validateInput: (v) => instanceNameProblem(v) ?? (v !== target.name && taken.has(v) ? `An instance named ${v} exists` : undefined),
  });
  if (newName === undefined || newName === target.name) throw cancelled();
  const view = await services.swarm.rename(target.name, newName);
  services.log.info(`Renamed ${target.name} to ${view.name}`);
};
