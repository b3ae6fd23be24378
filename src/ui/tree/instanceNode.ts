import type { InstanceView } from '../../core/views.js';

/**
 * `when` clauses for menus on instance nodes; package.json uses exactly these
 * strings (after `view == codeSwarm.instances && `), checked by a unit test.
 * Context values come from instanceContextValue(): `instance:<state>`.
 */
export const INSTANCE_WHEN = {
  any: 'viewItem =~ /^instance:/',
  startable: 'viewItem =~ /^instance:(stopped|failed|created)$/',
  stoppable: 'viewItem =~ /^instance:(running|starting)$/',
  restartable: 'viewItem =~ /^instance:(running|starting|failed)$/',
  openable: 'viewItem == instance:running',
  /** Open starts a stopped instance first (one its idle timeout stopped, docs/IDLE.md). */
  wakeable: 'viewItem =~ /^instance:(running|stopped)$/',
  hasLogs: 'viewItem =~ /^instance:(starting|running|stopped|failed)$/',
  /** Snapshots need the instance's container: any state but `missing`. */
  snapshottable: 'viewItem =~ /^instance:(created|starting|running|stopped|failed)$/',
  /** An idle timeout is set on an instance that exists and is not in the middle of something. */
  idleSettable: 'viewItem =~ /^instance:(created|running|stopped)$/',
} as const;

/** An instance row; kept by instance id, its view replaced on every change. */
export class InstanceNode {
  readonly kind = 'instance';

  constructor(public view: InstanceView) {}

  get name(): string {
    return this.view.name;
  }

  get id(): string {
    return this.view.id;
  }
}
