import { posix } from 'node:path';
import { SwarmError } from '../shared/errors.js';
import type { GpuRequest, HostRecord, MountSpec } from '../shared/model.js';
import { CODE_SERVER_MOUNT } from '../providers/common/codeServer.js';

/** POSIX's portable environment name: what every shell and `env` can set and read. */
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/**
 * Names that would let an option undo the instance's login: code-server reads
 * its password from these, and CODE_SERVER_CONFIG could point it at a config
 * with `auth: none`. CODE_SWARM_ is kept for our own use.
 */
const RESERVED_ENV = /^(PASSWORD|HASHED_PASSWORD|CODE_SERVER_.*|CODE_SWARM_.*)$/i;
/** A label key Docker, Podman, Swarm and LXD (`user.` keys) all take as it is. */
const TAG_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** Our own labels live under this prefix; a tag may not pose as one of them. */
const RESERVED_TAG_PREFIX = 'code-swarm';
/** Docker's rule for a volume name. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** Our workspace volumes: a mount of another instance's would hand its workspace over. */
const OWN_VOLUME_PREFIX = 'code-swarm-';
/** C0 controls (NUL, newline...), DEL and the Unicode line breaks: nothing a one-line value holds. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]/;

export const MAX_ENV = 64;
export const MAX_ENV_VALUE = 8 * 1024;
export const MAX_ENV_TOTAL = 64 * 1024;
export const MAX_TAGS = 32;
export const MAX_TAG_VALUE = 256;
export const MAX_MOUNTS = 16;
export const MAX_PATH = 1024;
export const MAX_GPUS = 64;

/**
 * Where code-server and the instance's own things live. A mount on, above or
 * below one of them would hide the workspace volume, code-server, its
 * config (which holds the password hash on LXD) or the system's own trees.
 */
export const RESERVED_TARGETS = [
  '/home/coder/project',
  '/home/coder/.config/code-server',
  '/home/coder/.local/share/code-server',
  '/usr/lib/code-server',
  '/usr/bin/code-server',
  '/opt/node',
  // Where code-server is brought into an image that has none (docs/ANY-IMAGE.md).
  CODE_SERVER_MOUNT,
  '/run/secrets',
  '/proc',
  '/sys',
  '/dev',
] as const;

/** What a create asks for beyond image and limits, as typed (`K=V`, `SRC:DST[:ro]`, `all`/`N`). */
export interface OptionsInput {
  readonly env?: readonly string[];
  readonly tags?: readonly string[];
  readonly mounts?: readonly string[];
  readonly gpus?: string;
}

export interface InstanceOptions {
  readonly env: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly mounts: MountSpec[];
  readonly gpus: GpuRequest | undefined;
}

/** Every option checked and parsed, and refused where this host's engine cannot honour it: nothing here touches a host. */
export function validateInstanceOptions(input: OptionsInput, host: Pick<HostRecord, 'name' | 'provider'>): InstanceOptions {
  const options: InstanceOptions = {
    env: parseEnv(input.env ?? []),
    tags: parseTags(input.tags ?? []),
    mounts: parseMounts(input.mounts ?? []),
    gpus: input.gpus === undefined ? undefined : parseGpus(input.gpus),
  };
  if (host.provider === 'swarm') refuseOnSwarm(options, host.name);
  return options;
}

export function parseEnv(items: readonly string[]): Record<string, string> {
  const hint = 'Use --env NAME=VALUE with NAME of letters, digits and _ (not starting with a digit), and a one-line VALUE';
  if (items.length > MAX_ENV) throw invalid(`Too many --env values (${items.length})`, `Give at most ${MAX_ENV}`);
  const env: Record<string, string> = {};
  let total = 0;
  for (const item of items) {
    const eq = item.indexOf('=');
    // The value is never echoed: it may be a secret.
    if (eq < 0) throw invalid(`An --env value has no '=' (value not shown: it may be a secret)`, hint);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!ENV_KEY.test(key)) throw invalid(`--env name ${show(key)} is not a valid variable name`, hint);
    if (RESERVED_ENV.test(key)) {
      throw invalid(`--env ${key} is reserved: code-server's login reads it`, 'Pick another name; the password is set by Code Swarm');
    }
    if (Object.hasOwn(env, key)) throw invalid(`--env ${key} is given twice`, 'Give each name once');
    if (CONTROL.test(value)) throw invalid(`--env ${key}'s value holds a control character or line break`, hint);
    if (value.length > MAX_ENV_VALUE) throw invalid(`--env ${key}'s value is longer than ${MAX_ENV_VALUE} characters`, hint);
    total += item.length;
    if (total > MAX_ENV_TOTAL)
      throw invalid(`The --env values add up to more than ${MAX_ENV_TOTAL} characters`, 'Put large data in a file and mount it');
    env[key] = value;
  }
  return env;
}

export function parseTags(items: readonly string[]): Record<string, string> {
  const hint = "Use --tag KEY=VALUE with KEY of letters, digits, '.', '_' and '-' (at most 63), and a one-line VALUE";
  if (items.length > MAX_TAGS) throw invalid(`Too many --tag values (${items.length})`, `Give at most ${MAX_TAGS}`);
  const tags: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (eq < 0) throw invalid(`--tag ${show(item)} has no '='`, hint);
    if (!TAG_KEY.test(key)) throw invalid(`--tag key ${show(key)} is not valid`, hint);
    if (key.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) {
      throw invalid(`--tag key ${show(key)} is reserved for Code Swarm's own labels`, 'Pick a key that does not start with code-swarm');
    }
    if (Object.hasOwn(tags, key)) throw invalid(`--tag ${key} is given twice`, 'Give each key once');
    if (CONTROL.test(value)) throw invalid(`--tag ${key}'s value holds a control character or line break`, hint);
    if (value.length > MAX_TAG_VALUE) throw invalid(`--tag ${key}'s value is longer than ${MAX_TAG_VALUE} characters`, hint);
    tags[key] = value;
  }
  return tags;
}

export function parseMounts(items: readonly string[]): MountSpec[] {
  if (items.length > MAX_MOUNTS) throw invalid(`Too many --mount values (${items.length})`, `Give at most ${MAX_MOUNTS}`);
  const mounts = items.map(parseMount);
  const targets = new Set<string>();
  for (const m of mounts) {
    if (targets.has(m.target)) throw invalid(`Two --mount values mount on ${show(m.target)}`, 'Give each target once');
    targets.add(m.target);
  }
  for (const a of mounts)
    for (const b of mounts) {
      if (a !== b && isUnder(b.target, a.target))
        throw invalid(`--mount on ${show(b.target)} is inside another mount (${show(a.target)})`, 'Mount on separate paths');
    }
  return mounts;
}

export function parseMount(item: string): MountSpec {
  const hint = 'Use --mount SRC:DST[:ro] with SRC a volume name or an absolute host path and DST an absolute path in the instance';
  if (CONTROL.test(item)) throw invalid(`--mount ${show(item)} holds a control character or line break`, hint);
  if (item.length > 2 * MAX_PATH) throw invalid(`--mount ${show(item)} is too long`, hint);
  const parts = item.split(':');
  if (parts.length < 2 || parts.length > 3) throw invalid(`--mount ${show(item)} is not SRC:DST or SRC:DST:ro`, hint);
  const [source = '', target = '', mode] = parts;
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw')
    throw invalid(`--mount ${show(item)} ends in ${show(mode)}, not ro or rw`, hint);
  const type = source.startsWith('/') ? 'bind' : 'volume';
  if (type === 'volume') {
    if (!VOLUME_NAME.test(source)) throw invalid(`--mount source ${show(source)} is neither a volume name nor an absolute path`, hint);
    if (source.startsWith(OWN_VOLUME_PREFIX)) {
      throw invalid(`--mount source ${show(source)} is a Code Swarm volume`, "Another instance's workspace is not mounted into this one");
    }
  } else {
    checkPath('source', source, hint);
    if (source === '/' || isUnder(source, '/proc') || isUnder(source, '/sys') || isUnder(source, '/dev')) {
      throw invalid(`--mount source ${show(source)} is the host's root or a kernel file system`, 'Mount a directory of your own');
    }
  }
  checkPath('target', target, hint);
  const clash = RESERVED_TARGETS.find((r) => target === '/' || isUnder(target, r) || isUnder(r, target));
  if (clash !== undefined || target === '/') {
    throw invalid(
      `--mount target ${show(target)} would cover ${clash ?? '/'}, which the instance needs`,
      'Mount somewhere else, e.g. /home/coder/data or /mnt/NAME',
    );
  }
  return { type, source: trimSlash(source), target: trimSlash(target), readOnly: mode === 'ro' };
}

export function parseGpus(value: string): GpuRequest {
  const hint = `Use --gpus all, or a count from 1 to ${MAX_GPUS}`;
  if (value === 'all') return 'all';
  if (!/^[0-9]{1,3}$/.test(value)) throw invalid(`--gpus ${show(value)} is not "all" or a count`, hint);
  const n = Number(value);
  if (n < 1 || n > MAX_GPUS) throw invalid(`--gpus ${value} is out of range`, hint);
  return n;
}

function refuseOnSwarm(options: InstanceOptions, host: string): void {
  if (options.gpus !== undefined) {
    // Swarm places GPUs only as generic resources each node's daemon.json declares by hand; there is no "all".
    throw invalid(
      `--gpus is not offered on Swarm hosts like ${host}: Swarm has no device requests, only per-node generic resources`,
      'Create it on a Docker, Podman or LXD host with a GPU',
    );
  }
  const bind = options.mounts.find((m) => m.type === 'bind');
  if (bind) {
    throw invalid(
      `--mount of the host path ${show(bind.source)} is not offered on Swarm hosts like ${host}: the task may run on any node`,
      'Mount a named volume instead (it is made on the node the instance runs on)',
    );
  }
}

function checkPath(which: string, path: string, hint: string): void {
  if (!path.startsWith('/')) throw invalid(`--mount ${which} ${show(path)} is not an absolute path`, hint);
  if (path.length > MAX_PATH) throw invalid(`--mount ${which} is longer than ${MAX_PATH} characters`, hint);
  if (path.split('/').some((s) => s === '..' || s === '.')) throw invalid(`--mount ${which} ${show(path)} has a '.' or '..' part`, hint);
  if (posix.normalize(path) !== path && posix.normalize(path) !== trimSlash(path)) {
    throw invalid(`--mount ${which} ${show(path)} is not in plain form`, 'Write it without doubled slashes');
  }
  if (path.includes(',')) throw invalid(`--mount ${which} ${show(path)} holds a ','`, hint);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** `inner` is `outer` or inside it. */
function isUnder(inner: string, outer: string): boolean {
  const o = trimSlash(outer);
  const i = trimSlash(inner);
  return i === o || i.startsWith(o === '/' ? '/' : `${o}/`);
}

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function invalid(message: string, hint: string): SwarmError {
  return new SwarmError(message, { code: 'invalid-input', hint });
}
