/** The costly disk reading (Docker sizes a writable layer by walking it) is asked once a minute per instance at most. */
export const DISK_READ_EVERY_MS = 60_000;

interface Reading {
  readonly bytes: number | undefined;
  readonly at: number;
}

/**
 * The last disk reading of each instance and when it was taken: the one
 * place that decides whether the engine is asked again. Owned by the
 * ResourceMonitor; it has no timer, the stats rounds ask it.
 */
export class DiskUsageCache {
  private readonly readings = new Map<string, Reading>();
  private readonly inFlight = new Map<string, Promise<number | undefined>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly everyMs = DISK_READ_EVERY_MS,
  ) {}

  /**
   * The instance's reading if it is fresh, else a new one from `ask`. A read
   * that fails counts as a reading of "unknown", so an engine that cannot
   * answer is not asked on every round either; overlapping asks share one call.
   */
  read(name: string, ask: () => Promise<number | undefined>): Promise<number | undefined> {
    const last = this.readings.get(name);
    if (last && this.now() - last.at < this.everyMs) return Promise.resolve(last.bytes);
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const reading = ask()
      .catch(() => undefined)
      .then((bytes) => {
        this.readings.set(name, { bytes, at: this.now() });
        return bytes;
      })
      .finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, reading);
    return reading;
  }

  /** Forgets the instances `keep` says no to (stopped, deleted, renamed). */
  prune(keep: (name: string) => boolean): void {
    for (const name of [...this.readings.keys()]) if (!keep(name)) this.readings.delete(name);
  }
}
