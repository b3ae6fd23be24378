import { type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { BuildSpec } from '../providers/provider.js';
import { SwarmError } from '../shared/errors.js';

const PATH_MAX = 4096;
const ARGS_MAX = 64;
const ARG_VALUE_MAX = 4096;
const ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// Values travel in JSON to the engine, never through a shell; control characters still have no business there.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

export interface BuildInput {
  /** The Dockerfile on this machine. */
  readonly dockerfile: string;
  /** The folder it builds from; the Dockerfile's own folder when absent. */
  readonly context?: string;
  /** `KEY=VALUE`, each once. */
  readonly buildArgs?: readonly string[];
}

/** A build asked for on the CLI or in the wizard, checked against this machine's files: one line for what is wrong. */
export function validateBuild(input: BuildInput, cwd: string = process.cwd()): BuildSpec {
  const file = checkPath(input.dockerfile, 'Dockerfile', cwd);
  if (!isFile(file)) throw invalid(`Dockerfile ${show(input.dockerfile)} is not a file.`, 'Give the path of a Dockerfile on this machine.');
  const context = input.context === undefined ? dirname(file) : checkPath(input.context, 'Build context', cwd);
  if (!isDirectory(context))
    throw invalid(
      `Build context ${show(input.context ?? context)} is not a folder.`,
      'Give --context DIR, the folder the Dockerfile builds from.',
    );
  const rel = relative(context, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw invalid(
      `Dockerfile ${show(input.dockerfile)} is outside its build context ${show(context)}.`,
      'Put the Dockerfile in the context folder, or give a --context that contains it.',
    );
  }
  return { context, dockerfile: rel.split(sep).join(posix.sep), args: parseBuildArgs(input.buildArgs ?? []) };
}

export function parseBuildArgs(list: readonly string[]): Record<string, string> {
  const hint = 'Use --build-arg KEY=VALUE: KEY of letters, digits and _, VALUE without control characters.';
  if (list.length > ARGS_MAX) throw invalid(`Too many build arguments (${list.length}).`, `Use at most ${ARGS_MAX}.`);
  const args: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0) throw invalid(`Build argument ${show(item)} has no '='.`, hint);
    if (!ARG_KEY.test(key)) throw invalid(`Build argument name ${show(key)} is not valid.`, hint);
    const value = item.slice(eq + 1);
    if (value.length > ARG_VALUE_MAX) throw invalid(`Build argument ${key} is longer than ${ARG_VALUE_MAX} characters.`, hint);
    if (CONTROL.test(value)) throw invalid(`Build argument ${key} contains control characters.`, hint);
    if (Object.hasOwn(args, key)) throw invalid(`Build argument ${key} is given twice.`, hint);
    args[key] = value;
  }
  return args;
}

function checkPath(p: string, what: string, cwd: string): string {
  const hint = 'Give a path on this machine.';
  if (p.length === 0) throw invalid(`${what} path is empty.`, hint);
  if (p.length > PATH_MAX) throw invalid(`${what} path is longer than ${PATH_MAX} characters.`, hint);
  if (CONTROL.test(p) || p.includes('\t')) throw invalid(`${what} path ${show(p)} contains control characters.`, hint);
  return resolve(cwd, p);
}

function isFile(p: string): boolean {
  return statOf(p)?.isFile() === true;
}

function isDirectory(p: string): boolean {
  return statOf(p)?.isDirectory() === true;
}

/** A name too long, a folder we may not enter, a file where a folder should be: all just "not there" to the check. */
function statOf(p: string): Stats | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function invalid(message: string, hint: string): SwarmError {
  return new SwarmError(message, { code: 'invalid-input', hint });
}
