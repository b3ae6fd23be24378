import assert from 'node:assert/strict';
import { BACK, runWizard, type StepPosition, type WizardStep } from '../../../src/ui/wizard/runWizard.js';

interface S {
  log: string[];
  skipSecond: boolean;
}

/** A step that records where it ran and answers from a script. */
const step = (name: string, answers: ('next' | 'back')[], skipWhen?: (s: S) => boolean): WizardStep<S> => ({
  run: async (s: S, at: StepPosition) => {
    s.log.push(`${name} ${at.step}/${at.totalSteps}`);
    return answers.shift() === 'back' ? BACK : undefined;
  },
  ...(skipWhen ? { skip: skipWhen } : {}),
});

describe('runWizard', () => {
  it('runs steps in order with their positions', async () => {
    const s = await runWizard('T', { log: [], skipSecond: false }, [step('a', ['next']), step('b', ['next']), step('c', ['next'])]);
    assert.deepEqual(s.log, ['a 1/3', 'b 2/3', 'c 3/3']);
  });

  it('goes back one step on BACK, and never before the first', async () => {
    const s = await runWizard('T', { log: [], skipSecond: false }, [step('a', ['back', 'next', 'next']), step('b', ['back', 'next'])]);
    assert.deepEqual(s.log, ['a 1/2', 'a 1/2', 'b 2/2', 'a 1/2', 'b 2/2']);
  });

  it('skips steps that do not apply, in the count too', async () => {
    const s = await runWizard('T', { log: [], skipSecond: true }, [
      step('a', ['next']),
      step('b', ['next'], (x) => x.skipSecond),
      step('c', ['back', 'next']),
    ]);
    assert.deepEqual(s.log, ['a 1/2', 'c 2/2', 'a 1/2', 'c 2/2']);
  });

  it('lets a step cancel the whole wizard by throwing', async () => {
    const failing: WizardStep<S> = {
      run: async () => {
        throw new Error('Escape');
      },
    };
    await assert.rejects(runWizard('T', { log: [], skipSecond: false }, [step('a', ['next']), failing]), /Escape/);
  });
});
