import assert from 'node:assert/strict';
import { argon2Verify } from 'hash-wasm';
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

  it('hashes in the argon2id PHC format code-server verifies', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    // The cost argon2.ts argues for (a random password needs no stretching), not OWASP's 19 MiB × 2.
    assert.match(hash, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal(await argon2Verify({ password: 'correct horse', hash }), true);
    assert.equal(await argon2Verify({ password: 'wrong horse', hash }), false);
    assert.notEqual(await hashPassword('correct horse'), hash, 'salted');
  });

  it('makes cookie suffixes that are safe in a cookie name', () => {
    assert.match(generateCookieSuffix(), /^[0-9a-f]{12}$/);
  });
});
