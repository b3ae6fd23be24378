import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SwarmError } from '../shared/errors.js';
import { matchPatternList } from './hostPattern.js';

export interface KnownHostEntry {
  marker?: '@cert-authority' | '@revoked';
  /** Raw patterns, or a single hashed `|1|salt|hash` field. */
  hosts: string[];
  keyType: string;
  /** Base64 of the SSH wire-format public key. */
  key: string;
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown'; fingerprint: string; keyType: string }
  | { kind: 'changed'; fingerprint: string; knownFingerprints: string[]; keyType: string }
  | { kind: 'revoked'; fingerprint: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HASH_MAGIC = '|1|';

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const entry = parseLine(rawLine.trim());
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseLine(line: string): KnownHostEntry | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const fields = line.split(/\s+/);
  let marker: KnownHostEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    const m = fields.shift();
    if (m !== '@cert-authority' && m !== '@revoked') return undefined;
    marker = m;
  }
  const [hostField, keyType, key] = fields;
  if (!hostField || !keyType || !key || !BASE64.test(key)) return undefined;
  const hosts = hostField.startsWith(HASH_MAGIC) ? [hostField] : hostField.split(',');
  return marker ? { marker, hosts, keyType, key } : { hosts, keyType, key };
}

/** The name OpenSSH records and looks up: non-default ports live in the name. */
function lookupName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

export function hostMatches(entryHostField: string, host: string, port: number): boolean {
  const name = lookupName(host, port);
  if (entryHostField.startsWith(HASH_MAGIC)) return hashedMatches(entryHostField, name);
  return matchPatternList(name, entryHostField.split(','));
}

function hashedMatches(field: string, name: string): boolean {
  const [salt64, hash64, ...rest] = field.slice(HASH_MAGIC.length).split('|');
  if (!salt64 || !hash64 || rest.length > 0) return false;
  const expected = Buffer.from(hash64, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt64, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function fingerprintSha256(keyBase64: string): string {
  const digest = createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The key type is the first length-prefixed string of the wire-format blob. */
function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length >= 4) {
    const len = keyBlob.readUInt32BE(0);
    if (len > 0 && 4 + len <= keyBlob.length) return keyBlob.toString('latin1', 4, 4 + len);
  }
  throw new SwarmError('The server sent a malformed host key.', {
    code: 'invalid-input',
    hint: 'Check that the address points at an SSH server.',
  });
}

/**
 * OpenSSH's decision: revocation beats everything; a different key of a type the
 * host is already known by is a changed key; a key of a type never recorded for
 * the host is merely unknown. @cert-authority lines are ignored because we do
 * not verify host certificates.
 */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const keyType = keyTypeOf(keyBlob);
  const key = keyBlob.toString('base64');
  const fingerprint = fingerprintSha256(key);
  const forHost = entries.filter((e) => e.marker !== '@cert-authority' && hostMatches(e.hosts.join(','), host, port));
  const sameKey = (e: KnownHostEntry): boolean => Buffer.from(e.key, 'base64').equals(keyBlob);

  if (forHost.some((e) => e.marker === '@revoked' && sameKey(e))) return { kind: 'revoked', fingerprint };
  const plain = forHost.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.keyType === keyType && sameKey(e))) return { kind: 'match' };
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    const knownFingerprints = [...new Set(sameType.map((e) => fingerprintSha256(e.key)))];
    return { kind: 'changed', fingerprint, knownFingerprints, keyType };
  }
  return { kind: 'unknown', fingerprint, keyType };
}

export function formatKnownHostLine(host: string, port: number, keyBlob: Buffer, hashed = false): string {
  const name = lookupName(host, port);
  const hostField = hashed ? hashHostName(name) : name;
  return `${hostField} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

function hashHostName(name: string): string {
  // 20 bytes: the SHA-1 block-size salt ssh-keygen -H uses.
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name).digest();
  return `${HASH_MAGIC}${salt.toString('base64')}|${hash.toString('base64')}`;
}

export async function loadKnownHostsFiles(paths: string[]): Promise<KnownHostEntry[]> {
  const texts = await Promise.all(paths.map(readIfPresent));
  return texts.flatMap(parseKnownHosts);
}

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return '';
    throw new SwarmError(`Cannot read the known hosts file ${path}.`, {
      code: code === 'EACCES' || code === 'EPERM' ? 'permission-denied' : 'internal',
      hint: 'Check that the file is readable by you.',
      cause: err,
    });
  }
}

export async function appendKnownHost(path: string, line: string): Promise<void> {
  if (/[\r\n]/.test(line) || line.trim() === '') {
    throw new SwarmError('A known_hosts line must be a single non-empty line.', { code: 'invalid-input' });
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'a+', 0o600);
  try {
    // A file whose last line lacks a newline would otherwise swallow our entry.
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(`${prefix}${line}\n`);
  } finally {
    await handle.close();
  }
}
