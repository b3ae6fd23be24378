export type SwarmErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'conflict'
  | 'unreachable'
  | 'auth'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'permission-denied'
  | 'engine-missing'
  | 'image-missing'
  | 'timeout'
  | 'store-corrupt'
  | 'store-readonly'
  | 'cancelled'
  | 'internal';

export interface SwarmErrorOptions {
  hint?: string;
  code?: SwarmErrorCode;
  cause?: unknown;
}

/**
 * The one error type that crosses layer boundaries: the CLI prints `oneLine()`
 * on stderr and the UI shows it in a notification, so `message` says what went
 * wrong and `hint` says what the user can do about it.
 */
export class SwarmError extends Error {
  readonly hint?: string;
  readonly code: SwarmErrorCode;

  constructor(message: string, opts: SwarmErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SwarmError';
    this.code = opts.code ?? 'internal';
    if (opts.hint !== undefined && opts.hint !== '') this.hint = opts.hint;
  }

  oneLine(): string {
    const text = this.hint === undefined ? this.message : `${this.message} — ${this.hint}`;
    // Messages may embed remote output; a stray newline would break the CLI's one-line contract.
    return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').trim();
  }
}

export function toSwarmError(e: unknown): SwarmError {
  if (e instanceof SwarmError) return e;
  if (e instanceof Error) {
    const code: SwarmErrorCode = e.name === 'AbortError' ? 'cancelled' : 'internal';
    return new SwarmError(e.message || e.name || 'Unexpected error', { code, cause: e });
  }
  return new SwarmError(`Unexpected error: ${describe(e)}`, { code: 'internal', cause: e });
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    // Cyclic objects and throwing toJSON/toString must not turn error handling into a crash.
    return Object.prototype.toString.call(value);
  }
}
