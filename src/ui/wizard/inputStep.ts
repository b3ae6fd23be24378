import * as vscode from 'vscode';
import { cancelled } from '../cancelled.js';
import { BACK, type Back, type StepPosition } from './runWizard.js';

export interface InputStepOptions {
  readonly prompt: string;
  readonly value?: string;
  readonly placeholder?: string;
  readonly password?: boolean;
  /** The message to show under the box, or undefined when the value is fine. */
  readonly validate?: (value: string) => string | undefined;
  /**
   * A button beside Back that accepts the value like Enter and calls this
   * first (the Create wizard's "More options…"): Enter keeps its meaning.
   */
  readonly more?: { readonly tooltip: string; readonly chosen: () => void };
}

/** One InputBox step, validated as you type; Enter is refused while the value is invalid. */
export function inputStep(at: StepPosition, options: InputStepOptions): Promise<string | Back> {
  const validate = options.validate ?? (() => undefined);
  return new Promise((resolve, reject) => {
    const box = vscode.window.createInputBox();
    box.title = at.title;
    box.step = at.step;
    box.totalSteps = at.totalSteps;
    box.prompt = options.prompt;
    box.value = options.value ?? '';
    box.placeholder = options.placeholder;
    box.password = options.password === true;
    box.ignoreFocusOut = true;
    const more: vscode.QuickInputButton | undefined = options.more
      ? { iconPath: new vscode.ThemeIcon('settings'), tooltip: options.more.tooltip }
      : undefined;
    box.buttons = [...(at.step > 1 ? [vscode.QuickInputButtons.Back] : []), ...(more ? [more] : [])];
    // A prefilled value is checked at once; an empty box is not scolded before typing.
    if (box.value !== '') box.validationMessage = validate(box.value);
    let settled = false;
    const finish = (settle: () => void) => {
      settled = true;
      listeners.dispose();
      box.dispose();
      settle();
    };
    const listeners = vscode.Disposable.from(
      box.onDidChangeValue((v) => {
        box.validationMessage = validate(v);
      }),
      box.onDidAccept(() => {
        const problem = validate(box.value);
        box.validationMessage = problem;
        if (problem === undefined) finish(() => resolve(box.value));
      }),
      box.onDidTriggerButton((b) => {
        if (b === vscode.QuickInputButtons.Back) finish(() => resolve(BACK));
        if (b === more) {
          const problem = validate(box.value);
          box.validationMessage = problem;
          if (problem === undefined) {
            options.more?.chosen();
            finish(() => resolve(box.value));
          }
        }
      }),
      box.onDidHide(() => {
        if (!settled) finish(() => reject(cancelled()));
      }),
    );
    box.show();
  });
}
