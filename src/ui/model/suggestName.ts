/**
 * A free name derived from `base` (an ssh alias, a host name, `code`), made a
 * valid DNS label: lowercase letters, digits and '-'. `-2`, `-3`, ... is added
 * until it is not taken. Only a suggestion: the input box still validates.
 */
export function suggestName(base: string, taken: ReadonlySet<string>, max = 40, fallback = 'code'): string {
  const stem =
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, max)
      .replace(/-$/, '') || fallback;
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${stem.slice(0, max - suffix.length).replace(/-$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
