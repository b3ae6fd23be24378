import type { EngineChange, EngineEvents } from '../providers/provider.js';

export interface EngineWatcherOptions {
  /** The hosts to watch, read again on every sync(). */
  readonly hosts: () => Promise<readonly string[]>;
  /** Opens a host engine's event stream; undefined when the engine has none. */
  readonly watch: (host: string, onChange: (change: EngineChange) => void) => Promise<EngineEvents | undefined>;
  /**
   * What to do about a host whose engine reported changes (a list, in
   * practice). Never runs twice at once for a host. Also called when a
   * broken stream is open again: what happened meanwhile was not reported.
   */
  readonly onChanged: (host: string) => Promise<void>;
  /** A stream that could not open or broke; it is retried. */
  readonly onError?: (host: string, error: unknown) => void;
  /** A stream is open: from here on, nothing the engine does is missed. */
  readonly onOpen?: (host: string) => void;
  /** Changes closer together than this are one (a stop is die, then stop). */
  readonly quietMs?: number;
  /** How long a burst of only settling changes (Docker's die) waits for the engine's follow-up. */
  readonly settleMs?: number;
  /** At least this long between two onChanged of a host, so a crash loop cannot keep us busy (two lists a second at most). */
  readonly minGapMs?: number;
  readonly retryFirstMs?: number;
  readonly retryMaxMs?: number;
}

const QUIET_MS = 200;
/**
 * Docker lists a container as running until its clean-up after `die` is
 * done, which the lab measured at up to ~300 ms before the `stop`; a crash
 * has no `stop` to wait for, so the list goes ahead after this long.
 */
const SETTLE_MS = 1_000;
const MIN_GAP_MS = 500;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** A stream that lived this long was not flapping: the next retry starts from the first delay. */
const STABLE_MS = 30_000;

/**
 * Keeps one engine event stream open per host and turns bursts of events
 * into one onChanged per host, so the tree follows what happens on the
 * engines (a container stopped by hand, a crash, a restart on a new port)
 * within a fraction of a second instead of at the next timed refresh. A
 * stream idles on the host's connection and costs nothing until an event.
 */
export class EngineWatcher {
  private readonly watches = new Map<string, HostWatch>();
  private disposed = false;

  constructor(private readonly opts: EngineWatcherOptions) {}

  /** Starts watching hosts not watched yet and stops watching hosts that are gone. */
  async sync(): Promise<void> {
    const hosts = new Set(await this.opts.hosts());
    if (this.disposed) return;
    for (const [name, w] of this.watches) {
      if (!hosts.has(name)) {
        w.stop();
        this.watches.delete(name);
      }
    }
    for (const name of hosts) {
      if (!this.watches.has(name)) this.watches.set(name, new HostWatch(name, this.opts));
    }
  }

  /** Whether the host's stream is open now. */
  isOpen(host: string): boolean {
    return this.watches.get(host)?.isOpen ?? false;
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }
}

class HostWatch {
  private stopped = false;
  private current: EngineEvents | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Changes that came during a run: undefined for none, else whether all of them were settling. */
  private during: boolean | undefined;
  /** Whether every change of the burst the timer waits for is settling. */
  private settlingOnly = false;
  private lastRun = -Infinity;

  constructor(
    private readonly host: string,
    private readonly opts: EngineWatcherOptions,
  ) {
    void this.loop();
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  stop(): void {
    this.stopped = true;
    this.current?.close();
    this.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    const first = this.opts.retryFirstMs ?? RETRY_FIRST_MS;
    const max = this.opts.retryMaxMs ?? RETRY_MAX_MS;
    let delay = first;
    let openedBefore = false;
    while (!this.stopped) {
      let openedAt: number | undefined;
      try {
        const events = await this.opts.watch(this.host, (c) => this.changed(c.settling === true));
        if (!events) return;
        if (this.stopped) return events.close();
        this.current = events;
        openedAt = Date.now();
        this.opts.onOpen?.(this.host);
        if (openedBefore) this.changed(false);
        openedBefore = true;
        await events.ended;
      } catch (e) {
        if (!this.stopped) this.opts.onError?.(this.host, e);
      }
      this.current = undefined;
      if (this.stopped) return;
      if (openedAt !== undefined && Date.now() - openedAt >= STABLE_MS) delay = first;
      await this.sleep(delay);
      delay = Math.min(delay * 2, max);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One change: the list waits for the burst to be quiet, or for a settling burst's follow-up. */
  private changed(settling: boolean): void {
    if (this.stopped) return;
    if (this.running) {
      this.during = (this.during ?? true) && settling;
      return;
    }
    if (this.timer) {
      // A follow-up (die, then stop) ends the wait for it: quiet time from here.
      if (this.settlingOnly && !settling) this.schedule(false);
      return;
    }
    this.schedule(settling);
  }

  private schedule(settlingOnly: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.settlingOnly = settlingOnly;
    const wait = settlingOnly ? (this.opts.settleMs ?? SETTLE_MS) : (this.opts.quietMs ?? QUIET_MS);
    const due = Math.max(wait, this.lastRun + (this.opts.minGapMs ?? MIN_GAP_MS) - Date.now());
    this.timer = setTimeout(() => void this.run(), due);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    this.running = true;
    this.during = undefined;
    this.lastRun = Date.now();
    try {
      await this.opts.onChanged(this.host);
    } catch (e) {
      this.opts.onError?.(this.host, e);
    } finally {
      this.running = false;
    }
    if (this.during !== undefined) this.changed(this.during);
  }
}
