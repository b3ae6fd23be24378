/** Least-squares slope of samples taken every stepMs, in units per minute. */
export function slopePerMinute(ys: readonly number[], stepMs: number): number | undefined {
  if (ys.length < 2) return undefined;
  const xs = ys.map((_, i) => (i * stepMs) / 60_000);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < ys.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return num / den;
}
