import type { DockerEngine } from '../docker/dockerEngine.js';
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
