import assert from 'node:assert/strict';
import { SwarmError } from '../../src/shared/errors.js';
import { recordError } from '../support/suiteArtifacts.js';

/**
 * Asserts that `p` fails with a SwarmError of this code whose one-line text
 * matches; with `hint`, it must also say what to do next. The error is
 * written to the suite's transcript for the secret audit.
 */
export async function failsWith(
  p: Promise<unknown>,
  code: SwarmError['code'],
  pattern: RegExp,
  options: { hint?: boolean } = {},
): Promise<SwarmError> {
  try {
    await p;
  } catch (e) {
    // Every error a test provokes is searched for passwords after the suite.
    recordError(`failsWith ${code}`, e);
    assert.ok(e instanceof SwarmError, `expected a SwarmError, got ${String(e)}`);
    assert.equal(e.code, code, e.oneLine());
    assert.match(e.oneLine(), pattern);
    assert.ok(!e.oneLine().includes('\n'));
    if (options.hint) assert.ok(e.hint, `"${e.message}" should say what to do next`);
    return e;
  }
  assert.fail(`expected a ${code} error`);
}
