/**
 * OpenSSH host patterns, shared by known_hosts and ~/.ssh/config: `*` and `?`
 * wildcards, matched case-insensitively because OpenSSH lowercases host names
 * before it looks them up.
 */
export function matchPattern(name: string, pattern: string): boolean {
  const s = name.toLowerCase();
  const p = pattern.toLowerCase();
  // Greedy two-pointer glob match: linear in practice, no regex escaping pitfalls.
  let si = 0;
  let pi = 0;
  let starPi = -1;
  let starSi = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '*') {
      starPi = pi++;
      starSi = si;
    } else if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (starPi !== -1) {
      pi = starPi + 1;
      si = ++starSi;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * True when some positive pattern matches and no negated (`!pattern`) one does;
 * a matching negation vetoes the whole list, as in OpenSSH's match_pattern_list.
 */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern === '' || !matchPattern(name, pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

export function isPattern(value: string): boolean {
  return value.startsWith('!') || /[*?]/.test(value);
}
