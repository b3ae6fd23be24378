import { InstanceStateSchema, type InstanceState } from '../../shared/model.js';
import type { InstanceView } from '../../core/views.js';

/**
 * What the tree shows when filtered: terms of one kind are alternatives,
 * kinds together must all hold (`host:alpha host:beta team=web` is "on alpha
 * or beta, and tagged team=web").
 */
export interface InstanceFilter {
  /** What the user typed, normalised: the view's message shows it. */
  readonly text: string;
  readonly hosts: readonly string[];
  readonly states: readonly InstanceState[];
  /** A tag key, with the value it must have (undefined: any value). */
  readonly tags: readonly { readonly key: string; readonly value: string | undefined }[];
}

export const FILTER_SYNTAX = 'host:NAME, state:running|stopped|…, tag:KEY or tag:KEY=VALUE (KEY=VALUE alone is a tag), space-separated';

/** The filter in a line of text, or the problem with it; an empty line is no filter. */
export function parseInstanceFilter(text: string): { filter: InstanceFilter | undefined } | { problem: string } {
  const terms = text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (terms.length === 0) return { filter: undefined };
  const hosts: string[] = [];
  const states: InstanceState[] = [];
  const tags: { key: string; value: string | undefined }[] = [];
  for (const term of terms) {
    const colon = term.indexOf(':');
    const kind = colon > 0 && !term.slice(0, colon).includes('=') ? term.slice(0, colon) : 'tag';
    const rest = kind === 'tag' && !term.startsWith('tag:') ? term : term.slice(colon + 1);
    if (rest === '') return { problem: `"${term}" names nothing. Use ${FILTER_SYNTAX}` };
    if (kind === 'host') hosts.push(rest);
    else if (kind === 'state') {
      const state = InstanceStateSchema.safeParse(rest);
      if (!state.success) return { problem: `"${rest}" is not a state: ${InstanceStateSchema.options.join(', ')}` };
      states.push(state.data);
    } else if (kind === 'tag') {
      const eq = rest.indexOf('=');
      tags.push(eq < 0 ? { key: rest, value: undefined } : { key: rest.slice(0, eq), value: rest.slice(eq + 1) });
    } else return { problem: `"${kind}:" is not a filter. Use ${FILTER_SYNTAX}` };
  }
  return { filter: { text: terms.join(' '), hosts, states, tags } };
}

export function matchesFilter(view: InstanceView, filter: InstanceFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.hosts.length > 0 && !filter.hosts.includes(view.host)) return false;
  if (filter.states.length > 0 && !filter.states.includes(view.state)) return false;
  if (filter.tags.length > 0) {
    const tags = view.tags ?? {};
    if (!filter.tags.some((t) => Object.hasOwn(tags, t.key) && (t.value === undefined || tags[t.key] === t.value))) return false;
  }
  return true;
}

/** A host row stays while the filter could show something under it (its name passes a host term). */
export function hostMatchesFilter(host: string, filter: InstanceFilter | undefined): boolean {
  return !filter || filter.hosts.length === 0 || filter.hosts.includes(host);
}

/** `team=web · env=prod`: a row's tags, short. */
export function tagsText(tags: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(tags ?? {})
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join(' · ');
}
