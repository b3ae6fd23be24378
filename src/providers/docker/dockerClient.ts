import type { Agent } from 'node:http';
import Docker from 'dockerode';
import type { HostLink } from '../../transport/hostLink.js';
import { StreamAgent } from '../../transport/streamAgent.js';

/** docker-modem accepts an http.Agent; dockerode's typings do not list it. */
type DockerOptionsWithAgent = Docker.DockerOptions & { agent: Agent };

/**
 * A dockerode client whose every request is a fresh stream to the engine's
 * unix socket on the host: an SSH channel on the host's one connection, or a
 * local socket for the `local` host. No connection is opened per call.
 */
export function createDockerClient(link: HostLink, socketPath: string, timeoutMs?: number): Docker {
  const options: DockerOptionsWithAgent = {
    protocol: 'http',
    // Never resolved or dialled: the agent supplies the stream.
    host: '127.0.0.1',
    port: 2375,
    agent: new StreamAgent(() => link.openUnixSocket(socketPath)),
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
  };
  return new Docker(options);
}
