import { SwarmError } from '../shared/errors.js';

/** The user backed out (Escape, a closed picker, "Cancel"): the error handler stays silent on it. */
export function cancelled(): SwarmError {
  return new SwarmError('Cancelled', { code: 'cancelled' });
}
