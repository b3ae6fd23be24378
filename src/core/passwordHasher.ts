import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { argon2idEncoded, type HashReply } from './argon2.js';

/** Idle threads end after this long, so a quiet extension host holds none. */
const IDLE_MS = 10_000;

interface Thread {
  readonly worker: Worker;
  /** Requests sent to this thread and not answered yet. */
  readonly waiting: Map<number, { resolve(hash: string): void; reject(e: Error): void }>;
}

/**
 * argon2id hashing on worker threads (at most two): a create no longer stalls
 * the event loop for ~80 ms, and creates started together hash in parallel.
 * Where the worker script is missing (a bundle built without it), hashing
 * falls back to this thread rather than failing. With no script (null) it
 * hashes on this thread by choice: for a process with nothing else to run
 * meanwhile, starting a thread only adds its start-up (~60 ms).
 */
export class PasswordHasher {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly script: string | null = join(__dirname, 'passwordWorker.js'),
    private readonly size = Math.min(2, availableParallelism()),
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const thread = this.thread();
    if (!thread) return argon2idEncoded(password, salt);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const id = this.nextId++;
    try {
      return await new Promise<string>((resolve, reject) => {
        thread.waiting.set(id, { resolve, reject });
        // A hash under way keeps the process alive (nothing else may be waiting on the loop); see settle().
        thread.worker.ref();
        thread.worker.postMessage({ id, password, salt });
      });
    } finally {
      if (this.threads.every((t) => t.waiting.size === 0)) this.scheduleIdleEnd();
    }
  }

  /** Hashing threads running now (they end after IDLE_MS without work). */
  get threadCount(): number {
    return this.threads.length;
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    for (const t of this.threads.splice(0)) {
      for (const w of t.waiting.values()) w.reject(new Error('the password hasher was disposed'));
      void t.worker.terminate();
    }
  }

  /** An idle thread, else a new one while fewer than `size` run, else the least busy; undefined without a worker script (or with null). */
  private thread(): Thread | undefined {
    const idle = this.threads.find((t) => t.waiting.size === 0);
    if (idle) return idle;
    if (this.script !== null && this.threads.length < this.size && existsSync(this.script)) return this.start(this.script);
    return this.threads.reduce<Thread | undefined>((a, t) => (!a || t.waiting.size < a.waiting.size ? t : a), undefined);
  }

  private start(script: string): Thread {
    const worker = new Worker(script);
    worker.unref();
    const thread: Thread = { worker, waiting: new Map() };
    worker.on('message', (reply: HashReply) => {
      const w = thread.waiting.get(reply.id);
      if (!w) return;
      thread.waiting.delete(reply.id);
      settle(thread);
      if ('hash' in reply) w.resolve(reply.hash);
      else w.reject(new Error(`Hashing the password failed: ${reply.error}`));
    });
    // A thread that dies takes its requests with it: they fail, and the next hash starts another.
    const fail = (e: Error) => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      for (const w of thread.waiting.values()) w.reject(e);
      thread.waiting.clear();
      settle(thread);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the password hashing thread ended')));
    this.threads.push(thread);
    return thread;
  }

  private scheduleIdleEnd(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.threads.some((t) => t.waiting.size > 0)) return;
      for (const t of this.threads.splice(0)) void t.worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

/**
 * An idle thread must never be what keeps a process alive: a CLI that printed
 * its answer would linger until the idle timer ends the thread. The unref()
 * right after `new Worker` does not hold on Node 20 (the thread's port is
 * referenced again once it starts), so each time a thread runs out of work it
 * is unref'd again here.
 */
function settle(thread: Thread): void {
  if (thread.waiting.size === 0) thread.worker.unref();
}
