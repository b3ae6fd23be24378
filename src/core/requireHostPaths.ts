import type { Provider } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import type { InstanceOptions } from './validateOptions.js';

/** A host path to mount must exist on the host: asked over its link before anything is written or made. */
export async function requireHostPaths(host: HostRecord, provider: Provider, options: InstanceOptions): Promise<void> {
  const paths = options.mounts.filter((m) => m.type === 'bind').map((m) => m.source);
  if (paths.length === 0) return;
  if (!provider.missingHostPaths) {
    throw new SwarmError(`${host.name}'s engine takes no host paths to mount`, {
      code: 'invalid-input',
      hint: 'Mount a named volume instead',
    });
  }
  const missing = await provider.missingHostPaths(paths);
  if (missing.length > 0) {
    throw new SwarmError(`--mount source ${JSON.stringify(missing[0]).slice(0, 80)} does not exist on ${host.name}`, {
      code: 'invalid-input',
      hint: `Create it there first (mkdir -p), or check the path; it is looked up as ${host.name}'s SSH user`,
    });
  }
}
