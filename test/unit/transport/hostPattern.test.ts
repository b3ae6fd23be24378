import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPattern, matchPattern, matchPatternList } from '../../../src/transport/hostPattern.js';

function referenceMatch(name: string, pattern: string): boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'is').test(name);
}

describe('hostPattern', () => {
  it('matches literals case-insensitively', () => {
    assert.ok(matchPattern('Example.COM', 'example.com'));
    assert.ok(!matchPattern('example.co', 'example.com'));
  });

  it('supports * and ? wildcards', () => {
    assert.ok(matchPattern('web1.example.com', '*.example.com'));
    assert.ok(matchPattern('web1', 'web?'));
    assert.ok(!matchPattern('web12', 'web?'));
    assert.ok(matchPattern('', '*'));
    assert.ok(matchPattern('[h]:2222', '[h]:*'));
  });

  it('agrees with a regex reference on random inputs', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '?', '['), maxLength: 10 });
    fc.assert(
      fc.property(text, text, (name, pattern) => {
        assert.equal(matchPattern(name, pattern), referenceMatch(name, pattern));
      }),
      { numRuns: 500 },
    );
  });

  it('lets a matching negation veto the list', () => {
    assert.ok(matchPatternList('a.example.com', ['*.example.com']));
    assert.ok(!matchPatternList('bad.example.com', ['*.example.com', '!bad.*']));
    assert.ok(!matchPatternList('bad.example.com', ['!bad.*', '*.example.com']));
  });

  it('needs a positive match: negations alone match nothing', () => {
    assert.ok(!matchPatternList('other', ['!bad']));
  });

  it('tells patterns from concrete names', () => {
    assert.ok(isPattern('*.x'));
    assert.ok(isPattern('h?'));
    assert.ok(isPattern('!h'));
    assert.ok(!isPattern('build-box'));
  });
});
