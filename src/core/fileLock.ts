import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SwarmError } from '../shared/errors.js';
import { errnoCode, isWriteDenied, readOnlyError } from './fsErrors.js';

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs?: number;
  /** A lock older than this is assumed abandoned even if its pid looks alive (pids get reused). */
  staleMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_MS = 30_000;

/** In-process queues, so callers of one process take turns instead of all polling the lock file. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `fn` while holding an exclusive lock shared by every process that uses
 * the same `lockPath` (the CLI and the extension both write one store).
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  // No AsyncLocalStorage guard against nesting here: it turns on promise
  // hooks for the whole extension host, which cost every promise ~15% more
  // (measured on health rounds). A nested use waits for its own turn and so
  // times out, like a lock held too long by another process.
  const key = resolve(lockPath);
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    await turn(previous, deadline, key);
    const token = await acquire(key, { ...opts, timeoutMs: Math.max(0, deadline - Date.now()) });
    try {
      return await fn();
    } finally {
      await release(key, token);
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

/** Waits for this process's previous holder, but not past the deadline. */
async function turn(previous: Promise<void>, deadline: number, key: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      previous,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(lockTimeout(key)), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function lockTimeout(lockPath: string): SwarmError {
  return new SwarmError(`Timed out waiting for the lock ${lockPath}.`, {
    code: 'timeout',
    hint: 'Another Code Swarm process is writing the same state (or a store transaction was started inside another); if none is running, delete the lock file.',
  });
}

async function acquire(lockPath: string, opts: FileLockOptions): Promise<string> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const token = randomBytes(8).toString('hex');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n${Date.now()}\n${token}\n`);
      } catch (e) {
        // An empty lock would block everyone until it counts as stale.
        await unlink(lockPath).catch(() => undefined);
        throw e;
      } finally {
        await handle.close();
      }
      return token;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw isWriteDenied(e) ? readOnlyError(dirname(lockPath), e) : e;
    }
    if (await breakIfStale(lockPath, staleMs)) continue;
    if (Date.now() >= deadline) {
      throw lockTimeout(lockPath);
    }
    // Jitter keeps several waiting processes from retrying in lockstep.
    const base = Math.min(50, 2 ** Math.min(attempt, 6));
    await new Promise((r) => setTimeout(r, base * (0.5 + Math.random())));
  }
}

interface LockInfo {
  pid: number;
  createdAt: number;
  token: string;
}

async function readLock(lockPath: string): Promise<{ info: LockInfo | undefined; ino: number; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    const [pid, createdAt, token] = text.split('\n');
    const info = pid && createdAt && token ? { pid: Number(pid), createdAt: Number(createdAt), token } : undefined;
    return { info, ino: st.ino, mtimeMs: st.mtimeMs };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  const lock = await readLock(lockPath);
  if (!lock) return true;
  // A lock file with no content yet is being written by its owner right now, unless it is old.
  const createdAt = lock.info && Number.isFinite(lock.info.createdAt) ? lock.info.createdAt : lock.mtimeMs;
  const age = Date.now() - createdAt;
  const dead = lock.info !== undefined && !isAlive(lock.info.pid);
  if (!dead && !(age > staleMs)) return false;
  // Move the lock aside before deleting, then check it is still the one we judged:
  // unlinking by name could delete a fresh lock another process just created.
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return true;
    throw e;
  }
  const moved = await stat(aside);
  if (moved.ino !== lock.ino) {
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM means the process exists but belongs to someone else.
    return errnoCode(e) !== 'ESRCH';
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const lock = await readLock(lockPath).catch(() => undefined);
  // Only our own lock: if it was broken as stale, someone else may hold the path now.
  if (lock?.info?.token === token) await unlink(lockPath).catch(() => undefined);
}
