import type { Provider } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';

/**
 * `--disk` only where the host enforces it: a size that is written down but
 * not enforced would let a workspace fill the host's disk all the same
 * (docs/DISK.md). Asked before anything is written or made.
 */
export async function requireDiskQuota(host: HostRecord, provider: Provider): Promise<void> {
  const why = provider.diskQuotaProblem ? await provider.diskQuotaProblem() : `a ${host.provider} host has no way to`;
  if (why === undefined) return;
  throw new SwarmError(`${host.name} cannot enforce --disk: ${why}`, {
    code: 'invalid-input',
    hint: `Create it without --disk, or give ${host.name} storage that enforces sizes (docs/DISK.md; code-swarm hosts doctor ${host.name} says what it has)`,
  });
}
