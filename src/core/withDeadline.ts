import { SwarmError } from '../shared/errors.js';

/**
 * `p`, or a `timeout` SwarmError after `ms`. What `p` yields too late is
 * handed to `discardLate` (a stream nobody will read must be destroyed).
 */
export function withDeadline<T>(p: Promise<T>, ms: number, discardLate?: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new SwarmError(`no answer within ${ms} ms`, { code: 'timeout' }));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        if (late) discardLate?.(v);
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!late) reject(e);
      },
    );
  });
}
