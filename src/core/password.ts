import { randomBytes } from 'node:crypto';
import { argon2id } from 'hash-wasm';

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
 * argon2id in the PHC string format code-server verifies ($argon2id$v=19$...).
 * Parameters follow OWASP's minimum (19 MiB, t=2): the hash only has to stop
 * offline guessing of a 186-bit random password, and it is computed in wasm.
 */
export async function hashPassword(password: string): Promise<string> {
  return argon2id({
    password,
    salt: randomBytes(16),
    parallelism: 1,
    iterations: 2,
    memorySize: 19_456,
    hashLength: 32,
    outputType: 'encoded',
  });
}

/** A short random suffix for code-server's session cookie name. */
export function generateCookieSuffix(): string {
  return randomBytes(6).toString('hex');
}
