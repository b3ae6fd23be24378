import type { CreateInput } from '../../core/swarm.js';
import { parseIdleTimeout } from '../../core/idleTimeout.js';
import { parseDisk } from '../../core/validate.js';
import { parseBuildArgs, validateBuild } from '../../core/validateBuild.js';
import { parseEnv, parseTags, validateInstanceOptions } from '../../core/validateOptions.js';
import type { ProviderKind } from '../../shared/model.js';
import { validationProblem } from './validationProblem.js';

/**
 * The Create wizard's "More options…" page, without `vscode`: what each field
 * holds as typed, how it is checked (by the same core validators the CLI's
 * create uses) and what it adds to create's input.
 */
export interface MoreOptions {
  /** `K=V` each, as `--env`. */
  readonly env: readonly string[];
  /** `SRC:DST[:ro]` each, as `--mount`. */
  readonly mounts: readonly string[];
  /** `K=V` each, as `--tag`. */
  readonly tags: readonly string[];
  /** `all`, a count, or '' for none, as `--gpus`. */
  readonly gpus: string;
  /** A duration or `off`, as `--idle-timeout`. */
  readonly idleTimeout: string;
  /** A size, or '' for no quota, as `--disk`. */
  readonly disk: string;
  /** Dockerfile builds: the folder it builds from, '' for the Dockerfile's own. */
  readonly context: string;
  /** Dockerfile builds: `K=V` each, as `--build-arg`. */
  readonly buildArgs: readonly string[];
}

export type MoreOptionKey = keyof MoreOptions;

/** What the fields are checked against: the chosen host, and the Dockerfile when the image is built. */
export interface MoreOptionsContext {
  readonly host: { readonly name: string; readonly provider: ProviderKind };
  /** The absolute path of the Dockerfile, when the instance is built from one. */
  readonly dockerfile?: string | undefined;
}

export interface MoreOptionField {
  readonly key: MoreOptionKey;
  readonly label: string;
  readonly prompt: string;
  readonly placeholder: string;
  /** A list field: several entries in one box, separated by `;`. */
  readonly list: boolean;
  /** Build fields only apply to an image built from a Dockerfile. */
  readonly build?: boolean;
}

const LIST_HINT = 'separate entries with ";" (write "\\;" for a ";" inside one); empty for none';

export const MORE_OPTION_FIELDS: readonly MoreOptionField[] = [
  {
    key: 'env',
    label: 'Environment variables',
    prompt: `NAME=VALUE, ${LIST_HINT}`,
    placeholder: 'NODE_ENV=development; DEBUG=1',
    list: true,
  },
  {
    key: 'mounts',
    label: 'Mounts',
    prompt: `SRC:DST[:ro] with SRC a volume name or an absolute host path, ${LIST_HINT}`,
    placeholder: 'datasets:/home/coder/data:ro',
    list: true,
  },
  {
    key: 'tags',
    label: 'Tags',
    prompt: `KEY=VALUE, shown in the tree and filterable; ${LIST_HINT}`,
    placeholder: 'team=web; env=dev',
    list: true,
  },
  { key: 'gpus', label: 'GPUs', prompt: 'all, or a count; empty for none', placeholder: 'all', list: false },
  {
    key: 'idleTimeout',
    label: 'Idle timeout',
    prompt: 'Stop it after this long without activity: 30m, 2h, 1h30m, or off',
    placeholder: 'off',
    list: false,
  },
  {
    key: 'disk',
    label: 'Disk quota',
    prompt: 'A size the host enforces, such as 10g; empty for none (refused where the host cannot enforce it)',
    placeholder: '10g',
    list: false,
  },
  {
    key: 'context',
    label: 'Build context',
    prompt: "The folder the Dockerfile builds from (absolute path); empty for the Dockerfile's own folder",
    placeholder: '/path/to/project',
    list: false,
    build: true,
  },
  { key: 'buildArgs', label: 'Build arguments', prompt: `KEY=VALUE, ${LIST_HINT}`, placeholder: 'VERSION=1.2', list: true, build: true },
];

export function defaultMoreOptions(idleTimeout: string, disk = ''): MoreOptions {
  return { env: [], mounts: [], tags: [], gpus: '', idleTimeout, disk, context: '', buildArgs: [] };
}

/** The fields that apply: the build ones only for a Dockerfile. */
export function moreOptionFields(ctx: MoreOptionsContext): readonly MoreOptionField[] {
  return MORE_OPTION_FIELDS.filter((f) => f.build !== true || ctx.dockerfile !== undefined);
}

/** `a=1; b=2` → `['a=1', 'b=2']`; `\;` keeps a `;` inside an entry; empty entries are dropped. */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === ';') {
      current += ';';
      i++;
    } else if (c === ';') {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** The inverse of splitList, for showing a list in its box again. */
export function joinList(items: readonly string[]): string {
  return items.map((s) => s.replaceAll(';', '\\;')).join('; ');
}

/** A field's value as its box shows it. */
export function fieldText(options: MoreOptions, key: MoreOptionKey): string {
  const v = options[key];
  return typeof v === 'string' ? v : joinList(v);
}

/** The message to show under a field's box, or undefined when the core takes it. */
export function fieldProblem(key: MoreOptionKey, text: string, ctx: MoreOptionsContext): string | undefined {
  const t = text.trim();
  const list = splitList(text);
  switch (key) {
    case 'env':
      return validationProblem(() => parseEnv(list));
    case 'tags':
      return validationProblem(() => parseTags(list));
    // Checked against the host too: a Swarm host refuses host paths and GPUs.
    case 'mounts':
      return validationProblem(() => validateInstanceOptions({ mounts: list }, ctx.host));
    case 'gpus':
      return t === '' ? undefined : validationProblem(() => validateInstanceOptions({ gpus: t }, ctx.host));
    case 'idleTimeout':
      return validationProblem(() => parseIdleTimeout(t));
    case 'disk':
      return t === '' ? undefined : validationProblem(() => parseDisk(t));
    case 'context':
      return t === '' || ctx.dockerfile === undefined
        ? undefined
        : validationProblem(() => validateBuild({ dockerfile: ctx.dockerfile!, context: t }));
    case 'buildArgs':
      return validationProblem(() => parseBuildArgs(list));
  }
}

/** The options with one field set from its box's text (already checked with fieldProblem). */
export function withField(options: MoreOptions, key: MoreOptionKey, text: string): MoreOptions {
  const field = MORE_OPTION_FIELDS.find((f) => f.key === key);
  return { ...options, [key]: field?.list === true ? splitList(text) : text.trim() };
}

/** A field's value in a few words, for the page's list: `2 set`, `all`, `none`. */
export function fieldSummary(options: MoreOptions, key: MoreOptionKey): string {
  const v = options[key];
  if (typeof v !== 'string') return v.length === 0 ? 'none' : `${v.length} set`;
  return v === '' ? (key === 'context' ? "the Dockerfile's folder" : 'none') : v;
}

/** What the options add to create's input: only what was given, so the core's defaults hold otherwise. */
export function moreOptionsInput(options: MoreOptions, dockerfile: string | undefined): Partial<CreateInput> {
  return {
    ...(options.env.length > 0 ? { env: options.env } : {}),
    ...(options.mounts.length > 0 ? { mounts: options.mounts } : {}),
    ...(options.tags.length > 0 ? { tags: options.tags } : {}),
    ...(options.gpus !== '' ? { gpus: options.gpus } : {}),
    ...(options.idleTimeout !== '' ? { idleTimeout: options.idleTimeout } : {}),
    ...(options.disk !== '' ? { disk: options.disk } : {}),
    ...(dockerfile !== undefined
      ? {
          build: {
            dockerfile,
            ...(options.context !== '' ? { context: options.context } : {}),
            ...(options.buildArgs.length > 0 ? { buildArgs: options.buildArgs } : {}),
          },
        }
      : {}),
  };
}

/** Every field that applies, checked again as a whole before the create (a host picked after the fields were typed). */
export function moreOptionsProblem(options: MoreOptions, ctx: MoreOptionsContext): string | undefined {
  for (const f of moreOptionFields(ctx)) {
    const problem = fieldProblem(f.key, fieldText(options, f.key), ctx);
    if (problem !== undefined) return `${f.label}: ${problem}`;
  }
  return undefined;
}
