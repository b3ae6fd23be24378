import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { SwarmError } from '../shared/errors.js';
import { isPattern, matchPattern, matchPatternList } from './hostPattern.js';

export interface SshConfigHost {
  alias: string;
  hostName: string;
  /** Only when configured; OpenSSH would fall back to the local user. */
  user?: string;
  port: number;
  /** Only the configured files; OpenSSH's default id_* files are the caller's choice. */
  identityFiles: string[];
  proxyJump?: string;
  identitiesOnly?: boolean;
  userKnownHostsFiles?: string[];
}

export interface SshConfig {
  resolve(alias: string, localUser?: string): SshConfigHost;
  /** Concrete `Host` names (no wildcards or negations), for a host picker. */
  aliases(): string[];
}

export interface ParseSshConfigOptions {
  homeDir?: string;
  /** Returns the texts of the files an `Include` argument names. */
  readInclude?: (pattern: string) => string[];
}

/**
 * A directive applies when every `Host` pattern list in its guard matches the
 * alias; a guard of `null` never applies. Includes nest guards, because an
 * `Include` inside a `Host` block is conditional on that block.
 */
type Guard = readonly (readonly string[])[] | null;

interface Directive {
  keyword: string;
  args: string[];
  guard: Guard;
}

// OpenSSH refuses deeper nesting too; it is how an Include loop ends.
const MAX_INCLUDE_DEPTH = 16;

/**
 * Reads the ~/.ssh/config subset we honour: Host, HostName, User, Port,
 * IdentityFile, IdentitiesOnly, ProxyJump, UserKnownHostsFile, Include.
 * `Match` blocks are skipped, not evaluated: their criteria (exec, canonical,
 * localnetwork, ...) need a running ssh to decide, so ignoring them is safer
 * than guessing. Everything else is ignored.
 */
export function parseSshConfig(text: string, opts: ParseSshConfigOptions = {}): SshConfig {
  const directives: Directive[] = [];
  collect(text, [], opts, 0, directives);
  const home = opts.homeDir ?? homedir();
  return {
    resolve: (alias, localUser) => resolveHost(directives, alias, localUser ?? userInfo().username, home),
    aliases: () => concreteAliases(directives),
  };
}

function collect(text: string, outer: Guard, opts: ParseSshConfigOptions, depth: number, out: Directive[]): void {
  let guard: Guard = outer;
  for (const line of text.split(/\r?\n/)) {
    const parsed = splitLine(line);
    if (!parsed) continue;
    const { keyword, args } = parsed;
    if (keyword === 'host') {
      guard = outer === null ? null : [...outer, args];
      out.push({ keyword, args, guard: [] });
    } else if (keyword === 'match') {
      guard = null;
    } else if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        throw new SwarmError('~/.ssh/config has Include directives nested too deeply.', {
          code: 'invalid-input',
          hint: 'Check the Include lines of your SSH config for a loop.',
        });
      }
      for (const pattern of args) {
        for (const included of opts.readInclude?.(pattern) ?? []) collect(included, guard, opts, depth + 1, out);
      }
    } else {
      out.push({ keyword, args, guard });
    }
  }
}

/** Splits `Keyword value`, `Keyword=value` or `Keyword = "quoted value"`. */
function splitLine(line: string): { keyword: string; args: string[] } | undefined {
  const m = /^\s*([^\s=]+)(?:\s*=\s*|\s+|$)(.*)$/.exec(line);
  if (!m || m[1] === undefined || m[1].startsWith('#')) return undefined;
  return { keyword: m[1].toLowerCase(), args: splitArgs(m[2] ?? '') };
}

function splitArgs(rest: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && /\s/.test(rest.charAt(i))) i++;
    // Like OpenSSH 8.7+, an unquoted word starting with `#` ends the line.
    if (i >= rest.length || rest[i] === '#') break;
    let word = '';
    let quote = '';
    for (; i < rest.length; i++) {
      const c = rest.charAt(i);
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '\\' && i + 1 < rest.length) {
        word += rest.charAt(++i);
      } else if (/\s/.test(c)) {
        break;
      } else {
        word += c;
      }
    }
    args.push(word);
  }
  return args;
}

function applies(guard: Guard, alias: string): boolean {
  return guard !== null && guard.every((patterns) => matchPatternList(alias, patterns));
}

/** An unusable value is not "obtained", so a later block can still supply one. */
function isValid(d: Directive): boolean {
  const v = d.args[0];
  if (v === undefined) return false;
  if (d.keyword === 'port') return parsePort(v) !== undefined;
  if (d.keyword === 'identitiesonly') return /^(yes|no)$/i.test(v);
  return true;
}

function resolveHost(directives: readonly Directive[], alias: string, localUser: string, home: string): SshConfigHost {
  // OpenSSH keeps the first value it obtains for each keyword.
  const first = new Map<string, string[]>();
  const identityFiles: string[] = [];
  for (const d of directives) {
    if (d.keyword === 'host' || !isValid(d) || !applies(d.guard, alias)) continue;
    if (d.keyword === 'identityfile') identityFiles.push(...d.args.slice(0, 1));
    else if (!first.has(d.keyword)) first.set(d.keyword, d.args);
  }
  const value = (k: string): string | undefined => first.get(k)?.[0];

  const hostName = expandTokens(value('hostname') ?? '%h', { h: alias });
  const port = parsePort(value('port')) ?? 22;
  const user = value('user');
  const tokens: Tokens = { h: hostName, p: String(port), r: user ?? localUser, u: localUser, n: alias, d: home };
  const toPath = (p: string): string => expandTilde(expandTokens(p, tokens), home);

  const host: SshConfigHost = { alias, hostName, port, identityFiles: [...new Set(identityFiles.map(toPath))] };
  if (user !== undefined) host.user = user;
  const jump = value('proxyjump');
  if (jump !== undefined && jump.toLowerCase() !== 'none') host.proxyJump = jump;
  const only = value('identitiesonly');
  if (only !== undefined) host.identitiesOnly = only.toLowerCase() === 'yes';
  const knownHosts = first.get('userknownhostsfile');
  if (knownHosts) host.userKnownHostsFiles = knownHosts[0]?.toLowerCase() === 'none' ? [] : knownHosts.map(toPath);
  return host;
}

export interface JumpHost {
  user?: string;
  host: string;
  port: number;
}

/** Parses a ProxyJump value: `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma separated. */
export function parseProxyJump(v: string): JumpHost[] {
  const value = v.trim();
  if (value === '' || value.toLowerCase() === 'none') return [];
  return value.split(',').map((hop) => parseJumpHost(hop.trim()));
}

function parseJumpHost(hop: string): JumpHost {
  const spec = hop.startsWith('ssh://') ? hop.slice('ssh://'.length).replace(/\/$/, '') : hop;
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  const address = spec.slice(at + 1);
  // `[v6]:port`, `host:port`, or a bare host (a bare IPv6 address has several colons).
  const m = /^\[([^\]]+)\](?::(.*))?$/.exec(address) ?? /^([^:]+):([^:]*)$/.exec(address);
  const host = m ? m[1] : address;
  const portText = m ? m[2] : undefined;
  const port = portText === undefined ? 22 : parsePort(portText);
  if (!host || port === undefined || user === '') {
    throw new SwarmError(`Invalid ProxyJump host "${hop}".`, {
      code: 'invalid-input',
      hint: 'Use [user@]host[:port], several separated by commas.',
    });
  }
  return user === undefined ? { host, port } : { user, host, port };
}

function parsePort(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : undefined;
}

type Tokens = Partial<Record<string, string>>;

/** `%h`-style tokens; an unknown token is left as written rather than guessed. */
function expandTokens(value: string, tokens: Tokens): string {
  return value.replace(/%(.)/g, (whole, t: string) => (t === '%' ? '%' : (tokens[t] ?? whole)));
}

function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

function concreteAliases(directives: readonly Directive[]): string[] {
  const names = directives.filter((d) => d.keyword === 'host').flatMap((d) => d.args);
  return [...new Set(names.filter((n) => n !== '' && !isPattern(n)))];
}

export async function loadSshConfig(path?: string): Promise<SshConfig> {
  const home = homedir();
  const sshDir = join(home, '.ssh');
  const text = await readIfPresent(path ?? join(sshDir, 'config'));
  return parseSshConfig(text, { homeDir: home, readInclude: (pattern) => readIncluded(pattern, sshDir, home) });
}

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw new SwarmError(`Cannot read the SSH config file ${path}.`, {
      code: code === 'EACCES' || code === 'EPERM' ? 'permission-denied' : 'internal',
      hint: 'Check that the file is readable by you.',
      cause: err,
    });
  }
}

/**
 * Include paths are relative to ~/.ssh, as for OpenSSH's user config; a glob is
 * honoured in the last path component only. Synchronous because parsing is, and
 * these are a handful of small files read once.
 */
function readIncluded(pattern: string, sshDir: string, home: string): string[] {
  const expanded = expandTilde(pattern, home);
  const full = isAbsolute(expanded) ? expanded : join(sshDir, expanded);
  const dir = dirname(full);
  const leaf = basename(full);
  let files: string[];
  if (/[*?]/.test(leaf)) {
    try {
      files = readdirSync(dir)
        .filter((f) => !f.startsWith('.') && matchPattern(f, leaf))
        .sort()
        .map((f) => join(dir, f));
    } catch {
      files = [];
    }
  } else {
    files = [full];
  }
  return files.flatMap((f) => {
    try {
      return [readFileSync(f, 'utf8')];
    } catch {
      return [];
    }
  });
}
