import { randomBytes } from 'node:crypto';
import { PasswordHasher } from './passwordHasher.js';

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

let hasher: PasswordHasher | undefined;

/**
 * argon2id in the PHC string format code-server verifies (see argon2.ts),
 * on a worker thread so that the caller's event loop keeps running.
 */
export function hashPassword(password: string): Promise<string> {
  hasher ??= new PasswordHasher();
  return hasher.hash(password);
}

/**
 * From now on, hashPassword runs on the calling thread. For a process that has
 * nothing else to run while it waits for the hash (the CLI): no worker thread
 * to start, which made `code-swarm create` ~60 ms slower.
 */
export function hashOnCallingThread(): void {
  hasher?.dispose();
  hasher = new PasswordHasher(null);
}

/** A short random suffix for code-server's session cookie name. */
export function generateCookieSuffix(): string {
  return randomBytes(6).toString('hex');
}
