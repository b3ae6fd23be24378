import { SwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';

/** The engine behind a unix socket, as an error about it must name it. */
export interface EngineSocket {
  /** "Docker", "LXD" or "Incus". */
  readonly engine: string;
  readonly path: string;
  /** The group whose members may use the socket. */
  readonly group: string;
  /** The provider to suggest instead ("Docker" for an LXD host and the other way round). */
  readonly otherProvider: string;
}

/** Whether a link error is about opening the engine's socket (and so worth explaining). */
export function isSocketFailure(e: unknown): e is SwarmError {
  return e instanceof SwarmError && (e.code === 'permission-denied' || e.code === 'engine-missing');
}

/**
 * Turns a socket that could not be opened into "not installed" or "not
 * allowed": the link alone cannot tell them apart over SSH (sshd refuses both
 * the same way), so the host is asked whether the socket exists.
 */
export async function explainSocketFailure(e: SwarmError, link: HostLink, socket: EngineSocket): Promise<SwarmError> {
  let exists = e.code === 'permission-denied';
  try {
    exists = (await link.exec(['test', '-S', socket.path], { timeoutMs: 5_000 })).code === 0;
  } catch {
    // Keep the first diagnosis.
  }
  if (!exists) {
    return new SwarmError(`${socket.engine} is not installed or not running on ${link.label} (no socket at ${socket.path})`, {
      code: 'engine-missing',
      hint: `Install and start ${socket.engine} there, check the socket path of the host, or add the host with the ${socket.otherProvider} provider`,
      cause: e,
    });
  }
  return new SwarmError(`Permission denied on the ${socket.engine} socket ${socket.path} of ${link.label}`, {
    code: 'permission-denied',
    hint: `Add your SSH user to the ${socket.group} group on that host (usermod -aG ${socket.group} USER), then test the host again; the host doctor can do it for you (code-swarm hosts doctor NAME --fix, or Check Host)`,
    cause: e,
  });
}
