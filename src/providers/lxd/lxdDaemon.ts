import { SwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';
import { LXD_SOCKETS } from '../common/engineSockets.js';
import { explainSocketFailure, isSocketFailure } from '../common/explainSocketFailure.js';
import { engineCallError, firstLine, goneError } from '../common/providerErrors.js';
import type { InstanceRef } from '../provider.js';
import { LxdApiError, LxdClient } from './lxdClient.js';

/** LXD's answer that the object asked about does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof LxdApiError && e.status === 404;
}

/**
 * One host's LXD (or Incus) daemon as the LXD provider's parts share it: its
 * socket (found on first use), the API client on it, the CLI for `exec`, and
 * every call's error turned into one of ours.
 */
export class LxdDaemon {
  private client: { path: string; api: LxdClient } | undefined;
  /** Found once; a host without LXD today may get it tomorrow, so a failure is not kept. */
  private readonly detectedSocket = onceUntilFailure(() => this.detectSocket());
  /** The CLI (for `exec`), pointed at the same daemon socket as the API calls. */
  readonly cliCommand = onceUntilFailure(() => this.findCli());

  constructor(
    readonly link: HostLink,
    private readonly socketPath?: string,
  ) {}

  /**
   * Runs `fn` with the API client. A 404 about `ref` means the instance was
   * removed behind our back; a socket that cannot be opened is explained.
   */
  async call<T>(what: string, fn: (api: LxdClient) => Promise<T>, ref?: InstanceRef): Promise<T> {
    const api = await this.api();
    try {
      return await fn(api);
    } catch (e) {
      if (isNotFound(e) && ref) throw goneError(ref, this.link.label, 'its LXD instance', e);
      throw await this.explain(e, what);
    }
  }

  async api(): Promise<LxdClient> {
    const path = await this.resolveSocket();
    if (this.client?.path !== path) this.client = { path, api: new LxdClient(() => this.link.openUnixSocket(path)) };
    return this.client.api;
  }

  async isIncus(): Promise<boolean> {
    return (await this.resolveSocket()).includes('incus');
  }

  /** A command run in an instance failed: its output's first line says why. */
  execError(ref: InstanceRef, what: string, output: string): SwarmError {
    return new SwarmError(`Could not ${what} of ${ref.name} on ${this.link.label}: ${firstLine(output.trim())}`, { code: 'internal' });
  }

  /** The socket in use: the host's configured one, or the first found. */
  resolveSocket(): Promise<string> {
    return this.socketPath ? Promise.resolve(this.socketPath) : this.detectedSocket();
  }

  private async detectSocket(): Promise<string> {
    for (const path of LXD_SOCKETS) {
      const r = await this.link.exec(['test', '-S', path], { timeoutMs: 10_000 });
      if (r.code === 0) return path;
    }
    throw new SwarmError(`LXD is not installed or not running on ${this.link.label} (no socket at ${LXD_SOCKETS.join(', ')})`, {
      code: 'engine-missing',
      hint: 'Install and initialise LXD there (apt install lxd, or snap install lxd; then lxd init), or add the host with the Docker provider',
    });
  }

  private async findCli(): Promise<string[]> {
    const socket = await this.resolveSocket();
    const incus = socket.includes('incus');
    const candidates = incus ? ['incus'] : ['lxc', '/snap/bin/lxc', 'incus'];
    for (const bin of candidates) {
      let ok = false;
      try {
        ok = (await this.link.exec([bin, '--version'], { timeoutMs: 10_000 })).code === 0;
      } catch (e) {
        if (!(e instanceof SwarmError) || e.code !== 'engine-missing') throw e;
      }
      if (ok) return ['env', `${bin.endsWith('incus') ? 'INCUS_SOCKET' : 'LXD_SOCKET'}=${socket}`, bin];
    }
    throw new SwarmError(`Neither lxc nor incus is installed on ${this.link.label}, and reading an instance's log needs one of them`, {
      code: 'engine-missing',
      hint: 'Install the LXD client there (apt install lxd-client, or the lxd snap)',
    });
  }

  /** Turns a failed socket open into "not installed" or "not allowed"; anything else into one line. */
  private async explain(e: unknown, what: string): Promise<SwarmError> {
    const engine = (await this.isIncus().catch(() => false)) ? 'Incus' : 'LXD';
    if (isSocketFailure(e)) {
      const path = await this.resolveSocket();
      return explainSocketFailure(e, this.link, {
        engine,
        path,
        group: engine === 'Incus' ? 'incus-admin' : 'lxd',
        otherProvider: 'Docker',
      });
    }
    if (e instanceof SwarmError) return e;
    return engineCallError(engine, this.link.label, what, e instanceof Error ? e.message : String(e), e);
  }
}

/** `fn`'s promise, shared by every caller until it fails; the next call after a failure tries again. */
function onceUntilFailure<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const p = fn();
      pending = p;
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
}
