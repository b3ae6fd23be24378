/** `snap-YYYYMMDDhhmmss` (UTC) of when it is taken: names sort by age and say it. */
export function snapshotBaseName(takenAt: Date): string {
  return `snap-${takenAt
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
}

/** The n-th name to try (1: the base): two snapshots in one second must not share a name. */
export function snapshotNameVariant(base: string, n: number): string {
  return n < 2 ? base : `${base}-${n}`;
}

/** The first variant of `base` not in `taken`. */
export function freeSnapshotName(base: string, taken: ReadonlySet<string>): string {
  let n = 1;
  while (taken.has(snapshotNameVariant(base, n))) n++;
  return snapshotNameVariant(base, n);
}
