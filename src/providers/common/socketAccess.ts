import { type CheckContext, error, type Finding, ok } from '../hostCheck.js';
import { asRoot, remoteUser } from './hostFacts.js';
import type { EngineSocket } from './explainSocketFailure.js';

/** What the host says about an engine's socket, for this login. */
export interface SocketState {
  readonly exists: boolean;
  /** Octal permission bits, e.g. `660`. */
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
  /** This login may read and write it (its groups as they are now). */
  readonly usable: boolean;
}

const SOCKET_SCRIPT =
  'if [ -S "$1" ]; then stat -L -c "%a %U %G" "$1" && if [ -r "$1" ] && [ -w "$1" ]; then echo yes; else echo no; fi; else echo missing; fi';

export function parseSocketState(stdout: string): SocketState {
  const [first, second] = stdout.trim().split('\n');
  if (first === 'missing') return { exists: false, mode: '', owner: '', group: '', usable: false };
  const [mode, owner, group] = (first ?? '').split(' ');
  if (!mode || !owner || !group || (second !== 'yes' && second !== 'no')) {
    throw new Error(`unexpected socket state: ${JSON.stringify(stdout.slice(0, 80))}`);
  }
  return { exists: true, mode, owner, group, usable: second === 'yes' };
}

export async function socketState(ctx: CheckContext, path: string): Promise<SocketState> {
  return ctx.fact(`socket:${path}`, async () => {
    const r = await ctx.exec(['sh', '-c', SOCKET_SCRIPT, 'sh', path]);
    if (r.code !== 0) throw new Error(`stat of ${path} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    return parseSocketState(r.stdout);
  });
}

/**
 * Whether the SSH user may use the engine's socket, and if not, why (group,
 * mode, a login older than the membership) and the fix: joining the
 * socket's group, then a new login (`reconnect`).
 */
export async function socketAccess(ctx: CheckContext, code: string, socket: EngineSocket): Promise<Finding> {
  const [s, user] = await Promise.all([socketState(ctx, socket.path), remoteUser(ctx)]);
  const where = `${socket.path} (mode ${s.mode}, ${s.owner}:${s.group})`;
  if (!s.exists) return error(code, `No ${socket.engine} socket at ${socket.path}: ${socket.engine} is not installed or not running`);
  if (s.usable) return ok(code, `${user.name} may use ${where}`);
  const groupMayUse = /^[0-7]*[67][0-7]$/.test(s.mode);
  if (!groupMayUse) {
    return error(
      code,
      `${where} lets only its owner in: have ${socket.engine} create it group read-write for group ${socket.group} in its own settings (its socket unit or --group), not by hand`,
    );
  }
  // Joining group root would give far more than the socket: the engine must make the socket its own group's.
  if (s.group === 'root') {
    return error(
      code,
      `${user.name} may not use ${where}: only root may; have ${socket.engine} create it for group ${socket.group} (SocketGroup= in its socket unit, or its --group), never by joining group root`,
    );
  }
  if (user.groups.includes(s.group)) {
    return {
      ...error(code, `${user.name} is in group ${s.group} but this SSH login predates it: the connection must be reopened`),
      reconnect: true,
    };
  }
  const fix = [await asRoot(ctx, ['usermod', '-aG', s.group, user.name])];
  return {
    ...error(code, `${user.name} may not use ${where}: ${user.name} is not in group ${s.group}`, fix),
    reconnect: true,
  };
}
