import type { ProviderKind } from '../../shared/model.js';
import type { GpuStyle } from './instanceOptions.js';

/**
 * How one engine that speaks Docker's API answers: Docker itself, or Podman's
 * Docker-compatible service. Every difference the Docker provider's parts
 * must know lives here, so none of them tests for an engine by name. Two
 * more need no switch and are handled for every engine where the call is
 * made: a volume create that finds the volume (Podman: 409, Docker: 201) and
 * a commit's JSON body (Podman fails on an empty one; see DockerEngine).
 */
export interface EngineDialect {
  readonly kind: Extract<ProviderKind, 'docker' | 'podman'>;
  /** The engine's name in messages ("Docker on alpha could not …"). */
  readonly engine: string;
  /** The group that usually owns the socket, for "permission denied" hints. */
  readonly socketGroup: string;
  /** The Docker-API provider to suggest when this one finds no socket. */
  readonly otherProvider: string;
  /** Event actions to subscribe to: the engine filters on its own words. */
  readonly eventActions: readonly string[];
  /** An event action in Docker's words (Podman's compat stream may say `died` for `die`). */
  readonly actionOf: (action: string) => string;
  /** The attributes of an exit event that may hold the exit code, tried in order. */
  readonly exitCodeAttributes: readonly string[];
  /**
   * The engine sends a stream's headers only with its first bytes (/events'
   * first event, a followed log's first line), so waiting for them would
   * wait for something to happen: such streams are handed over at once
   * (lateStream.ts), events from the engine's clock a second back.
   */
  readonly lateStreamHeaders: boolean;
  /**
   * /events filters on a label's key alone. Podman's matches `key=value`
   * only, so a key-only filter passes nothing: its events are then filtered
   * here instead, by our instance label.
   */
  readonly eventLabelKeyFilter: boolean;
  /**
   * A network mode that gives each container a network stack of its own, so
   * instances cannot reach one another without a shared network. Unset: the
   * shared network with traffic between containers off (dockerNetwork.ts),
   * which needs the bridge driver's ICC switch; Podman's netavark has none
   * (it keeps the network and drops the option without a word).
   */
  readonly ownNetworkMode?: string;
  /** How `--gpus` reaches the engine: Docker's device requests, or CDI device names (Podman). */
  readonly gpuStyle: GpuStyle;
}

/** Events that can change what a list shows (state, port, existence, name); not exec or health noise. */
export const WATCHED_ACTIONS = ['create', 'start', 'restart', 'stop', 'die', 'destroy', 'pause', 'unpause', 'rename', 'oom'] as const;

export const DOCKER_DIALECT: EngineDialect = {
  kind: 'docker',
  engine: 'Docker',
  socketGroup: 'docker',
  otherProvider: 'LXD',
  eventActions: WATCHED_ACTIONS,
  actionOf: (action) => action,
  exitCodeAttributes: ['exitCode'],
  lateStreamHeaders: false,
  eventLabelKeyFilter: true,
  gpuStyle: 'device-requests',
};
