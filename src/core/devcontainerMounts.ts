import { SwarmError } from '../shared/errors.js';
import type { Devcontainer } from './devcontainerSchema.js';
import { type Substitution, substitute } from './devcontainerVariables.js';
import { parseMount } from './validateOptions.js';

type Mount = NonNullable<Devcontainer['mounts']>[number];

/**
 * devcontainer.json's mounts as `--mount SRC:DST[:ro]` values, each checked
 * like one: a bind's source is a path on the HOST (as for --mount), so one
 * built from this machine's paths (`${localWorkspaceFolder}`, `${localEnv:HOME}`)
 * cannot be honoured and is reported instead; so are tmpfs and anonymous volumes.
 */
export function devcontainerMounts(list: readonly Mount[], file: string, vars: Substitution, unsupported: string[]): string[] {
  const out: string[] = [];
  list.forEach((m, i) => {
    const field = `mounts.${i}`;
    const spec =
      typeof m === 'string' ? fromString(m) : { source: m.source, target: m.target, type: m.type, readOnly: m.readonly === true };
    if (spec.type !== 'bind' && spec.type !== 'volume') {
      unsupported.push(`${field} (type ${spec.type ?? 'missing'})`);
      return;
    }
    if (spec.source === undefined || spec.source === '') {
      unsupported.push(`${field} (no source)`);
      return;
    }
    if (/\$\{local/.test(spec.source)) {
      unsupported.push(`${field} (a path on this machine)`);
      return;
    }
    if (spec.target === undefined || spec.target === '') throw bad(file, field, 'has no target', undefined);
    const source = substitute(spec.source, vars, field, unsupported);
    const target = substitute(spec.target, vars, field, unsupported);
    if (source === undefined || target === undefined) return;
    const value = `${source}:${target}${spec.readOnly ? ':ro' : ''}`;
    // A bind must name an absolute path, a volume a name: the same rules as --mount, said about this field.
    if ((spec.type === 'bind') !== source.startsWith('/')) {
      throw bad(
        file,
        field,
        spec.type === 'bind' ? 'is a bind whose source is not an absolute path' : 'is a volume whose source is a path',
        undefined,
      );
    }
    try {
      parseMount(value);
    } catch (e) {
      throw bad(file, field, 'is refused', e);
    }
    out.push(value);
  });
  return out;
}

/** `source=…,target=…,type=bind|volume[,readonly]` (Docker's --mount syntax; also src/dst/destination, ro, readonly=true). */
function fromString(text: string): { source?: string; target?: string; type?: string; readOnly: boolean } {
  const out: { source?: string; target?: string; type?: string; readOnly: boolean } = { readOnly: false };
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : part.slice(eq + 1).trim();
    if (key === 'source' || key === 'src') out.source = value ?? '';
    else if (key === 'target' || key === 'dst' || key === 'destination') out.target = value ?? '';
    else if (key === 'type') out.type = value ?? '';
    else if (key === 'readonly' || key === 'ro') out.readOnly = value === undefined || value === 'true' || value === '1';
  }
  return out;
}

function bad(file: string, field: string, message: string, e: unknown): SwarmError {
  const inner = e instanceof SwarmError ? e : undefined;
  const why = inner ? `: ${inner.message.replace(/^--mount /, '')}` : '';
  return new SwarmError(`${file}: ${field} ${message}${why}`, {
    code: 'invalid-input',
    hint:
      inner?.hint ??
      'Use "source=NAME,target=/abs/path,type=volume" or "source=/host/path,target=/abs/path,type=bind"; a bind names a path on the host',
  });
}
