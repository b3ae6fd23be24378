import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errnoCode, isWriteDenied, readOnlyError } from './fsErrors.js';

/** Creates the state folder readable by its owner only; an existing folder keeps its mode. */
export async function ensurePrivateDir(dir: string): Promise<string> {
  const abs = resolve(dir);
  try {
    await mkdir(abs, { recursive: true, mode: 0o700 });
  } catch (e) {
    // EEXIST here means the path is a regular file.
    if (isWriteDenied(e) || errnoCode(e) === 'EEXIST') throw readOnlyError(abs, e);
    throw e;
  }
  return abs;
}
