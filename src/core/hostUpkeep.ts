import type { Provider } from '../providers/provider.js';
import type { HostRecord } from '../shared/model.js';

/**
 * How long a top-up waits for its instance to be seen healthy before it
 * starts anyway: an instance nobody waits for (the tree's create is probed
 * by the health rounds, but one that never boots must not hold it forever).
 */
export const UPKEEP_WAIT_MS = 60_000;

/** One top-up a create left owed: the host's provider makes what is missing of its ready slots, from this image. */
export interface UpkeepTask {
  readonly host: HostRecord;
  readonly storeId: string;
  readonly image: string;
}

export interface HostUpkeepOptions {
  readonly providerOf: (host: HostRecord) => Provider;
  /** Keeps in-process work until it ends (the host registry: its link closes only after it). */
  readonly keep: (host: string, work: Promise<void>) => void;
  /**
   * Runs a top-up in another process (the CLI's detached child), so a
   * short-lived process need not wait for it. Absent: it runs here.
   */
  readonly handOff?: (task: UpkeepTask) => void;
  readonly waitMs?: number;
}

/**
 * What a create owes its host afterwards (a swarm host's next ready slot).
 * It starts once the instance is seen healthy, so nothing the refill does
 * on the manager contends with code-server's boot (measured: the boot took
 * 1.8 s instead of ~1 s beside it); at once when the create failed; after
 * UPKEEP_WAIT_MS otherwise. Only for providers that keep something ready.
 */
export class HostUpkeep {
  private readonly owed = new Map<string, { task: UpkeepTask; timer: NodeJS.Timeout }>();

  constructor(private readonly opts: HostUpkeepOptions) {}

  /** The create of instance `id` succeeded: its host's top-up waits for it to be healthy. */
  owe(id: string, task: UpkeepTask): void {
    if (!this.opts.providerOf(task.host).topUp) return;
    this.release(id);
    const timer = setTimeout(() => this.release(id), this.opts.waitMs ?? UPKEEP_WAIT_MS);
    // A process that is otherwise done does not stay up for it (the CLI hands it off at dispose).
    timer.unref();
    this.owed.set(id, { task, timer });
  }

  /** Starts the top-up instance `id`'s create owed, if any (it is healthy, or gone). */
  release(id: string): void {
    const owed = this.owed.get(id);
    if (!owed) return;
    clearTimeout(owed.timer);
    this.owed.delete(id);
    this.start(owed.task);
  }

  /** A create failed: what it may have taken is made again now, nothing boots. */
  now(task: UpkeepTask): void {
    if (this.opts.providerOf(task.host).topUp) this.start(task);
  }

  /**
   * The process ends: a top-up still owed is handed off (the CLI's create
   * that did not wait for healthy); in a long-lived process it is dropped
   * (the next create's top-up makes it).
   */
  dispose(): void {
    const owed = [...this.owed.values()];
    this.owed.clear();
    for (const o of owed) clearTimeout(o.timer);
    if (this.opts.handOff) for (const o of owed) this.start(o.task);
  }

  private start(task: UpkeepTask): void {
    if (this.opts.handOff) return this.opts.handOff(task);
    const work = this.opts.providerOf(task.host).topUp?.(task.storeId, task.image);
    if (work) this.opts.keep(task.host.name, work);
  }
}
