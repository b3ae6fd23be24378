import type { SwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import { TypedEmitter } from '../shared/typedEmitter.js';
import type { HostLink } from '../transport/hostLink.js';
import type { HostReachability, HostView } from './views.js';

/** What the host's engine said about itself the last time it was asked (add, test). */
interface EngineDetails {
  readonly engineVersion: string | undefined;
  readonly latencyMs: number | undefined;
}

/**
 * A host's status. `down` says what it is about: the SSH link, or the engine
 * behind a link that works. A health probe or a reconnect proves the link
 * only, so it must not clear an engine's error: the host would flip up and
 * down every round.
 */
export type HostStatus =
  | (EngineDetails & { readonly reachability: 'up' })
  | (EngineDetails & { readonly reachability: 'down'; readonly downBy: 'link' | 'engine'; readonly error: string | undefined });

/** Errors that say the link itself failed; any other failure of a working link is the engine's. */
const LINK_FAILURES: ReadonlySet<string> = new Set(['unreachable', 'auth', 'host-key-unknown', 'host-key-changed']);

const NO_DETAILS: EngineDetails = { engineVersion: undefined, latencyMs: undefined };

interface ReachabilityEvents {
  /** A host's reachability or engine version changed. */
  hosts: [];
  /** A known host went down or came back: its instances' health changes with it. */
  instances: [host: string];
}

/**
 * Whether each host can be reached, from what every request, probe and link
 * says about it. The only writer of the hosts' status: each method is one
 * thing that can happen to a host, and decides the next status from the last.
 */
export class ReachabilityTracker extends TypedEmitter<ReachabilityEvents> {
  private readonly status = new Map<string, HostStatus>();
  /** Unsubscribes from each followed host link's state changes. */
  private readonly links = new Map<string, () => void>();

  get(host: string): HostStatus | undefined {
    return this.status.get(host);
  }

  reachability(host: string): HostReachability {
    return this.status.get(host)?.reachability ?? 'unknown';
  }

  isDown(host: string): boolean {
    return this.status.get(host)?.reachability === 'down';
  }

  /** The engine answered a question about itself (a host added or tested): up, with what it said. */
  engineAnswered(host: string, details: EngineDetails): void {
    this.set(host, { reachability: 'up', engineVersion: details.engineVersion, latencyMs: details.latencyMs });
  }

  /** A list went through: link and engine both work; what the engine said last still holds. */
  listed(host: string): void {
    this.set(host, { ...this.details(host), reachability: 'up' });
  }

  /** A request to the host failed: down, by the link or by its engine, as the error says. */
  failed(host: string, e: SwarmError): void {
    this.set(host, { ...NO_DETAILS, reachability: 'down', downBy: LINK_FAILURES.has(e.code) ? 'link' : 'engine', error: e.oneLine() });
  }

  /** A health probe got no answer from the host at all. */
  probeUnanswered(host: string, detail: string | undefined): void {
    this.linkDown(host, detail);
  }

  /** The host answered a probe: a link that was down is back. An engine that was down waits for the next list to say so. */
  probeAnswered(host: string): void {
    const s = this.status.get(host);
    if (s?.reachability === 'down' && s.downBy === 'link') this.set(host, { ...this.details(host), reachability: 'up' });
  }

  /** Follows the host link's own state (dropped, reconnected) from now on; once per host. */
  follow(host: HostRecord, link: HostLink): void {
    if (this.links.has(host.name)) return;
    const off = link.onStateChange((state, reason) => {
      if (state === 'down') this.linkDown(host.name, reason?.message);
      else this.linkUp(host.name);
    });
    this.links.set(host.name, off);
  }

  /** A removed host: no status, no more link changes. Raises nothing (the remover says what changed). */
  forget(host: string): void {
    this.links.get(host)?.();
    this.links.delete(host);
    this.status.delete(host);
  }

  /** The host's view: its record, its status and how many instances it has. */
  viewOf(h: HostRecord, instanceCount: number): HostView {
    const s = this.status.get(h.name);
    return {
      name: h.name,
      kind: h.kind,
      provider: h.provider,
      address: h.address,
      reachability: s?.reachability ?? 'unknown',
      engineVersion: s?.engineVersion,
      latencyMs: s?.latencyMs,
      error: s?.reachability === 'down' ? s.error : undefined,
      instanceCount,
    };
  }

  dispose(): void {
    for (const off of this.links.values()) off();
    this.links.clear();
    this.removeAllListeners();
  }

  private linkDown(host: string, error: string | undefined): void {
    this.set(host, { ...this.details(host), reachability: 'down', downBy: 'link', error });
  }

  /** A reconnected link says nothing of an engine that was down behind it. */
  private linkUp(host: string): void {
    const s = this.status.get(host);
    if (s?.reachability === 'down' && s.downBy === 'engine') return;
    this.set(host, { ...this.details(host), reachability: 'up' });
  }

  private details(host: string): EngineDetails {
    const s = this.status.get(host);
    return s ? { engineVersion: s.engineVersion, latencyMs: s.latencyMs } : NO_DETAILS;
  }

  private set(host: string, next: HostStatus): void {
    const prev = this.status.get(host);
    this.status.set(host, next);
    if (prev?.reachability !== next.reachability || prev?.engineVersion !== next.engineVersion) this.emit('hosts');
    // Instances of a host that went down or came back change health with it.
    if (prev !== undefined && prev.reachability !== next.reachability) this.emit('instances', host);
  }
}
