import assert from 'node:assert/strict';
import { changeLine, instanceChanges } from '../../../src/cli/instanceChanges.js';
import type { InstanceView } from '../../../src/core/views.js';

const view = (name: string, state: InstanceView['state'], port?: number): InstanceView =>
  ({ name, host: 'alpha', state, ...(port === undefined ? {} : { port }) }) as InstanceView;

describe('instanceChanges: what `code-swarm watch` prints', () => {
  it('reports state and port changes, new and gone instances, in name order, and nothing else', () => {
    const before = [view('a', 'running', 1), view('b', 'running', 2), view('c', 'running', 3), view('d', 'stopped')];
    const after = [view('a', 'running', 1), view('b', 'stopped'), view('c', 'running', 4), view('e', 'starting')];
    const changes = instanceChanges(before, after);
    assert.deepEqual(changes, [
      { name: 'b', host: 'alpha', from: 'running', to: 'stopped', port: null },
      { name: 'c', host: 'alpha', from: 'running', to: 'running', port: 4 },
      { name: 'd', host: 'alpha', from: 'stopped', to: null, port: null },
      { name: 'e', host: 'alpha', from: null, to: 'starting', port: null },
    ]);
    assert.deepEqual(changes.map(changeLine), [
      'b on alpha: running → stopped',
      'c on alpha: running, now on port 4',
      'd on alpha: gone',
      'e on alpha: new, starting',
    ]);
  });

  it('reports nothing for the same list', () => {
    const same = [view('a', 'running', 1), view('b', 'stopped')];
    assert.deepEqual(instanceChanges(same, [...same]), []);
  });
});
