import { CODE_SERVER_PORT, CODER_UID } from '../common/codeServer.js';
import type { InstanceSpec } from '../provider.js';
import type { LxdClient } from './lxdClient.js';
import { fileHeaders, filesPath } from './lxdPaths.js';

const CONFIG_DIR = '/home/coder/.config';
const CONFIG_PATH = `${CONFIG_DIR}/code-server/config.yaml`;

/**
 * A YAML double-quoted scalar that any YAML parser reads back as exactly `value`:
 * everything outside printable ASCII is escaped, so neither a quote nor a line
 * break (nor U+2028) can end the value and start a key of its own.
 */
export function yamlQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

export function renderCodeServerConfig(hashedPassword: string, cookieSuffix: string): string {
  return [
    `bind-addr: 127.0.0.1:${CODE_SERVER_PORT}`,
    'auth: password',
    `hashed-password: ${yamlQuote(hashedPassword)}`,
    `cookie-suffix: ${yamlQuote(cookieSuffix)}`,
    'disable-telemetry: true',
    'disable-update-check: true',
    '',
  ].join('\n');
}

/** Writes code-server's config.yaml into the instance, readable by coder alone (it holds the password hash). */
export async function pushCodeServerConfig(api: LxdClient, name: string, spec: InstanceSpec): Promise<void> {
  await api.run('POST', filesPath(name, CONFIG_DIR), { headers: fileHeaders('directory', CODER_UID, 0o755) });
  await api.run('POST', filesPath(name, `${CONFIG_DIR}/code-server`), { headers: fileHeaders('directory', CODER_UID, 0o700) });
  await api.run('POST', filesPath(name, CONFIG_PATH), {
    rawBody: renderCodeServerConfig(spec.hashedPassword, spec.cookieSuffix),
    headers: fileHeaders('file', CODER_UID, 0o600),
  });
}
