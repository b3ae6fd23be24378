import type { HostLink } from '../../transport/hostLink.js';
import { DockerProvider } from '../docker/dockerProvider.js';
import type { HostCheck } from '../hostCheck.js';
import { podmanChecks } from './podmanChecks.js';
import { PODMAN_DIALECT } from './podmanDialect.js';

/**
 * Podman through its Docker-compatible API: the Docker provider whole, with
 * Podman's dialect (its event words, its late /events headers). The same
 * hardening, limits, loopback-only port, labels, logs and snapshots, and
 * the same read-back after a create: Podman may accept a limit it cannot
 * apply (rootless on cgroup v1 drops pids limits), which the read-back
 * refuses.
 */
export class PodmanProvider extends DockerProvider {
  constructor(link: HostLink, socketPath: string, requestTimeoutMs?: number) {
    super(link, socketPath, requestTimeoutMs, { dialect: PODMAN_DIALECT });
  }

  override checks(): readonly HostCheck[] {
    return podmanChecks(this.engine);
  }
}
