import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password: 32 characters, ~186 bits, no look-alike characters. */
export function generatePassword(length = 32): string {
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out.push(ALPHABET[b % ALPHABET.length] as string);
    }
  }
  return out.join('');
}

/**
 * The hash code-server gets instead of the password (HASHED_PASSWORD, or
 * `hashed-password` in its config): SHA-256 in hex, a form code-server takes
 * as documented (anything not `$argon2…`; see its `getPasswordMethod`).
 *
 * Why not argon2: the password is never chosen by a person. It is 32 random
 * characters (~186 bits, above), so finding it from its hash takes ~2^185
 * tries whatever a try costs; key stretching only protects a secret a person
 * can remember, and random tokens are stored behind one fast hash for that
 * reason. Nor does the hash guard more than the password: code-server takes
 * the hash string itself as its session cookie, so whoever reads it (the
 * container's environment on the host) can log in either way. argon2 in wasm
 * cost every create ~120 ms (OWASP's 19 MiB, two passes), and still ~45 ms at
 * its smallest (compiling the wasm), on the user's clock, for no gain.
 */
export function hashPassword(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

/** A short random suffix for code-server's session cookie name. */
export function generateCookieSuffix(): string {
  return randomBytes(6).toString('hex');
}
