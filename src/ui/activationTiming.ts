/** Activation figures, in ms since activate() was entered (performance.now() clock). */
export interface ActivationTimes {
  /** activate() entry as wall-clock epoch ms, so a browser-side observer can line up with it. */
  readonly startedAtEpochMs: number;
  /** activate() returned its API: services built, commands and the tree registered. */
  readonly activateMs: number;
  /** The tree answered VS Code's first request for its root after the store was read. */
  readonly firstRenderMs: number;
  /** Hosts in that first answer (the store's hosts; nothing has asked a host yet). */
  readonly hosts: number;
  /** Steps on the way (first time each was reached), for the breakdown in docs/PERFORMANCE.md. */
  readonly marks: Readonly<Record<string, number>>;
}

/**
 * Measures the extension's own share of start-up: from activate() entry to
 * the tree's first answer with the store's hosts (docs/PERFORMANCE.md,
 * bench/activation.ts). Writes one line to the log when that happens and
 * hands the figures to the API, so a benchmark can read them. The first
 * answer only comes once the view is visible: VS Code asks a hidden tree
 * nothing. Wall-clock: time the extension host spends on other extensions
 * between our awaits counts too.
 */
export class ActivationTiming {
  private activateMs: number | undefined;
  private done = false;
  private readonly marks: Record<string, number> = {};
  private resolveRender: (times: ActivationTimes) => void = () => undefined;
  /** Settles at the first render; never, if the view is never shown. */
  readonly firstRender: Promise<ActivationTimes>;

  constructor(
    private readonly log: (line: string) => void,
    private readonly startedAt: number = performance.now(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.firstRender = new Promise((resolve) => (this.resolveRender = resolve));
  }

  /** Records when a step was first reached. */
  mark(step: string): void {
    this.marks[step] ??= this.now() - this.startedAt;
  }

  /** Called as activate() returns. */
  activated(): void {
    this.activateMs ??= this.now() - this.startedAt;
    this.log(`activate() returned after ${this.activateMs.toFixed(1)} ms`);
  }

  /** Called by the tree on each root request once the store was read; only the first counts. */
  rendered(hosts: number): void {
    if (this.activateMs === undefined || this.done) return;
    this.done = true;
    const firstRenderMs = this.now() - this.startedAt;
    const steps = Object.entries(this.marks)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
    this.log(
      `activation: tree's first render with ${hosts} host(s) ${firstRenderMs.toFixed(1)} ms after activate() entry (activate() returned ${this.activateMs.toFixed(1)}; ${steps})`,
    );
    this.resolveRender({
      startedAtEpochMs: performance.timeOrigin + this.startedAt,
      activateMs: this.activateMs,
      firstRenderMs,
      hosts,
      marks: { ...this.marks },
    });
  }
}
