import assert from 'node:assert/strict';
import { suggestName } from '../../../src/ui/model/suggestName.js';
import { instanceNameProblem } from '../../../src/core/validate.js';

describe('suggestName', () => {
  it('turns aliases and addresses into valid names', () => {
    assert.equal(suggestName('Build_Box.example', new Set()), 'build-box-example');
    assert.equal(suggestName('127.0.0.2', new Set()), '127-0-0-2');
    assert.equal(suggestName('---', new Set(), 40, 'host'), 'host');
  });

  it('adds a number until the name is free', () => {
    assert.equal(suggestName('code', new Set(['code', 'code-2'])), 'code-3');
  });

  it('stays within the limit and valid', () => {
    const long = 'x'.repeat(80);
    const name = suggestName(long, new Set([long.slice(0, 40)]));
    assert.ok(name.length <= 40);
    assert.equal(instanceNameProblem(name), undefined);
  });
});
