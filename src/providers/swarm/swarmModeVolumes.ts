import type { DockerEngine } from '../docker/dockerEngine.js';
import { LABEL } from '../common/labels.js';
import { firstLine } from '../common/providerErrors.js';
import { SwarmError } from '../../shared/errors.js';
import { instanceName } from '../common/instanceName.js';
import { TaskListSchema, type TaskRow } from './swarmModeState.js';

/** How long a purge waits for its clean-up jobs: a task container frees its volume a few seconds after its service is removed. */
const PURGE_DEADLINE_MS = 60_000;

/** The job's exit code when the volume could not be removed (anything else that ends it is success, see below). */
const PURGE_FAILED = 3;

/**
 * The clean-up job's program: asks its node's engine to remove the volume,
 * retrying while the removed service's container still holds it (409), then
 * removes its own container (force), since Swarm leaves a finished job's
 * container behind on the node even after the job service is removed. That
 * self-removal ends the task with exit 137. Plain node over the engine
 * socket: the instance's image has node, and no Docker CLI is needed.
 */
function purgeProgram(volume: string): string {
  return [
    "const http=require('http');const os=require('os');let n=0;",
    "const call=(method,path,done)=>{const r=http.request({socketPath:'/var/run/docker.sock',method,path},(res)=>{res.resume();done(res.statusCode);});",
    `r.on('error',(e)=>{process.stderr.write(e.message);process.exit(${PURGE_FAILED});});r.end();};`,
    "const selfRemove=()=>call('DELETE','/containers/'+os.hostname()+'?force=1',()=>process.exit(0));",
    `const go=()=>call('DELETE','/volumes/'+${JSON.stringify(encodeURIComponent(volume))},(code)=>{`,
    'if(code===204||code===404)return selfRemove();',
    `if(++n>45){process.stderr.write('volume still busy: '+code);process.exit(${PURGE_FAILED});}setTimeout(go,1000);});go();`,
  ].join('');
}

/**
 * Removes an instance's workspace volume from every node it was made on.
 * A manager's API reaches only its own engine's volumes, so each node runs
 * a one-shot job (a replicated-job service pinned to it) that removes the
 * volume through that node's engine socket, then the job is removed too.
 */
export async function purgeVolumes(
  engine: DockerEngine,
  opts: { name: string; image: string; volume: string; nodeIds: readonly string[] },
): Promise<void> {
  const jobs: string[] = [];
  try {
    for (const nodeId of opts.nodeIds) {
      const created = await engine.call('start the volume clean-up job', () =>
        engine.api.createService({
          Name: `${instanceName(opts.name)}-purge-${nodeId.slice(0, 12)}`,
          Labels: { [LABEL.name]: opts.name, 'code-swarm.purge': opts.volume },
          TaskTemplate: {
            ContainerSpec: {
              Image: opts.image,
              User: '0',
              Labels: { [LABEL.name]: opts.name, 'code-swarm.purge': opts.volume },
              Command: [
                '/bin/sh',
                '-c',
                'exec setpriv --no-new-privs -- "$(command -v node || echo /usr/lib/code-server/lib/node)" -e "$0"',
                purgeProgram(opts.volume),
              ],
              Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }],
              CapabilityDrop: ['ALL'],
            },
            RestartPolicy: { Condition: 'none' },
            Placement: { Constraints: [`node.id==${nodeId}`] },
          },
          Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
        }),
      );
      jobs.push((created as { id?: string; ID?: string }).id ?? (created as { ID?: string }).ID ?? '');
    }
    await waitForJobs(engine, jobs);
  } finally {
    for (const id of jobs)
      await engine.call('remove the clean-up job', () => engine.api.getService(id).remove(), undefined, [404]).catch(() => undefined);
  }
}

async function waitForJobs(engine: DockerEngine, jobs: readonly string[]): Promise<void> {
  const deadline = Date.now() + PURGE_DEADLINE_MS;
  const pending = new Set(jobs.filter((j) => j !== ''));
  while (pending.size > 0) {
    const raw = await engine.call('watch the volume clean-up', () => engine.api.listTasks({ filters: { service: [...pending] } }));
    for (const t of engine.checked(TaskListSchema, raw, 'task list')) {
      if (jobDone(t)) pending.delete(t.ServiceID);
      else if (['failed', 'rejected'].includes(t.Status.State)) {
        throw new SwarmError(`The workspace volume could not be removed from one node: ${firstLine(t.Status.Err ?? t.Status.State)}`, {
          code: 'internal',
          hint: 'Remove it by hand on that node: docker volume ls --filter label=code-swarm.name',
        });
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new SwarmError('The workspace volume was not removed within a minute', {
        code: 'timeout',
        hint: 'A node may be down; remove the volume there by hand once it is back (docker volume rm)',
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Done: exited 0, or killed by its own container's removal (137) after the volume went. */
function jobDone(t: TaskRow): boolean {
  if (t.Status.State === 'complete') return true;
  return t.Status.State === 'failed' && (t.Status.ContainerStatus?.ExitCode === 137 || /exit \(137\)/.test(t.Status.Err ?? ''));
}
