import { BuildFailedError } from '../providers/common/buildFailedError.js';
import type { InstanceRef, ProgressSink, Provider } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';
import { CONTAINER_WORKSPACE, type DevcontainerPlan } from './devcontainerFile.js';

/** How much of the output a failure keeps on its record, like a failed build's log tail. */
const TAIL_LINES = 30;
/** What the copy in the instance keeps: the end, within one argv value's room (128 KiB on Linux). */
const COPY_MAX = 96 * 1024;
/** Where the copy goes, under the user's home (not the project: nothing of ours in the user's repository). */
const LOG_FILE = '.code-swarm/postCreateCommand.log';

export interface PostCreateRun {
  readonly commands: readonly (readonly string[])[];
  /** remoteUser/containerUser; absent: the instance's own user (the one code-server runs as). */
  readonly user?: string;
  readonly onProgress?: (message: string) => void;
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** A postCreateCommand needs an engine that can run a command in the instance: said before anything is made. */
export function requireExec(dc: DevcontainerPlan, provider: Provider, host: HostRecord): void {
  if (dc.postCreateCommands.length === 0 || provider.execIn) return;
  throw new SwarmError(`${host.name} is a ${host.provider} host, which cannot run the devcontainer's postCreateCommand`, {
    code: 'invalid-input',
    hint: 'Create it on a Docker or Podman host',
  });
}

/**
 * The devcontainer's postCreateCommand in a create: if it fails, the
 * instance goes (its workspace volume too, and a built image's tag, as for a
 * failed build) and the error goes on, for the create to keep a failed record.
 */
export async function postCreateOrUndo(
  provider: Provider,
  ref: InstanceRef,
  dc: DevcontainerPlan,
  options: { onProgress?: ProgressSink; onLog?: (line: string) => void; signal?: AbortSignal },
): Promise<void> {
  try {
    await runPostCreate(provider, ref, {
      commands: dc.postCreateCommands,
      ...(dc.user !== undefined ? { user: dc.user } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    await provider.remove(ref, { purge: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Runs a devcontainer's postCreateCommand once, in the new instance's
 * workspace, as its remote user: each line goes to the create's log as it
 * comes, and the whole output to ~/.code-swarm/postCreateCommand.log in the
 * instance. A command that fails (or cannot start) throws with the output's
 * tail; the caller takes the instance away and keeps a failed record.
 */
export async function runPostCreate(provider: Provider, ref: InstanceRef, run: PostCreateRun): Promise<void> {
  if (run.commands.length === 0) return;
  if (!provider.execIn) {
    throw new SwarmError(`A ${provider.kind} host cannot run a devcontainer's postCreateCommand`, {
      code: 'invalid-input',
      hint: 'Create it on a Docker or Podman host',
    });
  }
  const lines: string[] = [];
  const onOutput = (line: string) => {
    lines.push(line);
    run.onLog?.(line);
  };
  const options = {
    ...(run.user !== undefined ? { user: run.user } : {}),
    workingDir: CONTAINER_WORKSPACE,
    onOutput,
    ...(run.signal ? { signal: run.signal } : {}),
  };
  try {
    for (const argv of run.commands) {
      run.onProgress?.(`Running postCreateCommand: ${shown(argv)}`);
      const { exitCode } = await provider.execIn(ref, argv, options);
      if (exitCode !== 0) {
        throw new BuildFailedError(
          `postCreateCommand ${shown(argv)} failed with exit code ${exitCode}${lastLine(lines)}`,
          lines.slice(-TAIL_LINES).join('\n'),
          undefined,
          'Fix the command in the devcontainer.json (the output’s tail is in the instance record), then create it again',
        );
      }
    }
  } catch (e) {
    if (e instanceof BuildFailedError || (e instanceof SwarmError && e.code === 'cancelled')) throw e;
    // It never ran (no such user, no /bin/sh in the image): as much a failure of the create.
    const why = e instanceof SwarmError ? e.message : String(e);
    throw new BuildFailedError(`postCreateCommand could not run: ${why}`, lines.slice(-TAIL_LINES).join('\n'), e);
  }
  await keepCopy(provider, ref, run.user, lines);
}

/** Best effort: a home the user cannot write to leaves the copy out, not the instance. */
async function keepCopy(provider: Provider, ref: InstanceRef, user: string | undefined, lines: readonly string[]): Promise<void> {
  const text = lines.join('\n').slice(-COPY_MAX);
  const script = 'mkdir -p "$HOME/.code-swarm" && printf "%s\\n" "$1" > "$HOME/$2"';
  await provider.execIn?.(ref, ['/bin/sh', '-c', script, 'sh', text, LOG_FILE], user !== undefined ? { user } : {}).catch(() => undefined);
}

function shown(argv: readonly string[]): string {
  const text = argv[0] === '/bin/sh' && argv[1] === '-c' && argv.length === 3 ? argv[2]! : argv.join(' ');
  const one = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 60 ? `${one.slice(0, 59)}…` : one);
}

function lastLine(lines: readonly string[]): string {
  const last = [...lines].reverse().find((l) => l.trim() !== '');
  return last === undefined ? '' : `: ${last.trim().slice(0, 200)}`;
}
