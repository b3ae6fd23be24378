import { isIPv6 } from 'node:net';
import { SwarmError } from '../shared/errors.js';
import { DNS_LABEL, HOST_NAME_MAX, INSTANCE_NAME_MAX } from '../shared/model.js';

const MIB = 1024 * 1024;
const MIN_MEMORY = 64 * MIB;
const MAX_MEMORY = 1024 * 1024 * MIB;
const MIN_DISK = 512 * MIB;
const MAX_DISK = 64 * 1024 * 1024 * MIB;
const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: MIB, g: 1024 * MIB, t: 1024 * 1024 * MIB };
const MEMORY = /^(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])(?:i?b)?|b)?$/i;
const CPUS = /^(?:\d+(?:\.\d{1,2})?|\.\d{1,2})$/;

// Values reach remote shells, docker argv and ssh config; refuse anything a shell would interpret.
const SHELL_META = /[\s;|&$`'"\\<>(){}[\]*?!#~^%\x00-\x1f\x7f]/;
const SSH_SHELL_META = /[\s;|&$`'"\\<>(){}*?!#~^\x00-\x1f\x7f]/;
// A literal `$` is left out on purpose: Samba machine accounts use it, but it is a shell metacharacter.
const SSH_USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const SSH_HOST = /^[a-z0-9_](?:[a-z0-9_.-]{0,252})$/i;
const PORT = /^\d{1,5}$/;

// The grammar of github.com/distribution/reference, written out so the rules can be read.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REF = new RegExp(`^${IMAGE_NAME}(?::${TAG})?(?:@${DIGEST})?$`);
const IMAGE_MAX = 255;

const NAME_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit";

export function validateInstanceName(s: string): string {
  const problem = nameProblem('Instance', s, INSTANCE_NAME_MAX);
  if (problem) throw problem;
  return s;
}

export function validateHostName(s: string): string {
  const problem = nameProblem('Host', s, HOST_NAME_MAX);
  if (problem) throw problem;
  return s;
}

/** For as-you-type validation: the message to show, or undefined when the name is fine. */
export function instanceNameProblem(s: string): string | undefined {
  return nameProblem('Instance', s, INSTANCE_NAME_MAX)?.oneLine();
}

function nameProblem(kind: string, s: string, max: number): SwarmError | undefined {
  const hint = `Use 1 to ${max} characters: ${NAME_RULE}.`;
  if (s.length === 0) return invalid(`${kind} name is empty.`, hint);
  if (s.length > max) return invalid(`${kind} name ${show(s)} is too long (${s.length} characters).`, hint);
  if (!DNS_LABEL.test(s)) return invalid(`${kind} name ${show(s)} is not valid.`, hint);
  return undefined;
}

export function parseMemory(s: string): number {
  const hint = 'Use a size such as 512m, 2g or 1.5g (k, m, g, t are powers of 1024; a plain number is bytes).';
  const m = MEMORY.exec(s.trim());
  if (!m || m[1] === undefined) throw invalid(`Memory size ${show(s)} is not a size.`, hint);
  const multiplier = UNIT[(m[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Math.floor(Number(m[1]) * multiplier);
  if (bytes === 0) throw invalid(`Memory size ${show(s)} is zero.`, hint);
  if (bytes < MIN_MEMORY) throw invalid(`Memory size ${show(s)} is too small.`, 'code-server needs at least 64m.');
  if (bytes > MAX_MEMORY) throw invalid(`Memory size ${show(s)} is too large.`, 'Use at most 1t.');
  return bytes;
}

/** `--disk SIZE`: a quota the host enforces on the instance's disk (docs/DISK.md). */
export function parseDisk(s: string): number {
  const hint = 'Use a size such as 10g or 512m (k, m, g, t are powers of 1024; a plain number is bytes).';
  const m = MEMORY.exec(s.trim());
  if (!m || m[1] === undefined) throw invalid(`Disk size ${show(s)} is not a size.`, hint);
  const bytes = Math.floor(Number(m[1]) * (UNIT[(m[2] ?? '').toLowerCase()] ?? 1));
  if (bytes === 0) throw invalid(`Disk size ${show(s)} is zero.`, hint);
  if (bytes < MIN_DISK)
    throw invalid(`Disk size ${show(s)} is too small.`, 'An instance needs at least 512m (code-server keeps its data in its home).');
  if (bytes > MAX_DISK) throw invalid(`Disk size ${show(s)} is too large.`, 'Use at most 64t.');
  return bytes;
}

export function parseCpus(s: string | number): number {
  const hint = 'Use a number of CPUs from 0.1 to 256 with at most 2 decimals, e.g. 2 or 1.5.';
  if (typeof s === 'number' && !Number.isFinite(s)) throw invalid(`CPU count ${show(s)} is not a number.`, hint);
  const text = typeof s === 'number' ? String(s) : s.trim();
  if (!CPUS.test(text)) throw invalid(`CPU count ${show(s)} is not valid.`, hint);
  const n = Number(text);
  if (n < 0.1 || n > 256) throw invalid(`CPU count ${show(s)} is out of range.`, hint);
  return n;
}

export interface SshTarget {
  user?: string;
  host: string;
  port: number;
}

export function parseSshTarget(s: string): SshTarget {
  const hint = 'Use host, user@host, user@host:port or user@[ipv6]:port.';
  const bad = (why: string): SwarmError => invalid(`SSH target ${show(s)} ${why}.`, hint);
  if (s.length === 0) throw invalid('SSH target is empty.', hint);
  if (SSH_SHELL_META.test(s)) throw bad('contains spaces or shell characters');
  const parts = s.split('@');
  if (parts.length > 2) throw bad("has more than one '@'");
  const [user, rest] = parts.length === 2 ? [parts[0], parts[1]] : [undefined, parts[0]];
  if (user !== undefined && !SSH_USER.test(user)) throw bad('has an invalid user name');
  const { host, port } = splitHostPort(rest ?? '', bad);
  if (host.startsWith('-')) throw bad("has a host starting with '-'");
  return user === undefined ? { host, port } : { user, host, port };
}

function splitHostPort(rest: string, bad: (why: string) => SwarmError): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
    if (!isIPv6(host)) throw bad('has an invalid IPv6 address');
  } else if (isIPv6(rest)) {
    host = rest;
  } else {
    const colon = rest.indexOf(':');
    host = colon === -1 ? rest : rest.slice(0, colon);
    portText = colon === -1 ? undefined : rest.slice(colon + 1);
    if (host.startsWith('-')) throw bad("has a host starting with '-'");
    if (!SSH_HOST.test(host)) throw bad('has an invalid host name');
  }
  if (portText === undefined) return { host, port: 22 };
  const port = PORT.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw bad('has a port outside 1-65535');
  return { host, port };
}

export function validateImageRef(s: string): string {
  const hint = 'Use a Docker image reference such as codercom/code-server:4.99.0 or registry:5000/team/image@sha256:<digest>.';
  if (s.length === 0) throw invalid('Image reference is empty.', hint);
  if (s.length > IMAGE_MAX) throw invalid(`Image reference ${show(s)} is longer than ${IMAGE_MAX} characters.`, hint);
  if (s.startsWith('-')) throw invalid(`Image reference ${show(s)} starts with '-'.`, hint);
  if (SHELL_META.test(s.replace(/^\[[a-fA-F0-9:]+\]/, ''))) {
    throw invalid(`Image reference ${show(s)} contains spaces or shell characters.`, hint);
  }
  if (!IMAGE_REF.test(s)) throw invalid(`Image reference ${show(s)} is not valid.`, hint);
  return s;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function invalid(message: string, hint: string): SwarmError {
  return new SwarmError(message, { code: 'invalid-input', hint });
}
