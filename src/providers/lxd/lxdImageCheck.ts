import { SwarmError } from '../../shared/errors.js';
import { CODER_UID } from '../common/codeServer.js';
import { LxdApiError, type LxdClient } from './lxdClient.js';
import { fileHeaders, filesPath } from './lxdPaths.js';

const CODE_SERVER_UNIT = 'code-server@coder';
const CODE_SERVER_PATHS = ['/usr/bin/code-server', '/usr/lib/code-server'];
const UNIT_PATHS = [
  '/etc/systemd/system/code-server@.service',
  '/usr/lib/systemd/system/code-server@.service',
  '/lib/systemd/system/code-server@.service',
];
const UNIT_WANTS = `/etc/systemd/system/multi-user.target.wants/${CODE_SERVER_UNIT}.service`;
/** The passwd line of user coder with the uid code-server runs as. */
const CODER_LINE = new RegExp(`^coder:[^:]*:${CODER_UID}:`);
const INSTALL_HINT =
  "Install code-server in the image (e.g. with code-server's install script, which also installs the code-server@ systemd unit), add a user coder (uid 1000), then publish it as an alias (lxc publish CONTAINER --alias NAME)";

/** The systemd unit code-server runs as inside an instance (its journal is the instance's log). */
export const LXD_CODE_SERVER_UNIT = CODE_SERVER_UNIT;

/**
 * Refuses images that cannot run code-server (no binary, no unit, no coder
 * user), looking into the new instance's files; makes sure the unit starts at boot.
 */
export async function checkImage(api: LxdClient, name: string, image: string): Promise<void> {
  const exists = async (path: string): Promise<boolean> => {
    const r = await api.head(filesPath(name, path));
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    throw new LxdApiError(r.status, `HEAD ${path} answered HTTP ${r.status}`, 'HEAD', filesPath(name, path));
  };
  if (!(await findAsync(CODE_SERVER_PATHS, exists))) {
    throw new SwarmError(`The image ${image} has no code-server installed`, { code: 'image-missing', hint: INSTALL_HINT });
  }
  const unit = await findAsync(UNIT_PATHS, exists);
  if (!unit) {
    throw new SwarmError(`The image ${image} has code-server but no systemd unit code-server@.service`, {
      code: 'image-missing',
      hint: INSTALL_HINT,
    });
  }
  const passwd = (await api.raw('GET', filesPath(name, '/etc/passwd'))).body.toString('utf8');
  if (!passwd.split('\n').some((l) => CODER_LINE.test(l))) {
    throw new SwarmError(`The image ${image} has no user coder (uid ${CODER_UID}) for code-server to run as`, {
      code: 'image-missing',
      hint: INSTALL_HINT,
    });
  }
  // code-server's own package installs the unit without enabling it.
  if (!(await exists(UNIT_WANTS))) {
    await api.run('POST', filesPath(name, UNIT_WANTS), { rawBody: unit, headers: fileHeaders('symlink', 0, 0o777) });
  }
}

async function findAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<T | undefined> {
  for (const item of items) if (await test(item)) return item;
  return undefined;
}
