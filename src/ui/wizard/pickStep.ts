import * as vscode from 'vscode';
import { cancelled } from '../cancelled.js';
import { inShownOrder } from '../model/inShownOrder.js';
import { BACK, type Back, type StepPosition } from './runWizard.js';

export interface PickStepOptions<T extends vscode.QuickPickItem> {
  readonly placeholder: string;
  readonly items: readonly T[];
  /** An item made from what the user typed (e.g. `user@host`), shown first while the text is not empty. */
  readonly typedItem?: (value: string) => T | undefined;
  /** Whether Enter on this item goes on; a refused item keeps the picker open (it says why in its detail). */
  readonly accepts?: (item: T) => boolean;
  readonly activeItem?: T;
  /**
   * Better items that come later (figures read from the hosts): they replace
   * the items while the picker is open, busy until then. Their active item
   * is taken unless the user moved off the first one or typed; an item is matched by label,
   * and the items keep the order they were shown in.
   */
  readonly later?: Promise<{ readonly items: readonly T[]; readonly activeItem?: T | undefined } | undefined>;
}

/** One QuickPick step with a Back button; resolves with the picked item. */
export function pickStep<T extends vscode.QuickPickItem>(at: StepPosition, options: PickStepOptions<T>): Promise<T | Back> {
  return new Promise((resolve, reject) => {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = at.title;
    qp.step = at.step;
    qp.totalSteps = at.totalSteps;
    qp.placeholder = options.placeholder;
    qp.ignoreFocusOut = true;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.buttons = at.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let items = options.items;
    const render = () => {
      const typed = qp.value.trim() === '' ? undefined : options.typedItem?.(qp.value.trim());
      qp.items = typed ? [typed, ...items] : [...items];
    };
    render();
    if (options.activeItem) qp.activeItems = [options.activeItem];
    let settled = false;
    const finish = (settle: () => void) => {
      settled = true;
      listeners.dispose();
      qp.dispose();
      settle();
    };
    const listeners = vscode.Disposable.from(
      qp.onDidChangeValue(() => {
        if (options.typedItem) render();
      }),
      qp.onDidAccept(() => {
        const item = qp.selectedItems[0] ?? qp.activeItems[0];
        if (item === undefined || (options.accepts && !options.accepts(item))) return;
        finish(() => resolve(item));
      }),
      qp.onDidTriggerButton((b) => {
        if (b === vscode.QuickInputButtons.Back) finish(() => resolve(BACK));
      }),
      qp.onDidHide(() => {
        if (!settled) finish(() => reject(cancelled()));
      }),
    );
    if (options.later) {
      qp.busy = true;
      void options.later
        .then((next) => {
          if (settled || !next) return;
          const current = qp.activeItems[0];
          // Typed text filters the list: a proposal it hides must not become what Enter accepts.
          const untouched = qp.value === '' && (current === undefined || current === options.activeItem);
          // Same order as shown: VS Code names an item by its index, so a list
          // that re-sorted under an Enter already on its way would pick another host.
          items = inShownOrder(items, next.items);
          render();
          const keep = untouched ? next.activeItem : current && items.find((i) => i.label === current.label);
          if (keep) qp.activeItems = [keep];
        })
        .catch(() => undefined)
        .finally(() => {
          if (!settled) qp.busy = false;
        });
    }
    qp.show();
  });
}
