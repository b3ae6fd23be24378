import { randomBytes } from 'node:crypto';
import { argon2idEncoded } from './argon2.js';

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
 * argon2id in the PHC string format code-server verifies, salted; a few
 * milliseconds on the calling thread (see argon2.ts for why it is cheap).
 */
export function hashPassword(password: string): Promise<string> {
  return argon2idEncoded(password, randomBytes(16));
}

/** A short random suffix for code-server's session cookie name. */
export function generateCookieSuffix(): string {
  return randomBytes(6).toString('hex');
}
