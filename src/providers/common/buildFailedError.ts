import { SwarmError } from '../../shared/errors.js';

/**
 * A build on the host that failed: the failing step in the message, the end
 * of the build's log kept for the instance's `failed` record, so the reason
 * stays readable after the notification is gone. A devcontainer's
 * postCreateCommand that fails is one too (core/postCreateCommand.ts).
 */
export class BuildFailedError extends SwarmError {
  constructor(
    message: string,
    readonly logTail: string,
    cause?: unknown,
    hint = 'Fix the Dockerfile (the log tail is in the instance record and in the output), then create it again',
  ) {
    super(message, {
      code: 'invalid-input',
      hint,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
