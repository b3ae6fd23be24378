import { type EngineDialect, WATCHED_ACTIONS } from '../docker/engineDialect.js';

/**
 * Podman 4's Docker-compatible service. Its event stream names a container's
 * exit `died` (4.3 translates it to `die` in the stream, but its filter only
 * knows `died`) with the code in `containerExitCode`, answers /events and a
 * followed log only once there is something to send, filters events on
 * `label=key=value` only, and has no bridge switch for traffic between
 * containers. Measured on Podman 4.3.1.
 */
export const PODMAN_DIALECT: EngineDialect = {
  kind: 'podman',
  engine: 'Podman',
  socketGroup: 'podman',
  otherProvider: 'Docker',
  eventActions: [...WATCHED_ACTIONS, 'died'],
  actionOf: (action) => (action === 'died' ? 'die' : action),
  exitCodeAttributes: ['containerExitCode', 'exitCode'],
  lateStreamHeaders: true,
  eventLabelKeyFilter: false,
  // User-mode networking per container: its own 10.0.2.0/24, NAT out, no
  // route to the host's loopback or to another instance; the published port
  // is still bound to the host's 127.0.0.1 only.
  ownNetworkMode: 'slirp4netns',
  // Podman 4 takes GPUs as CDI device names; its compat API ignores Docker's device requests.
  gpuStyle: 'cdi',
};
