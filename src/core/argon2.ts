import { argon2id } from 'hash-wasm';

/**
 * argon2id in the PHC string format code-server verifies ($argon2id$v=19$...),
 * with the smallest cost argon2 allows a sane use of: one pass over 1 MiB.
 *
 * Why so cheap: the password is never chosen by a person. It is 32 random
 * characters (~186 bits, password.ts), so guessing it from its hash takes
 * ~2^185 tries whatever each try costs; key stretching only helps a secret a
 * person can remember. It is the practice for random tokens (stored behind
 * one fast hash). And the hash protects nothing more than the password
 * itself: code-server takes the hash string as its session cookie, so
 * whoever can read it (the container's env on the host) can log in anyway.
 * OWASP's minimum (19 MiB, two passes) cost ~120 ms of the CLI's create, on
 * the user's clock, for no gain. The hash keeps the argon2 format (not
 * code-server's "legacy" SHA-256 path) so that nothing depends on a code
 * path code-server may drop.
 */
export function argon2idEncoded(password: string, salt: Uint8Array): Promise<string> {
  return argon2id({ password, salt, parallelism: 1, iterations: 1, memorySize: 1024, hashLength: 32, outputType: 'encoded' });
}
