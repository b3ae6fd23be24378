import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { SwarmError } from '../../shared/errors.js';
import { firstLine } from '../common/providerErrors.js';
import type { BuildSpec } from '../provider.js';

/** Files a context may hold before we refuse to send it: a context that large is usually a wrong --context. */
const MAX_ENTRIES = 200_000;

/**
 * The files of a build context that go to the engine, as paths relative to
 * it: what `.dockerignore` leaves in (Docker's own rules and matcher), plus
 * the Dockerfile and `.dockerignore` themselves, which Docker always sends.
 * Directories that are ignored as a whole are not walked. Symbolic links are
 * sent as links, never followed out of the context.
 */
export async function contextFiles(context: string, dockerfile: string): Promise<string[]> {
  let rules = '';
  try {
    rules = await readFile(join(context, '.dockerignore'), 'utf8');
  } catch {
    // No .dockerignore: everything goes.
  }
  const ig = dockerignore({ ignorecase: false }).add(rules);
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(context, full).split(sep).join(posix.sep);
      // A directory may be ignored while a file below it is re-included (`!dir/keep`): walk it unless no rule says `!`.
      if (ig.ignores(rel) && !(entry.isDirectory() && rules.includes('!'))) continue;
      if (entry.isDirectory()) await walk(full);
      else if (!ig.ignores(rel)) files.push(rel);
      if (files.length > MAX_ENTRIES) throw new Error(`more than ${MAX_ENTRIES} files`);
    }
  };
  await walk(context);
  const always = [dockerfile, '.dockerignore'].filter((f) => f === dockerfile || rules !== '');
  for (const f of always) if (!files.includes(f)) files.push(f);
  return files.sort();
}

/**
 * The context's files, or a one-line invalid-input error naming what could
 * not be read. The core calls it before any host is asked, so an unreadable
 * context never opens a connection; the build calls it again for its tar.
 */
export async function readBuildContext(build: BuildSpec): Promise<string[]> {
  try {
    return await contextFiles(build.context, build.dockerfile);
  } catch (e) {
    throw new SwarmError(`Could not read the build context ${build.context}: ${firstLine(e instanceof Error ? e.message : String(e))}`, {
      code: 'invalid-input',
      hint: 'Check --context (the folder the Dockerfile builds from) and its .dockerignore',
      cause: e,
    });
  }
}
