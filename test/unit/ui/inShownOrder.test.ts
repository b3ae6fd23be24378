import assert from 'node:assert/strict';
import { inShownOrder } from '../../../src/ui/model/inShownOrder.js';

describe('inShownOrder: fresh picker items keep the order the user sees', () => {
  const item = (label: string, description = '') => ({ label, description });

  it('puts re-ranked items back in the shown order and keeps their new contents', () => {
    const shown = [item('local', 'no figures yet'), item('alpha', 'no figures yet')];
    const later = [item('alpha', '4 CPUs free'), item('local', '1 CPU free')];
    assert.deepEqual(inShownOrder(shown, later), [item('local', '1 CPU free'), item('alpha', '4 CPUs free')]);
  });

  it('puts items that were not shown last, in their own order, and drops none', () => {
    const shown = [item('b'), item('a')];
    const later = [item('c'), item('a'), item('d'), item('b')];
    assert.deepEqual(
      inShownOrder(shown, later).map((i) => i.label),
      ['b', 'a', 'c', 'd'],
    );
  });
});
