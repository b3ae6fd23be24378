import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateCookieSuffix, generatePassword, hashPassword } from '../../../src/core/password.js';

describe('password', () => {
  it('generates long random passwords without look-alike characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      assert.equal(p.length, 32);
      assert.doesNotMatch(p, /[0O1lI]/);
      seen.add(p);
    }
    assert.equal(seen.size, 200);
  });

  it('hashes to the SHA-256 hex code-server checks a login against', () => {
    const hash = hashPassword('correct horse');
    // What code-server's hashLegacy() computes of the password typed at its login.
    assert.equal(hash, createHash('sha256').update('correct horse').digest('hex'));
    assert.match(hash, /^[0-9a-f]{64}$/);
    // Not an argon2 string: code-server would then take the cookie path for argon2, which also matches the hash exactly.
    assert.doesNotMatch(hash, /\$argon/);
    assert.notEqual(hashPassword('wrong horse'), hash);
  });

  it('makes cookie suffixes that are safe in a cookie name', () => {
    assert.match(generateCookieSuffix(), /^[0-9a-f]{12}$/);
  });
});
