import { HostKeyUnknownError } from '../transport/sshErrors.js';
import { type UnknownHostKey } from '../transport/sshTypes.js';

/** A host key seen for the first time, as a `host-key-unknown` error carries it. */
export type { UnknownHostKey } from '../transport/sshTypes.js';

/**
 * The unknown host key an error is about, for asking the user whether to
 * trust it; undefined for any other error. A provider may wrap the error, so
 * the cause chain is searched too.
 */
export function unknownHostKeyOf(e: unknown): UnknownHostKey | undefined {
  for (let cur: unknown = e, depth = 0; cur !== undefined && depth < 5; depth++) {
    if (cur instanceof HostKeyUnknownError) return cur.key;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return undefined;
}
