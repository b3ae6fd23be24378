import assert from 'node:assert/strict';
import { freeSnapshotName, snapshotBaseName, snapshotNameVariant } from '../../../../src/providers/common/snapshotNames.js';

describe('snapshot names', () => {
  it('say when they were taken, to the second, in UTC', () => {
    assert.equal(snapshotBaseName(new Date('2026-11-23T09:05:07.123Z')), 'snap-20261123090507');
  });

  it('get a suffix when the second is taken already', () => {
    assert.equal(snapshotNameVariant('snap-1', 1), 'snap-1');
    assert.equal(snapshotNameVariant('snap-1', 3), 'snap-1-3');
    assert.equal(freeSnapshotName('snap-1', new Set()), 'snap-1');
    assert.equal(freeSnapshotName('snap-1', new Set(['snap-1', 'snap-1-2'])), 'snap-1-3');
  });
});
