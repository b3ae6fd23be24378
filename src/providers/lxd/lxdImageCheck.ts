import { SwarmError } from '../../shared/errors.js';
import { CODER_UID } from '../common/codeServer.js';
import { LxdApiError, type LxdClient } from './lxdClient.js';
import { filesPath, instancePath } from './lxdPaths.js';

const CODE_SERVER_UNIT = 'code-server@coder';
const CODE_SERVER_PATHS = ['/usr/bin/code-server', '/usr/lib/code-server'];
const UNIT_PATHS = [
  '/etc/systemd/system/code-server@.service',
  '/usr/lib/systemd/system/code-server@.service',
  '/lib/systemd/system/code-server@.service',
];
/** The passwd line of user coder with the uid code-server runs as. */
const CODER_LINE = new RegExp(`^coder:[^:]*:${CODER_UID}:`);
const INSTALL_HINT =
  "Install code-server in the image (e.g. with code-server's install script, which also installs the code-server@ systemd unit), add a user coder (uid 1000), then publish it as an alias (lxc publish CONTAINER --alias NAME)";

/** The systemd unit code-server runs as inside an instance (its journal is the instance's log). */
export const LXD_CODE_SERVER_UNIT = CODE_SERVER_UNIT;

/**
 * Refuses images that cannot run code-server (no binary, no unit, no coder
 * user), looking into the instance's files through the files API, every look
 * at once. Never before the first start: on a stopped container each file
 * request ends with LXD's forkfile helper syncing the whole file system, and
 * the start waits for that; right after the image was unpacked it flushes all
 * of it (seconds on a `dir` pool). So a create checks once the instance has
 * started (checkStartedImage), or here once its start failed. The unit is
 * started at boot by a drop-in of the first start (codeServerConfig.ts).
 */
export async function checkImage(api: LxdClient, name: string, image: string): Promise<void> {
  const exists = async (path: string): Promise<boolean> => {
    const r = await api.head(filesPath(name, path));
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    throw new LxdApiError(r.status, `HEAD ${path} answered HTTP ${r.status}`, 'HEAD', filesPath(name, path));
  };
  const [binaries, units, passwd] = await Promise.all([
    Promise.all(CODE_SERVER_PATHS.map(exists)),
    Promise.all(UNIT_PATHS.map(exists)),
    api.raw('GET', filesPath(name, '/etc/passwd')),
  ]);
  if (!binaries.some(Boolean)) {
    throw new SwarmError(`The image ${image} has no code-server installed`, { code: 'image-missing', hint: INSTALL_HINT });
  }
  if (!units.some(Boolean)) {
    throw new SwarmError(`The image ${image} has code-server but no systemd unit code-server@.service`, {
      code: 'image-missing',
      hint: INSTALL_HINT,
    });
  }
  if (
    !passwd.body
      .toString('utf8')
      .split('\n')
      .some((l) => CODER_LINE.test(l))
  ) {
    throw new SwarmError(`The image ${image} has no user coder (uid ${CODER_UID}) for code-server to run as`, {
      code: 'image-missing',
      hint: INSTALL_HINT,
    });
  }
}

/** What the check in the instance exits with when the image is fine; anything else is looked at through the files API. */
const IMAGE_OK = 0;

/**
 * The same checks as one command in the instance (`/bin/sh` as root), for a
 * started instance: an exec costs no sync of the file system, so neither the
 * boot nor the next stop waits for one (see checkImage). Passwd is read by
 * sh itself; no grep needed.
 */
export function imageCheckScript(): string {
  const anyOf = (paths: readonly string[]) => `{ ${paths.map((p) => `[ -e ${p} ]`).join(' || ')}; }`;
  return [
    `${anyOf(CODE_SERVER_PATHS)} || exit 10`,
    `${anyOf(UNIT_PATHS)} || exit 11`,
    `while IFS=: read -r user _ uid _ || [ -n "$user" ]; do [ "$user" = coder ] && [ "$uid" = ${CODER_UID} ] && exit ${IMAGE_OK}; done < /etc/passwd`,
    'exit 12',
  ].join('\n');
}

/**
 * checkImage for an instance that has started: one exec says the image is
 * fine. Anything else (a check that failed, no /bin/sh, an exec LXD
 * refused) is decided by checkImage itself, so the errors stay its own.
 */
export async function checkStartedImage(api: LxdClient, name: string, image: string): Promise<void> {
  const op = await api
    .operation('POST', `${instancePath(name)}/exec`, {
      body: {
        command: ['/bin/sh', '-c', imageCheckScript()],
        environment: {},
        'wait-for-websocket': false,
        interactive: false,
        // Without recorded output LXD would hand the command no stdout or stderr at all.
        'record-output': true,
      },
      waitS: 60,
    })
    .catch(() => undefined);
  if (op?.metadata?.['return'] === IMAGE_OK) return;
  await checkImage(api, name, image);
}
