import { type Finding, ok } from '../hostCheck.js';

/** The doctor's word on `--disk` (docs/DISK.md): a host that cannot enforce it is not broken, so it is never a warning. */
export function quotaFinding(code: string, why: string | undefined): Finding {
  return ok(code, why === undefined ? '--disk is enforced here' : `--disk would be refused here: ${why}`);
}
