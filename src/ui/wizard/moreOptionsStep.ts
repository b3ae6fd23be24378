import type * as vscode from 'vscode';
import {
  fieldProblem,
  fieldSummary,
  fieldText,
  moreOptionFields,
  moreOptionsProblem,
  withField,
  type MoreOptionField,
  type MoreOptions,
  type MoreOptionsContext,
} from '../model/moreOptions.js';
import { inputStep } from './inputStep.js';
import { pickStep } from './pickStep.js';
import { BACK, type Back, type StepPosition } from './runWizard.js';

interface Item extends vscode.QuickPickItem {
  readonly field?: MoreOptionField;
}

/**
 * The "More options…" page: a list of the options with their values, Create
 * on top. Picking an option edits it in a box checked as you type; Back
 * there returns to the list, Back on the list to the previous step. Create is
 * refused while an option does not hold for the chosen host (it says why).
 */
export async function moreOptionsStep(at: StepPosition, start: MoreOptions, ctx: MoreOptionsContext): Promise<MoreOptions | Back> {
  let options = start;
  let last: MoreOptionKeyOrCreate = 'create';
  for (;;) {
    const problem = moreOptionsProblem(options, ctx);
    const create: Item = {
      label: '$(check) Create',
      description: problem === undefined ? 'with these options' : undefined,
      detail: problem === undefined ? undefined : `$(error) ${problem}`,
    };
    const fields: Item[] = moreOptionFields(ctx).map((field) => ({
      label: field.label,
      description: fieldSummary(options, field.key),
      field,
    }));
    const items = [create, ...fields];
    const picked = await pickStep(at, {
      placeholder: 'More options: pick one to change it, or Create',
      items,
      activeItem: items.find((i) => (i.field?.key ?? 'create') === last),
      accepts: (i) => i.field !== undefined || problem === undefined,
    });
    if (picked === BACK) return BACK;
    if (picked.field === undefined) return options;
    const field = picked.field;
    last = field.key;
    const v = await inputStep(at, {
      prompt: `${field.label}: ${field.prompt}`,
      placeholder: field.placeholder,
      value: fieldText(options, field.key),
      validate: (x) => fieldProblem(field.key, x, ctx),
    });
    if (v !== BACK) options = withField(options, field.key, v);
  }
}

type MoreOptionKeyOrCreate = MoreOptionField['key'] | 'create';
