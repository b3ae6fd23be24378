import assert from 'node:assert/strict';
import { diffTree, EMPTY_SHAPE, isEmptyDiff, type TreeShape } from '../../../src/ui/model/treeDiff.js';

const shape = (hosts: [string, string, [string, string][]][]): TreeShape => ({
  hosts: hosts.map(([name, signature, instances]) => ({
    name,
    signature,
    instances: instances.map(([id, sig]) => ({ id, signature: sig })),
  })),
});

describe('diffTree', () => {
  const base = shape([
    [
      'alpha',
      'a1',
      [
        ['i1', 's1'],
        ['i2', 's2'],
      ],
    ],
    ['beta', 'b1', [['i3', 's3']]],
  ]);

  it('finds nothing when nothing changed', () => {
    assert.ok(isEmptyDiff(diffTree(base, base)));
  });

  it('re-renders the root when hosts come, go or move', () => {
    assert.ok(diffTree(EMPTY_SHAPE, base).root);
    assert.ok(
      diffTree(
        base,
        shape([
          [
            'alpha',
            'a1',
            [
              ['i1', 's1'],
              ['i2', 's2'],
            ],
          ],
        ]),
      ).root,
    );
    assert.ok(
      diffTree(
        base,
        shape([
          ['beta', 'b1', [['i3', 's3']]],
          [
            'alpha',
            'a1',
            [
              ['i1', 's1'],
              ['i2', 's2'],
            ],
          ],
        ]),
      ).root,
    );
  });

  it('re-renders only the instance whose look changed', () => {
    const d = diffTree(
      base,
      shape([
        [
          'alpha',
          'a1',
          [
            ['i1', 's1'],
            ['i2', 'CHANGED'],
          ],
        ],
        ['beta', 'b1', [['i3', 's3']]],
      ]),
    );
    assert.deepEqual(d, { root: false, hosts: [], instances: ['i2'] });
  });

  it('re-renders a host when its row or its set of instances changed, covering its instances', () => {
    const added = diffTree(
      base,
      shape([
        [
          'alpha',
          'a2',
          [
            ['i1', 's1'],
            ['i2', 's2'],
            ['i4', 's4'],
          ],
        ],
        ['beta', 'b1', [['i3', 'X']]],
      ]),
    );
    assert.deepEqual(added, { root: false, hosts: ['alpha'], instances: ['i3'] });
    const reachability = diffTree(
      base,
      shape([
        [
          'alpha',
          'a1',
          [
            ['i1', 's1'],
            ['i2', 's2'],
          ],
        ],
        ['beta', 'down', [['i3', 's3']]],
      ]),
    );
    assert.deepEqual(reachability, { root: false, hosts: ['beta'], instances: [] });
  });
});
