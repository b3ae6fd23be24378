import { type CheckContext, error, type Finding, ok, warning } from '../hostCheck.js';

/** The SSH user as the host sees it: the groups of this login, and those the group database gives it now. */
export interface RemoteUser {
  readonly name: string;
  readonly uid: number;
  /** Groups of the processes this connection starts (fixed at login). */
  readonly sessionGroups: readonly string[];
  /** Groups a new login would get (a usermod since this login shows here only). */
  readonly groups: readonly string[];
}

// `id -Gn NAME` reads the group database; `id -Gn` the current process.
const USER_SCRIPT = 'u=$(id -un) && id -u && echo "$u" && id -Gn && id -Gn "$u"';

export function parseRemoteUser(stdout: string): RemoteUser {
  const [uid, name, session, db] = stdout.split('\n');
  const uidNum = Number(uid);
  if (!name || !Number.isInteger(uidNum)) throw new Error(`unexpected output of id: ${JSON.stringify(stdout.slice(0, 80))}`);
  const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
  return { name, uid: uidNum, sessionGroups: words(session), groups: words(db) };
}

export function remoteUser(ctx: CheckContext): Promise<RemoteUser> {
  return ctx.fact('user', async () => {
    const r = await ctx.exec(['sh', '-c', USER_SCRIPT]);
    if (r.code !== 0) throw new Error(`id failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    return parseRemoteUser(r.stdout);
  });
}

/** argv as root: as is for root, else through `sudo -n` (never a password prompt: the doctor runs unattended). */
export async function asRoot(ctx: CheckContext, argv: readonly string[]): Promise<string[]> {
  return (await remoteUser(ctx)).uid === 0 ? [...argv] : ['sudo', '-n', ...argv];
}

export const GiB = 1024 ** 3;
const DISK_ERROR_BYTES = 1 * GiB;
const DISK_WARNING_BYTES = 5 * GiB;

// The nearest ancestor the user may stat: engine data roots are often not
// searchable by others, but the file system they live on is what counts.
const DF_SCRIPT = 'd=$1; while [ "$d" != / ] && ! df -Pk "$d" >/dev/null 2>&1; do d=$(dirname "$d"); done; df -Pk "$d"';

/** Free bytes and mount point from `df -Pk` (POSIX format: one header line, then 1024-blocks). */
export function parseDf(stdout: string): { availableBytes: number; mountedOn: string } {
  const line = stdout.trim().split('\n')[1];
  const cols = (line ?? '').trim().split(/\s+/);
  const avail = Number(cols[3]);
  if (cols.length < 6 || !Number.isFinite(avail)) throw new Error(`unexpected output of df: ${JSON.stringify(stdout.slice(0, 120))}`);
  return { availableBytes: avail * 1024, mountedOn: cols.slice(5).join(' ') };
}

/** Whether `path`'s file system has room for images and workspaces. */
export async function freeDisk(ctx: CheckContext, code: string, what: string, path: string): Promise<Finding> {
  const r = await ctx.exec(['sh', '-c', DF_SCRIPT, 'sh', path]);
  if (r.code !== 0) throw new Error(`df failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  const { availableBytes, mountedOn } = parseDf(r.stdout);
  const text = `${(availableBytes / GiB).toFixed(1)} GiB free for ${what} (${path}, on ${mountedOn})`;
  if (availableBytes < DISK_ERROR_BYTES) return error(code, `${text}: creates will fail; free some space`);
  if (availableBytes < DISK_WARNING_BYTES) return warning(code, `${text}: a code-server image and a few workspaces need more`);
  return ok(code, text);
}
