/**
 * The later items in the order of the shown ones (matched by label); new ones
 * go last, in their own order. A picker that re-sorted while open would move
 * an item from under the user's pointer, and VS Code names the picked item by
 * its index, so an Enter already on its way would take another one.
 */
export function inShownOrder<T extends { readonly label: string }>(shown: readonly T[], later: readonly T[]): T[] {
  const at = new Map(shown.map((item, i) => [item.label, i]));
  const rank = (item: T) => at.get(item.label) ?? shown.length;
  return [...later].sort((a, b) => rank(a) - rank(b));
}
