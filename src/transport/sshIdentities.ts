import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, ParsedKey } from 'ssh2';
import { SwarmError } from '../shared/errors.js';
import { loadSsh2 } from './loadSsh2.js';

export interface LoadedKey {
  readonly path: string;
  readonly key: ParsedKey;
}

export async function loadIdentities(
  paths: readonly string[],
  askPassphrase: ((keyPath: string) => Promise<string | undefined>) | undefined,
): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const path of paths) {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (e) {
      throw new SwarmError(`Cannot read the identity file ${path}`, {
        code: 'auth',
        hint: 'Check the path and its permissions, or remove it from the host settings',
        cause: e,
      });
    }
    const { utils } = loadSsh2();
    let parsed = utils.parseKey(data);
    if (parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message)) {
      const passphrase = askPassphrase ? await askPassphrase(path) : undefined;
      if (passphrase === undefined) continue;
      parsed = utils.parseKey(data, passphrase);
      if (parsed instanceof Error) {
        throw new SwarmError(`Wrong passphrase for ${path}`, { code: 'auth', hint: 'Try again, or load the key into ssh-agent' });
      }
    }
    if (parsed instanceof Error) {
      throw new SwarmError(`${path} is not a private key ssh2 can read: ${parsed.message}`, {
        code: 'auth',
        hint: 'Use an OpenSSH or PEM private key file',
      });
    }
    for (const key of Array.isArray(parsed) ? parsed : [parsed]) keys.push({ path, key });
  }
  return keys;
}

/** ssh-agent first, then each identity file, like OpenSSH. */
export function authSequence(username: string, agent: string, keys: readonly LoadedKey[]) {
  const methods: AnyAuthMethod[] = [];
  if (agent) methods.push({ type: 'agent', username, agent });
  for (const { key } of keys) methods.push({ type: 'publickey', username, key });
  // ssh2 stops trying when handed `false`; its typings leave that value out.
  const noMore = false as unknown as AuthenticationType;
  let next = 0;
  const handler: AuthHandlerMiddleware = (_left, _partial, cb) => cb(methods[next++] ?? noMore);
  return handler;
}
