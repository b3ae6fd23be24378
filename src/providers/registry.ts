import type { HostRecord, ProviderKind } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import { DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET } from './common/engineSockets.js';
import { DockerProvider } from './docker/dockerProvider.js';
import { LxdProvider } from './lxd/lxdProvider.js';
import { PodmanProvider } from './podman/podmanProvider.js';
import type { Provider } from './provider.js';
import { SwarmModeProvider } from './swarm/swarmModeProvider.js';

/** Makes the provider of one host, talking only through that host's link. */
export type ProviderFactory = (link: HostLink, host: HostRecord) => Provider;

/** Every provider this build has, by kind: a new provider is a folder and one line here. */
export const providerFactories: ReadonlyMap<ProviderKind, ProviderFactory> = new Map<ProviderKind, ProviderFactory>([
  ['docker', (link, host) => new DockerProvider(link, host.dockerSocket ?? DEFAULT_DOCKER_SOCKET)],
  ['lxd', (link, host) => new LxdProvider(link, host.lxdSocket)],
  ['podman', (link, host) => new PodmanProvider(link, host.podmanSocket ?? DEFAULT_PODMAN_SOCKET)],
  ['swarm', (link, host) => new SwarmModeProvider(link, host.dockerSocket ?? DEFAULT_DOCKER_SOCKET, host.swarmOverlay !== 'plain')],
]);
