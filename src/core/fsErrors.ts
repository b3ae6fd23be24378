import { SwarmError } from '../shared/errors.js';

const WRITE_DENIED = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR']);

export function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

/**
 * Errors that mean "this folder cannot take our files". ENOTDIR comes from a
 * state path below a regular file, which is just as unwritable.
 */
export function isWriteDenied(e: unknown): boolean {
  const code = errnoCode(e);
  return code !== undefined && WRITE_DENIED.has(code);
}

export function readOnlyError(dir: string, cause: unknown): SwarmError {
  return new SwarmError(`Cannot write to the Code Swarm state folder ${dir} (${errnoCode(cause) ?? 'error'}).`, {
    code: 'store-readonly',
    hint: `Make ${dir} writable by this user, or point Code Swarm at another state folder (--state-dir).`,
    cause,
  });
}
