import type Docker from 'dockerode';
import { probeHealth } from '../src/core/healthProbe.js';
import type { HostLink } from '../src/transport/hostLink.js';

export interface BaselineSpec {
  readonly name: string;
  readonly image: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly pidsLimit: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Swarm.waitHealthy's pacing: 150 ms between probes, 1 s while the host is unreachable. */
const POLL_MS = 150;
const POLL_UNREACHABLE_MS = 1_000;

/**
 * The plain way to the same result: `docker run -d -p 127.0.0.1::8080
 * -e PASSWORD=x IMAGE` with the limits Code Swarm sets, then GET /healthz
 * through the host's link until it answers 200. No volume, no store, no
 * password hashing: everything Code Swarm adds is what the ratio shows.
 * `onCreated` gets the container id as soon as it exists, for cleanup.
 */
export async function baselineCreateHealthy(
  docker: Docker,
  link: HostLink,
  spec: BaselineSpec,
  onCreated: (containerId: string) => void,
): Promise<void> {
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Env: ['PASSWORD=x'],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: {
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      NanoCpus: Math.round(spec.cpus * 1e9),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
  });
  onCreated(container.id);
  await container.start();
  // `docker run -p 127.0.0.1::8080` picks the port; reading it back is one inspect.
  const info = await container.inspect();
  const port = Number(info.NetworkSettings.Ports?.['8080/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${spec.name} has no loopback port for 8080/tcp`);
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    if (spec.signal?.aborted) throw new Error('cancelled');
    const r = await probeHealth(link, port);
    if (r.health === 'healthy') return;
    if (Date.now() > deadline) throw new Error(`${spec.name} did not become healthy in ${spec.timeoutMs} ms (last: ${r.health})`);
    await new Promise((resolve) => setTimeout(resolve, r.health === 'unreachable' ? POLL_UNREACHABLE_MS : POLL_MS));
  }
}
