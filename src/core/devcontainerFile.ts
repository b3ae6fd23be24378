import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { SwarmError } from '../shared/errors.js';
import type { BuildInput } from './validateBuild.js';
import { BUILD_KEYS, type Devcontainer, DevcontainerSchema, HOST_REQUIREMENT_KEYS, SILENT_KEYS, TAKEN_KEYS } from './devcontainerSchema.js';
import { devcontainerMounts } from './devcontainerMounts.js';
import { type Substitution, substitute } from './devcontainerVariables.js';
import { parseEnv } from './validateOptions.js';

/** A devcontainer.json is a small file; anything this big is not one. */
const FILE_MAX = 1024 * 1024;
/** Where the instance's workspace is (its volume), what `${containerWorkspaceFolder}` means here. */
export const CONTAINER_WORKSPACE = '/home/coder/project';

/** What a devcontainer.json asks of a create, in the terms the create already takes. */
export interface DevcontainerPlan {
  /** The file, absolute. */
  readonly file: string;
  readonly image?: string;
  /** Paths absolute, resolved from the file's folder as the spec says. */
  readonly build?: BuildInput;
  /** `KEY=VALUE`, containerEnv then remoteEnv (which wins). */
  readonly env: readonly string[];
  /** `SRC:DST[:ro]`, as `--mount` takes them. */
  readonly mounts: readonly string[];
  readonly cpus?: number;
  readonly memory?: string;
  readonly gpus?: 'all';
  readonly forwardPorts: readonly number[];
  /** Each an argv; run in order, once, after the instance is created (core/postCreateCommand.ts). */
  readonly postCreateCommands: readonly (readonly string[])[];
  /** Who postCreateCommand runs as: remoteUser, else containerUser; absent: the instance's own user. */
  readonly user?: string;
  /** What the file asks that Code Swarm does not do, by name (`features`, `forwardPorts "db:5432"`…). */
  readonly unsupported: readonly string[];
}

/**
 * Reads and checks a devcontainer.json (JSONC: comments and trailing commas
 * allowed) on this machine: one line naming the file and the field for what
 * is wrong, before any host is asked.
 */
export function readDevcontainer(path: string, cwd: string = process.cwd(), localEnv: NodeJS.ProcessEnv = process.env): DevcontainerPlan {
  if (path.length === 0 || path.length > 4096 || /[\x00-\x1f\x7f]/.test(path)) {
    throw invalid(`--devcontainer path ${show(path)} is not a usable path`, 'Give the path of a devcontainer.json on this machine');
  }
  const file = resolve(cwd, path);
  const raw = parseJsonc(file, readText(file, path));
  const parsed = DevcontainerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(top level)';
    const why = (issue?.message ?? '').replace(/^Invalid input:?\s*/i, '');
    throw fileError(file, field, `is not valid${why ? `: ${why}` : ''}`, 'Fix that field (containers.dev/implementors/json_reference)');
  }
  const dc = parsed.data;
  const folder = dirname(file);
  // The project is the folder holding .devcontainer/, or the file's own folder when it sits at the top.
  const workspace = basename(folder) === '.devcontainer' ? dirname(folder) : folder;
  const vars: Substitution = { localEnv, localWorkspaceFolder: workspace, containerWorkspaceFolder: CONTAINER_WORKSPACE };
  const unsupported: string[] = [];
  const plan: DevcontainerPlan = {
    file,
    ...source(dc, file, folder, vars, unsupported),
    env: environment(dc, file, vars, unsupported),
    mounts: devcontainerMounts(dc.mounts ?? [], file, vars, unsupported),
    ...limits(dc, unsupported),
    forwardPorts: ports(dc.forwardPorts ?? [], file, unsupported),
    postCreateCommands: commands(dc.postCreateCommand, vars),
    ...(dc.remoteUser !== undefined || dc.containerUser !== undefined ? { user: dc.remoteUser ?? dc.containerUser } : {}),
    unsupported,
  };
  unsupported.push(...otherKeys(dc));
  return plan;
}

function readText(file: string, given: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? 'error'})`;
    throw invalid(`devcontainer file ${show(given)} ${why}`, 'Give the path of a devcontainer.json on this machine');
  }
  if (text.length > FILE_MAX) throw invalid(`devcontainer file ${show(given)} is larger than 1 MiB`, 'Give a devcontainer.json');
  return text;
}

function parseJsonc(file: string, text: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    const where = `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
    throw invalid(`${file}: not valid JSON with comments at ${where} (${printParseErrorCode(first.error)})`, 'Fix the syntax there');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fileError(file, '(top level)', 'is not an object', 'A devcontainer.json holds one { … } object');
  }
  return value;
}

/** The image, or the build: exactly one way to get an image. */
function source(
  dc: Devcontainer,
  file: string,
  folder: string,
  vars: Substitution,
  unsupported: string[],
): { image?: string; build?: BuildInput } {
  const dockerfile = dc.build?.dockerfile ?? dc.dockerFile;
  const field = dc.build?.dockerfile !== undefined ? 'build.dockerfile' : 'dockerFile';
  if (dc.build) for (const key of Object.keys(dc.build)) if (!BUILD_KEYS.has(key)) unsupported.push(`build.${key}`);
  if (dockerfile !== undefined && dc.image !== undefined) {
    throw fileError(file, 'image', `and ${field} are both given`, 'Keep one: an image to run, or a Dockerfile to build');
  }
  if (dockerfile !== undefined) {
    const context = dc.build?.context ?? dc.context ?? '.';
    const args = Object.entries(dc.build?.args ?? {}).map(([k, v]) => `${k}=${substitute(v, vars, `build.args.${k}`, unsupported)}`);
    // The spec resolves both from the devcontainer.json's folder (validateBuild checks they exist and nest).
    return { build: { dockerfile: at(folder, dockerfile), context: at(folder, context), ...(args.length > 0 ? { buildArgs: args } : {}) } };
  }
  if (dc.image !== undefined) return { image: dc.image };
  if (Object.hasOwn(dc, 'dockerComposeFile')) {
    throw fileError(
      file,
      'dockerComposeFile',
      'is not supported (Docker Compose dev containers)',
      'Give image or build.dockerfile instead',
    );
  }
  throw fileError(
    file,
    'image',
    'is missing, and so is build.dockerfile',
    'Give one: "image": "debian:12", or "build": { "dockerfile": "Dockerfile" }',
  );
}

function at(folder: string, p: string): string {
  return isAbsolute(p) ? p : resolve(folder, p);
}

/** containerEnv, then remoteEnv over it: both reach code-server, which is what the tools run under. */
function environment(dc: Devcontainer, file: string, vars: Substitution, unsupported: string[]): string[] {
  const env = new Map<string, string>();
  const add = (field: string, entries: [string, string | null][]) => {
    for (const [key, value] of entries) {
      if (value === null) {
        env.delete(key);
        continue;
      }
      const text = substitute(value, vars, `${field}.${key}`, unsupported);
      if (text === undefined) continue;
      try {
        parseEnv([`${key}=${text}`]);
      } catch (e) {
        throw refused(file, `${field}.${key}`, e, 'Use a variable name of letters, digits and _, and a one-line value');
      }
      env.set(key, text);
    }
  };
  add('containerEnv', Object.entries(dc.containerEnv ?? {}));
  add('remoteEnv', Object.entries(dc.remoteEnv ?? {}));
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** hostRequirements are minimums for a machine; on an instance they become its limits. */
function limits(dc: Devcontainer, unsupported: string[]): { cpus?: number; memory?: string; gpus?: 'all' } {
  const req = dc.hostRequirements;
  if (!req) return {};
  for (const key of Object.keys(req)) if (!HOST_REQUIREMENT_KEYS.has(key)) unsupported.push(`hostRequirements.${key}`);
  // "optional" means "use one if there is one": Code Swarm cannot ask for a GPU without failing where there is none.
  if (req.gpu === 'optional') unsupported.push('hostRequirements.gpu "optional"');
  const gpu = req.gpu === true || (typeof req.gpu === 'object' && req.gpu !== null);
  return {
    ...(req.cpus !== undefined ? { cpus: req.cpus } : {}),
    ...(req.memory !== undefined ? { memory: req.memory } : {}),
    ...(gpu ? { gpus: 'all' as const } : {}),
  };
}

function ports(list: readonly (number | string)[], file: string, unsupported: string[]): number[] {
  const out: number[] = [];
  list.forEach((p, i) => {
    const n = typeof p === 'number' ? p : /^[0-9]{1,5}$/.test(p) ? Number(p) : undefined;
    if (n === undefined) {
      // "db:5432" names another container of a Compose setup: there is none here.
      unsupported.push(`forwardPorts ${show(p as string)}`);
      return;
    }
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw fileError(file, `forwardPorts.${i}`, `${n} is not a port`, 'Use ports from 1 to 65535');
    if (!out.includes(n)) out.push(n);
  });
  return out;
}

/** A string runs through /bin/sh -c; an array is an argv; the object form's commands run one after another, in order. */
function commands(cmd: Devcontainer['postCreateCommand'], vars: Substitution): string[][] {
  if (cmd === undefined) return [];
  const one = (c: string | string[]): string[] =>
    typeof c === 'string'
      ? ['/bin/sh', '-c', substitute(c, vars, '', undefined) ?? c]
      : c.map((a) => substitute(a, vars, '', undefined) ?? a);
  if (typeof cmd === 'string' || Array.isArray(cmd)) return [one(cmd)];
  return Object.values(cmd).map(one);
}

/** Everything else the file says, by name, except what only an editor reads. */
function otherKeys(dc: Devcontainer): string[] {
  const out: string[] = [];
  for (const key of Object.keys(dc)) if (!TAKEN_KEYS.has(key) && !SILENT_KEYS.has(key)) out.push(key);
  // Extensions are the one editor setting a user would miss without a word.
  const vscode = (dc.customizations as { vscode?: { extensions?: unknown } } | undefined)?.vscode;
  if (Array.isArray(vscode?.extensions) && vscode.extensions.length > 0) out.push('customizations.vscode.extensions');
  return out;
}

export function fileError(file: string, field: string, message: string, hint: string): SwarmError {
  return invalid(`${file}: ${field} ${message}`, hint);
}

/** An --env check's refusal, said about the file's field: its message without the flag's name, its own hint. */
function refused(file: string, field: string, e: unknown, hint: string): SwarmError {
  if (!(e instanceof SwarmError)) return fileError(file, field, 'is not valid', hint);
  const why = e.message.replace(/^--env (name )?("[^"]*"|[^\s']+)('s)? /, '');
  return fileError(file, field, why, e.hint ?? hint);
}

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function invalid(message: string, hint: string): SwarmError {
  return new SwarmError(message, { code: 'invalid-input', hint });
}
