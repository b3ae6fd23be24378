import type Docker from 'dockerode';
import type { z } from 'zod';
import { SwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';
import { explainSocketFailure, isSocketFailure } from '../common/explainSocketFailure.js';
import { engineCallError, goneError, nameTakenError } from '../common/providerErrors.js';
import type { InstanceRef } from '../provider.js';
import { createDockerClient } from './dockerClient.js';
import { messageOf, statusOf } from './dockerErrors.js';
import { containerKey, containerName } from './dockerNames.js';
import { DOCKER_DIALECT, type EngineDialect } from './engineDialect.js';

/** A stop waits this long for code-server before the engine kills it. */
export const STOP_TIMEOUT_S = 5;
/** A stop waits STOP_TIMEOUT_S for code-server, so requests get well more than that. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * One host's Docker-API engine (Docker, or Podman's compatible service) as
 * the Docker provider's parts share it: the two clients, the engine's dialect,
 * and every call's error turned into one of ours.
 */
export class DockerEngine {
  /** For API calls: each must answer within the request timeout. */
  readonly api: Docker;
  /** For calls that legitimately stream or idle for long: pulls, log follows, commits, events. */
  readonly streams: Docker;
  private readonly deadlineMs: number;

  constructor(
    readonly link: HostLink,
    readonly socketPath: string,
    requestTimeoutMs = REQUEST_TIMEOUT_MS,
    readonly dialect: EngineDialect = DOCKER_DIALECT,
  ) {
    this.api = createDockerClient(link, socketPath, requestTimeoutMs);
    this.deadlineMs = requestTimeoutMs * 2;
    this.streams = createDockerClient(link, socketPath);
  }

  container(ref: InstanceRef): Docker.Container {
    return this.api.getContainer(containerKey(ref));
  }

  /**
   * Runs one engine call. A status in `okStatuses` (304 "already stopped",
   * 404 "already gone") is success and answers undefined; a 404 about `ref`
   * means the instance was removed behind our back.
   */
  async call<T>(what: string, fn: () => Promise<T>, ref?: InstanceRef, okStatuses: number[] = []): Promise<T> {
    try {
      return await this.withDeadline(fn(), what);
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && okStatuses.includes(status)) return undefined as T;
      if (status === 404 && ref) throw goneError(ref, this.link.label, 'its container', e);
      if (status === 409 && /already in use/i.test(messageOf(e))) {
        throw nameTakenError(`A container named ${ref ? containerName(ref.name) : 'like this'}`, this.link.label, e);
      }
      throw await this.explain(e, what);
    }
  }

  /**
   * Makes a volume, or finds it made: Docker answers 201 for a volume that
   * exists, Podman 409. Either way the name is then the volume's.
   */
  async ensureVolume(
    options: { Name: string; Labels: Record<string, string>; DriverOpts?: Record<string, string> },
    what: string,
  ): Promise<void> {
    await this.call(what, () => this.api.createVolume(options), undefined, [409]);
  }

  /** The engine's JSON is an edge like any other: check the fields we use. */
  checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw new SwarmError(`${this.link.label}'s ${this.socketPath} did not answer like a ${this.dialect.engine} engine (bad ${what})`, {
      code: 'engine-missing',
      hint: `Check that the socket path is the ${this.dialect.engine} API socket (docker version on the host should work)`,
    });
  }

  /** Any failure of a call to `what`, as one line of ours. */
  wrap(e: unknown, what: string): SwarmError {
    if (e instanceof SwarmError) return e;
    if ((e as NodeJS.ErrnoException | null)?.code === 'ECONNRESET') {
      // docker-modem ends a request that outlived its timeout this way.
      return new SwarmError(`${this.dialect.engine} on ${this.link.label} did not answer in time (could not ${what})`, {
        code: 'timeout',
        hint: `The engine may be hung or overloaded; check it on the host (systemctl status ${this.dialect.kind})`,
        cause: e,
      });
    }
    return engineCallError(this.dialect.engine, this.link.label, what, messageOf(e), e);
  }

  /**
   * docker-modem never settles a request whose response is cut short (it
   * waits for 'end'), so every call also has an overall deadline.
   */
  private withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = Object.assign(new Error(`no complete answer to "${what}"`), { code: 'ECONNRESET' });
        reject(e);
      }, this.deadlineMs);
      timer.unref();
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }

  private async explain(e: unknown, what: string): Promise<SwarmError> {
    if (!isSocketFailure(e)) return this.wrap(e, what);
    const { engine, socketGroup: group, otherProvider } = this.dialect;
    return explainSocketFailure(e, this.link, { engine, path: this.socketPath, group, otherProvider });
  }
}
