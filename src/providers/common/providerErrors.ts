import { SwarmError } from '../../shared/errors.js';
import type { InstanceRef } from '../provider.js';

/** An engine's message, cut to what fits in one line of ours. */
export function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}

/** Long operations check for a cancel between their steps: an engine call cannot always be cut short safely. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SwarmError('Cancelled', { code: 'cancelled' });
}

/** The engine no longer knows the instance: `what` is its engine object ("its container"). */
export function goneError(ref: InstanceRef, host: string, what: string, cause: unknown): SwarmError {
  return new SwarmError(`${ref.name} no longer exists on ${host} (${what} was removed outside Code Swarm)`, {
    code: 'not-found',
    hint: 'Delete it from Code Swarm, or create it again',
    cause,
  });
}

/** A create whose engine object exists already: `what` names it ("A container named code-swarm-web"). */
export function nameTakenError(what: string, host: string, cause: unknown): SwarmError {
  return new SwarmError(`${what} already exists on ${host}`, {
    code: 'conflict',
    hint: 'Pick another name, or delete the old instance first',
    cause,
  });
}

/** The instance exists, the snapshot does not. */
export function noSnapshotError(ref: InstanceRef, host: string, snapshot: string, cause?: unknown): SwarmError {
  return new SwarmError(`${ref.name} has no snapshot named ${snapshot} on ${host}`, {
    code: 'not-found',
    hint: 'List its snapshots and pick one of them',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Any other failed engine call, in one line: "Docker on alpha could not start: …". */
export function engineCallError(engine: string, host: string, what: string, message: string, cause: unknown): SwarmError {
  return new SwarmError(`${engine} on ${host} could not ${what}: ${firstLine(message)}`, { code: 'internal', cause });
}
