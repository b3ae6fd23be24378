import { randomUUID } from 'node:crypto';
import { readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { SwarmError, toSwarmError } from '../shared/errors.js';
import { withFileLock } from './fileLock.js';
import { errnoCode, isWriteDenied, readOnlyError } from './fsErrors.js';
import { ensurePrivateDir } from './privateDir.js';
import {
  STORE_VERSION,
  StoreFileSchema,
  emptyStoreFile,
  findDuplicate,
  isNewerStoreFormat,
  migrateStoreFile,
  type HostRecord,
  type InstanceRecord,
  type StoreFile,
} from '../shared/model.js';

export interface StoreRecovery {
  /** Where the unreadable file was moved; kept for the user, never read again. */
  backupPath: string;
  reason: string;
}

type Inspection =
  | { kind: 'current'; file: StoreFile; text: string }
  | { kind: 'migrated'; file: StoreFile }
  | { kind: 'missing' }
  | { kind: 'corrupt'; reason: string; salvagedId: string | undefined };

const STORE_ID_FILE = 'store-id';

async function readStoreIdFile(path: string): Promise<string | undefined> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    return /^[0-9a-fA-F-]{36}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

const STORE_ID_IN_TEXT = /"storeId"\s*:\s*"([0-9a-fA-F-]{36})"/;

/**
 * The swarm's metadata: `<dir>/swarm.json`. A cache of what the hosts' labels
 * say, shared by the extension and the CLI, so every write is a locked
 * read-modify-write and a damaged file is moved aside rather than trusted.
 */
export class Store {
  readonly path: string;
  private readonly lockPath: string;
  private recovery: StoreRecovery | undefined;
  private idPersisted: boolean;
  /** The last text parsed and what it parsed to (frozen: every reader shares it). */
  private parsed: { readonly text: string; readonly file: StoreFile } | undefined;
  /** A read under way, which reads starting meanwhile join. */
  private reading: Promise<Inspection> | undefined;

  private constructor(
    readonly dir: string,
    // Reads of a missing file must agree on one id until the first write persists it.
    private readonly pendingStoreId: string,
    idFound: boolean,
  ) {
    this.path = join(dir, 'swarm.json');
    this.lockPath = join(dir, 'swarm.lock');
    this.idPersisted = idFound;
  }

  static async open(dir: string): Promise<Store> {
    const path = await ensurePrivateDir(dir);
    // The id also lives in its own file: containers are labelled with it, so a
    // deleted swarm.json is rebuilt as the same store and adopts its own containers.
    const saved = await readStoreIdFile(join(path, STORE_ID_FILE));
    return new Store(path, saved ?? randomUUID(), saved !== undefined);
  }

  /** Set when a damaged file was moved aside; the caller should rebuild from the hosts' labels. */
  get lastRecovery(): StoreRecovery | undefined {
    return this.recovery;
  }

  /**
   * The latest file. Unchanged text is not parsed again and reads that start
   * together share one read: a health round over 500 instances reads the
   * store once, not 500 times. The result is frozen; copy it to change it.
   */
  async read(): Promise<StoreFile> {
    this.reading ??= this.inspect().finally(() => {
      this.reading = undefined;
    });
    const found = await this.reading;
    switch (found.kind) {
      case 'current':
      case 'migrated':
        return found.file;
      case 'missing':
        return emptyStoreFile(this.pendingStoreId);
      case 'corrupt':
        return this.update((draft) => structuredClone(draft));
    }
  }

  /**
   * Runs `fn` on a private copy of the latest file and saves what it leaves,
   * all under a lock shared with other processes. Do not nest updates.
   */
  update<T>(fn: (draft: StoreFile) => T | Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, async () => {
      const { file, text } = await this.loadLocked();
      const draft = structuredClone(file);
      const result = await fn(draft);
      const json = serialize(checked(draft, file.storeId));
      if (json !== text) await this.write(json);
      return result;
    });
  }

  async hosts(): Promise<HostRecord[]> {
    return (await this.read()).hosts;
  }

  async instances(): Promise<InstanceRecord[]> {
    return (await this.read()).instances;
  }

  async findHost(name: string): Promise<HostRecord | undefined> {
    return (await this.hosts()).find((h) => h.name === name);
  }

  async findInstance(name: string): Promise<InstanceRecord | undefined> {
    return (await this.instances()).find((i) => i.name === name);
  }

  private async loadLocked(): Promise<{ file: StoreFile; text: string | undefined }> {
    // Never a shared read: one that began before the lock was taken may predate another process's write.
    const found = await this.inspect();
    switch (found.kind) {
      case 'current':
        return { file: found.file, text: found.text };
      case 'migrated':
        return { file: found.file, text: undefined };
      case 'missing':
        return { file: emptyStoreFile(this.pendingStoreId), text: undefined };
      case 'corrupt': {
        const backupPath = await this.moveAside();
        const file = emptyStoreFile(found.salvagedId ?? this.pendingStoreId);
        // Persist at once: if the caller's transaction fails, the salvaged id must not be lost with it.
        const text = serialize(file);
        await this.write(text);
        this.recovery = { backupPath, reason: found.reason };
        return { file, text };
      }
    }
  }

  private async inspect(): Promise<Inspection> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { kind: 'missing' };
      if (errnoCode(e) === 'EACCES' || errnoCode(e) === 'EPERM') {
        throw new SwarmError(`Cannot read ${this.path}.`, {
          code: 'permission-denied',
          hint: `Give this user read access to ${this.dir}.`,
          cause: e,
        });
      }
      throw e;
    }
    if (this.parsed?.text === text) return { kind: 'current', file: this.parsed.file, text };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      const detail = e instanceof Error ? e.message.slice(0, 120) : 'parse error';
      return { kind: 'corrupt', reason: `not valid JSON (${detail})`, salvagedId: salvageStoreId(text) };
    }
    let file: StoreFile;
    try {
      file = migrateStoreFile(raw);
    } catch (e) {
      // A newer release's file is fine, just not ours to rewrite.
      if (isNewerStoreFormat(raw)) throw e;
      return { kind: 'corrupt', reason: toSwarmError(e).message, salvagedId: salvageStoreId(text) };
    }
    const current = typeof raw === 'object' && raw !== null && 'version' in raw && raw.version === STORE_VERSION;
    if (current) {
      this.parsed = { text, file: deepFreeze(file) };
      return { kind: 'current', file, text };
    }
    return { kind: 'migrated', file: { ...file, storeId: this.pendingStoreId } };
  }

  private async moveAside(): Promise<string> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (let n = 0; ; n++) {
      const backupPath = `${this.path}.corrupt-${stamp}${n === 0 ? '' : `-${n}`}`;
      // rename() would silently replace an earlier backup; the lock makes this check race-free.
      if (await exists(backupPath)) continue;
      try {
        await rename(this.path, backupPath);
      } catch (e) {
        throw isWriteDenied(e) ? readOnlyError(this.dir, e) : e;
      }
      return backupPath;
    }
  }

  private async write(json: string): Promise<void> {
    try {
      await writeFileAtomic(this.path, json, 0o600);
      if (!this.idPersisted) {
        const id = salvageStoreId(json);
        if (id) await writeFileAtomic(join(this.dir, STORE_ID_FILE), `${id}\n`, 0o600);
        this.idPersisted = true;
      }
    } catch (e) {
      throw isWriteDenied(e) ? readOnlyError(this.dir, e) : e;
    }
  }
}

function checked(draft: StoreFile, storeId: string): StoreFile {
  const parsed = StoreFileSchema.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new SwarmError(`Refusing to save an invalid swarm store: ${issue?.message ?? 'invalid content'}${where}.`, {
      code: 'internal',
    });
  }
  if (parsed.data.storeId !== storeId) {
    throw new SwarmError('Refusing to change the store id: containers are labelled with it.', { code: 'internal' });
  }
  const duplicate = findDuplicate(parsed.data);
  if (duplicate) {
    throw new SwarmError(`Refusing to save the swarm store: ${duplicate}.`, { code: 'conflict', hint: 'Use a name that is not taken.' });
  }
  return parsed.data;
}

function serialize(file: StoreFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function salvageStoreId(text: string): string | undefined {
  const candidate = STORE_ID_IN_TEXT.exec(text)?.[1];
  return candidate !== undefined && StoreFileSchema.shape.storeId.safeParse(candidate).success ? candidate : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** Freezes a parsed store file so that no reader can change what the others share. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
