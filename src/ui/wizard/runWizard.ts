export const BACK = Symbol('back');
export type Back = typeof BACK;

/** Where a step sits, for the picker's title and "2/5" counter. */
export interface StepPosition {
  readonly title: string;
  readonly step: number;
  readonly totalSteps: number;
}

export interface WizardStep<S> {
  /** Fills its part of `state`, or returns BACK to go to the previous step. */
  run(state: S, at: StepPosition): Promise<Back | void>;
  /** Steps that do not apply to this state (e.g. the host when a host node was clicked). */
  skip?(state: S): boolean;
}

/**
 * Runs steps in order with a Back button, the multi-step pattern of VS Code's
 * own pickers. A step cancels the whole wizard by throwing (Escape).
 */
export async function runWizard<S>(title: string, state: S, steps: readonly WizardStep<S>[]): Promise<S> {
  const active = () => steps.filter((s) => !s.skip?.(state));
  let i = 0;
  while (i < active().length) {
    const list = active();
    const result = await list[i]!.run(state, { title, step: i + 1, totalSteps: list.length });
    i = result === BACK ? Math.max(0, i - 1) : i + 1;
  }
  return state;
}
