import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseBuildArgs, validateBuild } from '../../../src/core/validateBuild.js';
import { SwarmError } from '../../../src/shared/errors.js';

describe('validateBuild', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'csw-vb-'));
    mkdirSync(join(dir, 'app', 'docker'), { recursive: true });
    writeFileSync(join(dir, 'app', 'docker', 'Dockerfile'), 'FROM x\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof SwarmError && e.code === 'invalid-input', String(e));
      return e.oneLine();
    }
    throw new Error('accepted');
  };

  it('defaults the context to the Dockerfile folder, and keeps the Dockerfile relative to a given context', () => {
    assert.deepEqual(validateBuild({ dockerfile: 'app/docker/Dockerfile' }, dir), {
      context: join(dir, 'app', 'docker'),
      dockerfile: 'Dockerfile',
      args: {},
    });
    assert.deepEqual(validateBuild({ dockerfile: 'app/docker/Dockerfile', context: 'app', buildArgs: ['A=1', 'B=x=y', 'C='] }, dir), {
      context: join(dir, 'app'),
      dockerfile: 'docker/Dockerfile',
      args: { A: '1', B: 'x=y', C: '' },
    });
  });

  it('refuses a missing Dockerfile, a context that is not a folder or does not hold it, and bad arguments, in one line', () => {
    assert.match(
      refusal(() => validateBuild({ dockerfile: 'nope' }, dir)),
      /Dockerfile "nope" is not a file/,
    );
    assert.match(
      refusal(() => validateBuild({ dockerfile: 'app' }, dir)),
      /is not a file/,
    );
    assert.match(
      refusal(() => validateBuild({ dockerfile: 'app/docker/Dockerfile', context: 'app/docker/Dockerfile' }, dir)),
      /not a folder/,
    );
    mkdirSync(join(dir, 'other'), { recursive: true });
    assert.match(
      refusal(() => validateBuild({ dockerfile: 'app/docker/Dockerfile', context: 'other' }, dir)),
      /outside its build context/,
    );
    assert.match(
      refusal(() => validateBuild({ dockerfile: 'a\nb' }, dir)),
      /control characters/,
    );
    assert.match(
      refusal(() => parseBuildArgs(['NOEQUALS'])),
      /has no '='/,
    );
    assert.match(
      refusal(() => parseBuildArgs(['1A=x'])),
      /name "1A" is not valid/,
    );
    assert.match(
      refusal(() => parseBuildArgs(['A=1', 'A=2'])),
      /given twice/,
    );
    assert.match(
      refusal(() => parseBuildArgs(['A=a\nb'])),
      /control characters/,
    );
    assert.match(
      refusal(() => parseBuildArgs(Array.from({ length: 65 }, (_, i) => `A${i}=1`))),
      /Too many/,
    );
  });

  it('property: any build argument is refused with invalid-input, or has a plain name and a value without control characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.stringMatching(/^[A-Za-z_=$;`'"\n\\ -]{0,20}$/),
        ),
        (s) => {
          let args: Record<string, string>;
          try {
            args = parseBuildArgs([s]);
          } catch (e) {
            return e instanceof SwarmError && e.code === 'invalid-input' && !e.oneLine().includes('\n');
          }
          const [[k, v]] = Object.entries(args) as [[string, string]];
          return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !/[\x00-\x08\x0a-\x1f\x7f]/.test(v) && `${k}=${v}` === s;
        },
      ),
      { numRuns: 500 },
    );
  });
});
