import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SecretScanner } from './secretScanner.js';
import { LEDGER, REVEALS, type LedgerEntry } from './suiteArtifacts.js';

/** A password found where it must not be. The password itself is never shown: the report is a log too. */
export interface Leak {
  readonly where: string;
  readonly form: string;
  /** Who made the password (ledger source) and its first characters, enough to find it by hand. */
  readonly password: string;
}

export interface AuditReport {
  readonly passwords: number;
  readonly files: number;
  readonly bytes: number;
  readonly texts: number;
  /** Files that vanished or could not be read while searching (sockets' neighbours, namespace mounts). */
  readonly unreadable: string[];
  readonly leaks: Leak[];
}

// A file bigger than this is not a log or a state file; reading it whole would only burn memory.
const MAX_FILE = 512 * 1024 * 1024;

/**
 * The files a FileSecretStore writes (src/core/fileSecretStore.ts and its
 * atomic write's temporary file): the only files allowed to hold a password.
 */
export function isSecretStoreFile(path: string): boolean {
  const name = basename(path);
  return name === 'secrets.json' || /^\.secrets\.json\.\d+\.[0-9a-f]+\.tmp$/.test(name);
}

/** Files under the suite root that hold passwords by design: the secret stores, the ledger, deliberate reveals. */
export function mayHoldPasswords(root: string, path: string): boolean {
  return isSecretStoreFile(path) || path === join(root, LEDGER) || path === join(root, REVEALS);
}

/** Every regular file under `dir` (symlinks are not followed), except those `skip` names. */
export function listFiles(dir: string, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 64) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // gone, or not a directory we may read
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && !skip(p)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir, 0);
  return out;
}

/** The suite's passwords: the ledger, and whatever the secret stores under the root still hold. */
export function collectPasswords(root: string): LedgerEntry[] {
  const seen = new Map<string, LedgerEntry>();
  const add = (entry: LedgerEntry) => {
    if (!seen.has(entry.password)) seen.set(entry.password, entry);
  };
  const ledger = join(root, LEDGER);
  if (existsSync(ledger)) {
    for (const line of readFileSync(ledger, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      add(JSON.parse(line) as LedgerEntry);
    }
  }
  for (const file of listFiles(root, (p) => basename(p) !== 'secrets.json')) {
    let map: unknown;
    try {
      map = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // a store a test broke on purpose
    }
    if (typeof map !== 'object' || map === null) continue;
    for (const [key, value] of Object.entries(map)) {
      if (/^instance\/[^/]+\/password$/.test(key) && typeof value === 'string') add({ source: `${file} ${key}`, password: value });
    }
  }
  return [...seen.values()];
}

/** Searches files and in-memory texts (error messages) for any of the passwords. */
export function auditSecrets(input: {
  passwords: readonly LedgerEntry[];
  files: readonly string[];
  texts?: ReadonlyArray<readonly [where: string, text: string]>;
}): AuditReport {
  const scanner = new SecretScanner(input.passwords.map((p) => p.password));
  const leaks: Leak[] = [];
  const unreadable: string[] = [];
  const note = (where: string, found: ReturnType<SecretScanner['scan']>) => {
    // One line per password and place: a log that repeats a password a thousand times is one leak.
    const shown = new Set<string>();
    for (const f of found) {
      const key = `${f.password}/${f.form}`;
      if (shown.has(key)) continue;
      shown.add(key);
      const p = input.passwords[f.password]!;
      leaks.push({ where: `${where} @${f.offset}`, form: f.form, password: `${p.password.slice(0, 3)}… from ${p.source}` });
    }
  };
  let files = 0;
  let bytes = 0;
  for (const file of input.files) {
    let data: Buffer;
    try {
      const st = lstatSync(file);
      if (!st.isFile()) continue;
      if (st.size > MAX_FILE) {
        unreadable.push(`${file} (${st.size} bytes: too big)`);
        continue;
      }
      data = readFileSync(file);
    } catch (e) {
      unreadable.push(`${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    files++;
    bytes += data.length;
    note(file, scanner.scan(data));
  }
  for (const [where, text] of input.texts ?? []) note(where, scanner.scan(text));
  return { passwords: input.passwords.length, files, bytes, texts: input.texts?.length ?? 0, unreadable, leaks };
}
