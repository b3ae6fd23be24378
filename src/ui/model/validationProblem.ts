import { toSwarmError } from '../../shared/errors.js';

/** Runs a core validator that throws, for an input box: the one-line message, or undefined when valid. */
export function validationProblem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    return toSwarmError(e).oneLine();
  }
}
