import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { SwarmError } from '../shared/errors.js';
import { withFileLock } from './fileLock.js';
import { errnoCode, isWriteDenied, readOnlyError } from './fsErrors.js';
import { ensurePrivateDir } from './privateDir.js';
import type { SecretStore } from './secretStore.js';

// A Map, not an object: a key such as `__proto__` would otherwise vanish or touch the prototype.
type SecretMap = Map<string, string>;
const KEY = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
const KEY_MAX = 200;

/**
 * The CLI's secret store: a JSON map in `<dir>/secrets.json`, readable by its
 * owner only. Error messages name keys and paths but never a value, and never
 * a JSON parse error (V8 quotes the offending text, which may be a password).
 */
export class FileSecretStore implements SecretStore {
  readonly path: string;
  private readonly lockPath: string;

  private constructor(readonly dir: string) {
    this.path = join(dir, 'secrets.json');
    this.lockPath = join(dir, 'secrets.lock');
  }

  static async open(dir: string): Promise<FileSecretStore> {
    return new FileSecretStore(await ensurePrivateDir(dir));
  }

  async get(key: string): Promise<string | undefined> {
    checkKey(key);
    return (await this.load()).get(key);
  }

  async set(key: string, value: string): Promise<void> {
    checkKey(key);
    if (typeof value !== 'string') {
      throw new SwarmError(`The secret ${key} must be a string.`, { code: 'invalid-input' });
    }
    await this.mutate((map) => {
      map.set(key, value);
      return true;
    });
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.mutate((map) => map.delete(key));
  }

  private async mutate(change: (map: SecretMap) => boolean): Promise<void> {
    await withFileLock(this.lockPath, async () => {
      const map = await this.load();
      if (!change(map)) return;
      try {
        await writeFileAtomic(this.path, `${JSON.stringify(Object.fromEntries(map), null, 2)}\n`, 0o600);
        // A file created by an older version or by hand may be wider than 0600.
        await chmod(this.path, 0o600);
      } catch (e) {
        throw isWriteDenied(e) ? readOnlyError(this.dir, e) : e;
      }
    });
  }

  private async load(): Promise<SecretMap> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return new Map();
      throw new SwarmError(`Cannot read the secrets file ${this.path} (${errnoCode(e) ?? 'error'}).`, {
        code: errnoCode(e) === 'EACCES' ? 'permission-denied' : 'internal',
        hint: `Check the permissions of ${this.dir}.`,
      });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw corrupt(this.path);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt(this.path);
    const entries = Object.entries(raw);
    if (!entries.every((entry): entry is [string, string] => typeof entry[1] === 'string')) throw corrupt(this.path);
    return new Map(entries);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > KEY_MAX || !KEY.test(key)) {
    const shown = JSON.stringify(String(key)).slice(0, 60);
    throw new SwarmError(`Invalid secret key ${shown}.`, {
      code: 'invalid-input',
      hint: 'Secret keys are slash-separated segments of letters, digits, ".", "_" and "-", e.g. instance/<id>/password.',
    });
  }
}

function corrupt(path: string): SwarmError {
  // No cause attached: JSON.parse errors quote the file's content.
  return new SwarmError(`The secrets file ${path} is not a valid JSON map of strings.`, {
    code: 'store-corrupt',
    hint: `Move ${path} aside; the instances' passwords in it will have to be reset.`,
  });
}
