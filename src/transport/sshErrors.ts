import { SwarmError } from '../shared/errors.js';
import type { HostKeyVerdict } from './knownHosts.js';
import type { SshEndpoint, UnknownHostKey } from './sshTypes.js';

/** Raised when the host's key is not known yet; carries the key so a UI can ask and then trust it. */
export class HostKeyUnknownError extends SwarmError {
  constructor(
    message: string,
    hint: string,
    readonly key: UnknownHostKey,
  ) {
    super(message, { code: 'host-key-unknown', hint });
  }
}

/** Turns what ssh2 or the socket threw while connecting into one actionable error. */
export function connectError(
  endpoint: SshEndpoint,
  e: unknown,
  verdict: HostKeyVerdict | undefined,
  keyBlob: Buffer | undefined,
): SwarmError {
  if (e instanceof SwarmError) return e;
  const { label, host, port, username } = endpoint;
  const where = `${label} (${host}:${port})`;
  if (verdict && verdict.kind !== 'match' && keyBlob) {
    if (verdict.kind === 'changed') {
      return new SwarmError(
        `The host key of ${where} has CHANGED: it presented ${verdict.keyType} ${verdict.fingerprint}, known_hosts has ${verdict.knownFingerprints.join(', ')}`,
        {
          code: 'host-key-changed',
          hint: `Refusing to connect. If the host was really reinstalled, remove the old key (ssh-keygen -R ${host}) and add the host again`,
        },
      );
    }
    if (verdict.kind === 'revoked') {
      return new SwarmError(`The host key of ${where} (${verdict.fingerprint}) is revoked in known_hosts`, {
        code: 'host-key-changed',
        hint: 'Refusing to connect; ask the host owner for its current key',
      });
    }
    return new HostKeyUnknownError(
      `The host key of ${where} is unknown: ${verdict.keyType} ${verdict.fingerprint}`,
      'Check the fingerprint with the host owner, then accept it (CLI: --accept-new-host-key)',
      { label, host, port, keyType: verdict.keyType, fingerprint: verdict.fingerprint, keyBlob },
    );
  }
  const err = e as NodeJS.ErrnoException & { level?: string };
  const msg = err?.message ?? String(e);
  switch (err?.code) {
    case 'ECONNREFUSED':
      return new SwarmError(`${where} refused the SSH connection`, {
        code: 'unreachable',
        hint: 'Is sshd running there, on that port?',
        cause: e,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new SwarmError(`${where} is unreachable (${err.code})`, {
        code: 'unreachable',
        hint: 'Check the network path to the host',
        cause: e,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SwarmError(`Cannot resolve the host name ${host}`, {
        code: 'unreachable',
        hint: 'Check the address (or the HostName in ~/.ssh/config)',
        cause: e,
      });
    case 'ETIMEDOUT':
      return new SwarmError(`Timed out connecting to ${where}`, {
        code: 'timeout',
        hint: 'The host is not answering; check that it is up',
        cause: e,
      });
    case 'ECONNRESET':
      return new SwarmError(`${where} reset the SSH connection`, {
        code: 'unreachable',
        hint: 'Check sshd on the host and its MaxStartups limit',
        cause: e,
      });
    default:
      break;
  }
  if (err?.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return new SwarmError(`SSH authentication as ${username} on ${where} failed`, {
      code: 'auth',
      hint: 'Load your key into ssh-agent or set the right identity file for this host',
      cause: e,
    });
  }
  if (err?.level === 'client-timeout' || /timed out/i.test(msg)) {
    return new SwarmError(`Timed out during the SSH handshake with ${where}`, {
      code: 'timeout',
      hint: 'The host is not answering SSH; check that it is up',
      cause: e,
    });
  }
  return new SwarmError(`SSH connection to ${where} failed: ${msg}`, {
    code: 'unreachable',
    hint: 'Check the host, its sshd and the network',
    cause: e,
  });
}

export function channelError(endpoint: SshEndpoint, what: string, e: unknown): SwarmError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/administratively prohibited|open failed/i.test(msg)) {
    return new SwarmError(`${endpoint.label} refused to open ${what} over SSH (${msg})`, {
      code: 'permission-denied',
      hint: 'The socket may not exist or your user may not be allowed to use it; sshd also needs AllowTcpForwarding/AllowStreamLocalForwarding',
      cause: e,
    });
  }
  if (/not connected|no response|closed/i.test(msg)) {
    return new SwarmError(`Lost the SSH connection to ${endpoint.label} while opening ${what}`, { code: 'unreachable', cause: e });
  }
  return new SwarmError(`Could not open ${what} on ${endpoint.label}: ${msg}`, { code: 'internal', cause: e });
}
