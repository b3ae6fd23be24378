import { SwarmError, toSwarmError } from '../shared/errors.js';
import type { HostRecord, ProviderKind } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import type { KnownHostEntry } from '../transport/knownHosts.js';
import type { UnknownHostKey } from '../transport/sshTypes.js';
import type { HostAccess, HostRegistry } from './hostRegistry.js';
import type { InstanceSecrets } from './instanceSecrets.js';
import type { ReachabilityTracker } from './reachabilityTracker.js';
import { requireHost } from './records.js';
import { resolveSshAlias } from './sshAliases.js';
import { swarmManagerNote } from './swarmManagerNote.js';
import type { Store } from './store.js';
import { parseSshTarget, validateHostName } from './validate.js';
import type { HostTestResult, HostView } from './views.js';
import { DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET, LXD_SOCKETS, rootlessPodmanSocket } from '../providers/common/engineSockets.js';

export type AddHostInput =
  | {
      readonly name: string;
      readonly local: true;
      readonly dockerSocket?: string;
      readonly provider?: 'docker' | 'swarm';
      readonly swarmOverlay?: 'encrypted' | 'plain';
    }
  | {
      readonly name: string;
      readonly local?: false;
      /** `user@host[:port]` or an ~/.ssh/config alias. */
      readonly ssh: string;
      readonly identityFile?: string;
      readonly provider?: ProviderKind;
      readonly dockerSocket?: string;
      readonly lxdSocket?: string;
      readonly podmanSocket?: string;
      /** `[user@]host[:port][,...]`, like OpenSSH's ProxyJump / ssh -J. */
      readonly proxyJump?: string;
      readonly swarmOverlay?: 'encrypted' | 'plain';
    };

export interface HostAdminOptions {
  readonly store: Store;
  readonly registry: HostRegistry;
  readonly reachability: ReachabilityTracker;
  readonly secrets: InstanceSecrets;
  /** The host's shared link and provider, followed for reachability. */
  readonly accessOf: (host: HostRecord) => HostAccess;
  readonly sshConfigPath?: string | undefined;
  /** The host list changed. */
  readonly hostsChanged: () => void;
  /** Something about this host's instances changed. */
  readonly instancesChanged: (host: string) => void;
}

/**
 * Adding, testing and removing hosts, and the host keys trusted through Code
 * Swarm (kept in the store). A host is probed before it is saved: one that
 * cannot be reached, authenticated or used is never written.
 */
export class HostAdmin {
  /** Keys accepted during a handshake, being written to the store. */
  private readonly pendingTrust: Promise<void>[] = [];

  constructor(private readonly opts: HostAdminOptions) {}

  async add(input: AddHostInput, options: { onUnknownHostKey?: (key: UnknownHostKey) => boolean } = {}): Promise<HostView> {
    const { store, registry } = this.opts;
    const name = validateHostName(input.name);
    if (await store.findHost(name)) {
      throw new SwarmError(`A host named ${name} already exists`, {
        code: 'conflict',
        hint: 'Pick another name, or remove the old host first',
      });
    }
    const record = await this.recordFor(name, input);
    if (input.swarmOverlay !== undefined) record.swarmOverlay = input.swarmOverlay;
    const link = registry.probe(record, options.onUnknownHostKey);
    try {
      const detected = input.provider === undefined;
      if (input.local !== true && detected) Object.assign(record, await detectProvider(link, record));
      const info = await registry.providerFor(link, record).engineInfo();
      const note = detected ? await swarmManagerNote(registry, link, record) : undefined;
      await Promise.all(this.pendingTrust.splice(0));
      await store.update((draft) => {
        if (draft.hosts.some((h) => h.name === name)) {
          throw new SwarmError(`A host named ${name} already exists`, { code: 'conflict' });
        }
        draft.hosts.push(record);
      });
      // A new host has no history: whatever a removed one of that name left goes, and the add is always news.
      this.opts.reachability.forget(name);
      this.opts.reachability.engineAnswered(name, { engineVersion: info.engineVersion, latencyMs: link.connectMs });
      const view = this.opts.reachability.viewOf(record, 0);
      return note === undefined ? view : { ...view, note };
    } finally {
      link.dispose();
    }
  }

  /**
   * A host not saved yet, on a throwaway link (dispose it), its provider
   * detected as add would: what the Add Host wizard's doctor checks before
   * saving. A host offering neither engine is taken as Docker, so the
   * doctor says what is missing instead of failing.
   */
  async probeNew(
    input: AddHostInput,
    options: { onUnknownHostKey?: (key: UnknownHostKey) => boolean } = {},
  ): Promise<{ record: HostRecord; link: HostLink }> {
    const record = await this.recordFor(validateHostName(input.name), input);
    const link = this.opts.registry.probe(record, options.onUnknownHostKey);
    if (input.local !== true && input.provider === undefined) {
      try {
        Object.assign(record, await detectProvider(link, record));
      } catch (e) {
        if (toSwarmError(e).code !== 'engine-missing') {
          link.dispose();
          throw e;
        }
      }
    }
    return { record, link };
  }

  /** Called by the registry when a handshake accepts a new key: written before the host that showed it is saved. */
  trustLater(key: UnknownHostKey): void {
    this.pendingTrust.push(this.trust(key));
  }

  /** Persists a host key the user accepted after a `host-key-unknown` error. */
  async trust(key: UnknownHostKey): Promise<void> {
    await this.opts.store.update((draft) => {
      const known = draft.knownHosts.some((k) => k.host === key.host && k.port === key.port && k.key === key.keyBlob.toString('base64'));
      if (!known) draft.knownHosts.push({ host: key.host, port: key.port, keyType: key.keyType, key: key.keyBlob.toString('base64') });
    });
  }

  /** The keys trusted through Code Swarm, in known_hosts form. */
  async knownHosts(): Promise<KnownHostEntry[]> {
    const file = await this.opts.store.read();
    return file.knownHosts.map((k) => ({
      hosts: [k.port === 22 ? k.host : `[${k.host}]:${k.port}`],
      keyType: k.keyType,
      key: k.key,
    }));
  }

  async test(name: string): Promise<HostTestResult> {
    const host = await requireHost(this.opts.store, name);
    const { provider } = this.opts.accessOf(host);
    const started = performance.now();
    try {
      const info = await provider.engineInfo();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      this.opts.reachability.engineAnswered(name, { engineVersion: info.engineVersion, latencyMs });
      return {
        name,
        ok: true,
        provider: host.provider,
        engineVersion: info.engineVersion,
        latencyMs,
        ...(info.nodes ? { nodes: info.nodes } : {}),
      };
    } catch (e) {
      const err = toSwarmError(e);
      this.opts.reachability.failed(name, err);
      return { name, ok: false, provider: host.provider, engineVersion: undefined, latencyMs: undefined, error: err.oneLine() };
    }
  }

  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    const host = await requireHost(this.opts.store, name);
    const forgotten = await this.opts.store.update((draft) => {
      const mine = draft.instances.filter((i) => i.host === name);
      if (mine.length > 0 && !options.force) {
        throw new SwarmError(`${name} still has ${mine.length} instance(s): ${mine.map((i) => i.name).join(', ')}`, {
          code: 'conflict',
          hint: 'Delete them first, or remove the host with --force (their containers keep running, unmanaged)',
        });
      }
      draft.hosts = draft.hosts.filter((h) => h.name !== name);
      draft.instances = draft.instances.filter((i) => i.host !== name);
      return mine;
    });
    for (const i of forgotten) await this.opts.secrets.forget(i.id);
    await this.releaseIdle(host);
    this.opts.reachability.forget(name);
    this.opts.registry.forget(name);
    this.opts.hostsChanged();
    this.opts.instancesChanged(name);
  }

  /**
   * What the host keeps ready for our next creates (a swarm host's idle
   * slots) goes with it, after any refill under way. Best effort: a host
   * that cannot be reached is removed all the same (its slots are labelled ours).
   */
  private async releaseIdle(host: HostRecord): Promise<void> {
    const provider = this.opts.accessOf(host).provider;
    if (!provider.releaseIdle) return;
    await this.opts.registry.settle(host.name);
    const { storeId } = await this.opts.store.read();
    await provider.releaseIdle(storeId).catch(() => undefined);
  }

  private async recordFor(name: string, input: AddHostInput): Promise<HostRecord> {
    const addedAt = new Date().toISOString();
    if (input.local === true) {
      return {
        name,
        kind: 'local',
        provider: input.provider ?? 'docker',
        address: 'local',
        addedAt,
        ...(input.dockerSocket ? { dockerSocket: input.dockerSocket } : {}),
      };
    }
    const alias =
      /^[A-Za-z0-9._-]+$/.test(input.ssh) && !input.ssh.includes('@')
        ? await resolveSshAlias(input.ssh, this.opts.sshConfigPath)
        : undefined;
    const rec: HostRecord = alias
      ? {
          name,
          kind: 'ssh',
          provider: input.provider ?? 'docker',
          address: `${alias.user ?? process.env.USER ?? 'root'}@${alias.hostName}:${alias.port}`,
          hostName: alias.hostName,
          port: alias.port,
          sshConfigAlias: input.ssh,
          addedAt,
          ...(alias.user ? { user: alias.user } : {}),
          ...(alias.identityFile ? { identityFile: alias.identityFile } : {}),
          ...(alias.proxyJump ? { proxyJump: alias.proxyJump } : {}),
        }
      : (() => {
          const t = parseSshTarget(input.ssh);
          const user = t.user ?? process.env.USER ?? 'root';
          return {
            name,
            kind: 'ssh' as const,
            provider: input.provider ?? ('docker' as const),
            address: `${user}@${t.host}:${t.port}`,
            hostName: t.host,
            port: t.port,
            user,
            addedAt,
          };
        })();
    if (input.identityFile) rec.identityFile = input.identityFile;
    if (input.proxyJump) {
      // Each hop must be a plain target: the value ends up in ssh2 options, never a shell.
      for (const hop of input.proxyJump.split(',')) parseSshTarget(hop.trim());
      rec.proxyJump = input.proxyJump;
    }
    if (input.dockerSocket) rec.dockerSocket = input.dockerSocket;
    if (input.lxdSocket) rec.lxdSocket = input.lxdSocket;
    if (input.podmanSocket) rec.podmanSocket = input.podmanSocket;
    return rec;
  }
}

/**
 * Which engine a new SSH host offers: Docker's socket first, then rootful
 * Podman's, then the SSH user's rootless Podman socket, then LXD's. In one
 * exec: the rootless path needs the user's uid, which the shell fills in.
 */
export async function detectProvider(link: HostLink, record: HostRecord): Promise<Pick<HostRecord, 'provider' | 'podmanSocket'>> {
  const docker = record.dockerSocket ?? DEFAULT_DOCKER_SOCKET;
  const podman = record.podmanSocket ? [record.podmanSocket] : [DEFAULT_PODMAN_SOCKET];
  const lxd = record.lxdSocket ? [record.lxdSocket] : [...LXD_SOCKETS];
  const rootless = record.podmanSocket ? [] : [rootlessPodmanSocket('$(id -u)')];
  const script = `for p in "$@" ${rootless.map((p) => `"${p}"`).join(' ')}; do if [ -S "$p" ]; then echo "$p"; fi; done`;
  const r = await link.exec(['sh', '-c', script, 'probe', docker, ...podman, ...lxd], { timeoutMs: 10_000 });
  const found = r.stdout.split('\n').filter(Boolean);
  if (found.includes(docker)) return { provider: 'docker' };
  const podmanFound = found.find((p) => podman.includes(p) || /^\/run\/user\/\d+\/podman\/podman\.sock$/.test(p));
  if (podmanFound) return { provider: 'podman', ...(podmanFound !== DEFAULT_PODMAN_SOCKET ? { podmanSocket: podmanFound } : {}) };
  if (found.length > 0) return { provider: 'lxd' };
  throw new SwarmError(`Neither Docker, Podman nor LXD was found on ${record.name}`, {
    code: 'engine-missing',
    hint: 'Install Docker, Podman (with its API socket enabled: systemctl enable --now podman.socket) or LXD there, then add the host again',
  });
}
