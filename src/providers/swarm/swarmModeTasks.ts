import { throwIfAborted } from '../common/providerErrors.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import type { ObservedInstance } from '../provider.js';
import { TaskListSchema } from './swarmModeState.js';

/** A task's stop grace period (5 s, swarmModeSpec) and the node's report of it, with room to spare. */
const DOWN_WAIT_MS = 20_000;

/**
 * Scaling to 0 returns at once while the task's container still runs out its
 * grace period; a stop returns (like a Docker stop) once no task of the
 * service runs any more, or after DOWN_WAIT_MS (a node that is down never
 * reports, and its task is not running anywhere we can reach).
 */
export async function untilTasksDown(engine: DockerEngine, service: string): Promise<void> {
  const deadline = Date.now() + DOWN_WAIT_MS;
  for (;;) {
    const raw = await engine.call('list its tasks', () => engine.api.listTasks({ filters: { service: [service] } }));
    const tasks = engine.checked(TaskListSchema, raw, 'task list');
    if (!tasks.some((t) => t.Status.State === 'running' || t.Status.State === 'starting') || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** How long a create waits for its task to run (a cold image start on a busy node takes seconds). */
const CREATE_SETTLE_MS = 60_000;
/**
 * How long a pending task's reason must last before a create returns with it:
 * pinning a new instance replaces its first task, whose reservation holds
 * until it has stopped (grace 5 s), so for a moment a node looks full to the
 * creates beside it. A task that truly cannot be placed still says why within
 * seconds, and a refresh shows the reason at once either way.
 */
const REASON_SETTLE_MS = 6_000;

/**
 * Like a Docker create, which returns once the container runs: waits until
 * Swarm has the task running, or says why it cannot.
 */
export async function settled(observe: () => Promise<ObservedInstance>, signal: AbortSignal | undefined): Promise<ObservedInstance> {
  const deadline = Date.now() + CREATE_SETTLE_MS;
  let reasonSince: number | undefined;
  for (;;) {
    const o = await observe();
    const now = Date.now();
    reasonSince = o.error === undefined ? undefined : (reasonSince ?? now);
    if (o.state !== 'starting' || now > deadline) return o;
    if (reasonSince !== undefined && now - reasonSince >= REASON_SETTLE_MS) return o;
    throwIfAborted(signal);
    await new Promise((r) => setTimeout(r, 250));
  }
}
