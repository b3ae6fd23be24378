import { argon2id } from 'hash-wasm';

/** A request to the hashing thread; the salt is drawn by the caller. */
export interface HashRequest {
  readonly id: number;
  readonly password: string;
  readonly salt: Uint8Array;
}

export type HashReply = { readonly id: number; readonly hash: string } | { readonly id: number; readonly error: string };

/**
 * argon2id in the PHC string format code-server verifies ($argon2id$v=19$...).
 * Parameters follow OWASP's minimum (19 MiB, t=2): the hash only has to stop
 * offline guessing of a 186-bit random password, and it is computed in wasm.
 */
export function argon2idEncoded(password: string, salt: Uint8Array): Promise<string> {
  return argon2id({ password, salt, parallelism: 1, iterations: 2, memorySize: 19_456, hashLength: 32, outputType: 'encoded' });
}
