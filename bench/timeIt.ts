/** Milliseconds `fn` took, start to settle (a rejection passes through untimed). */
export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
