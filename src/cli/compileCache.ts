// V8's code cache for the CLI's bundle, for a Node without one of its own
// (before 22.1): parsing and compiling ~500 KB of JavaScript is ~30 ms of every
// command's start, and a command is one process. The cache lives in a
// directory only the user can write (~/.cache/code-swarm, mode 0700, checked),
// because V8 runs what it finds there; it is keyed by a hash of the bundle's
// text and Node's version, since V8's own check of a cache only compares
// lengths. Anything amiss (no home, a foreign directory, a rejected cache)
// means a plain compile: the cache only ever saves time.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The user's private cache directory for Code Swarm, or undefined where it cannot be trusted. */
export function privateCacheDir(): string | undefined {
  try {
    const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'code-swarm');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
    return st.isDirectory() && mine && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

type CommonJsBody = (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;

/** Runs a CommonJS file as require() would, compiled from (and, at exit, into) a V8 code cache in `cacheDir`. */
export function runWithCodeCache(file: string, cacheDir: string): void {
  const source = readFileSync(file, 'utf8');
  const key = createHash('sha256').update(`${process.version} ${process.arch}\0`).update(source).digest('hex').slice(0, 16);
  const cacheFile = join(cacheDir, `cliMain-${key}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, the functions the command compiled lazily are in the cache too.
    process.once('exit', () => saveCache(script, cacheDir, cacheFile));
  }
  const module = { exports: {} };
  (script.runInThisContext() as CommonJsBody)(module.exports, createRequire(file), module, file, dirname(file));
}

function saveCache(script: Script, cacheDir: string, cacheFile: string): void {
  try {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, cacheFile);
    // One cache per bundle: those of earlier builds go.
    for (const f of readdirSync(cacheDir)) {
      if (/^cliMain-[0-9a-f]{16}\.v8cache$/.test(f) && join(cacheDir, f) !== cacheFile) unlinkSync(join(cacheDir, f));
    }
  } catch {
    // A cache that cannot be written is a slower next start, nothing more.
  }
}
