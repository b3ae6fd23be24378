import { CODE_SERVER_PORT, CODER_UID } from '../common/codeServer.js';
import type { InstanceSpec } from '../provider.js';
import type { FirstStartFile } from './lxdFirstStart.js';
import { LXD_CODE_SERVER_UNIT } from './lxdImageCheck.js';
import { CODE_SERVER_DROP_IN_DIR, ENV_DIR, ENV_FILE, environmentFiles } from './lxdOptions.js';

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

/** Drop-in of code-server's unit that hands the first start's files to their owners, then removes itself. */
const FIRST_START_DROP_IN = `${CODE_SERVER_DROP_IN_DIR}/code-swarm-first-start.conf`;

/**
 * Runs as root (the `+`) before code-server first starts: LXD writes template
 * files owned by root, mode 0644, and creates missing directories 0755. The
 * config holds the password hash, so it becomes coder's alone, as the env file
 * root's alone, before anything reads them (`u=rwX,go=`: 0700 for the
 * directories, 0600 for the files). Then the drop-in removes itself: later
 * starts keep whatever modes the user gives them. One command line, not one
 * ExecStartPre each: code-server's first start waits for them, and each
 * ExecStartPre is a process systemd sets up on its own (four of them took
 * 0.12-0.18 s on gamma, against 0.04 s for a start without them). No `$` or
 * `%` in it: systemd would expand them.
 */
export function firstStartDropIn(withEnv: boolean): string {
  const coder = `${CODER_UID}:${CODER_UID}`;
  const ownersOnly = [`${CONFIG_DIR}/code-server`, CONFIG_PATH, ...(withEnv ? [ENV_DIR, ENV_FILE] : [])];
  const script = [
    `/bin/chown ${coder} ${CONFIG_DIR} ${CONFIG_DIR}/code-server ${CONFIG_PATH}`,
    `/bin/chmod u=rwX,go= ${ownersOnly.join(' ')}`,
    `/bin/rm -f ${FIRST_START_DROP_IN}`,
  ].join(' && ');
  return ['[Service]', `ExecStartPre=+/bin/sh -c "${script}"`, ''].join('\n');
}

/**
 * What an instance needs before code-server first starts: its config, the
 * drop-in that secures it, the env, and a boot-time start of the unit
 * (code-server's own package installs it without enabling it; a Wants= of
 * multi-user.target is the same as `systemctl enable`, as a plain file).
 */
export function firstStartFiles(spec: Pick<InstanceSpec, 'hashedPassword' | 'cookieSuffix' | 'env'>): FirstStartFile[] {
  const env = environmentFiles(spec.env);
  return [
    { path: CONFIG_PATH, content: renderCodeServerConfig(spec.hashedPassword, spec.cookieSuffix) },
    ...env,
    { path: FIRST_START_DROP_IN, content: firstStartDropIn(env.length > 0) },
    { path: '/etc/systemd/system/multi-user.target.d/code-swarm.conf', content: `[Unit]\nWants=${LXD_CODE_SERVER_UNIT}.service\n` },
  ];
}
