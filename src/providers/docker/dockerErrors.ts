/** The HTTP status of a failed dockerode call, if the engine answered at all. */
export function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The engine's own message (its JSON `message`), else the error's. */
export function messageOf(e: unknown): string {
  const j = (e as { json?: { message?: unknown } } | null)?.json?.message;
  if (typeof j === 'string') return j;
  return e instanceof Error ? e.message : String(e);
}
