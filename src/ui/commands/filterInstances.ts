import * as vscode from 'vscode';
import { FILTER_SYNTAX, parseInstanceFilter } from '../model/instanceFilter.js';
import type { CommandHandler } from './commandHandler.js';

/** Asks for a filter (tag, host, state) and shows only what it lets through; an empty answer shows everything again. */
export const filterInstances: CommandHandler = async (services) => {
  const text = await vscode.window.showInputBox({
    title: 'Filter Instances',
    prompt: FILTER_SYNTAX,
    placeHolder: 'team=web host:alpha state:running',
    value: services.treeFilter.current?.text ?? '',
    validateInput: (v) => {
      const parsed = parseInstanceFilter(v);
      return 'problem' in parsed ? parsed.problem : undefined;
    },
  });
  if (text === undefined) return;
  const parsed = parseInstanceFilter(text);
  if ('filter' in parsed) services.treeFilter.set(parsed.filter);
};
