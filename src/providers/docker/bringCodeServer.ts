import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODER_UID } from '../common/codeServer.js';
import type { CodeServerInjection, CreateOptions, InstanceSpec } from '../provider.js';
import { PROJECT_DIR } from './containerOptions.js';
import { codeServerVolumeName, type CodeServerSource, fillCodeServerVolume, findCodeServerSource } from './codeServerVolume.js';
import type { DockerEngine } from './dockerEngine.js';
import { archPaths, type ImageProbe, probeImage, titledCodeServer } from './imageProbe.js';
import { tarDirectories } from './tarDirectories.js';

/** The home of an instance user the image does not know (root's images): made for it, owned by it. */
const FALLBACK_HOME = '/home/coder';

/**
 * How code-server runs in this image: undefined when the image has its own
 * (it runs as it always did), else the host's code-server volume to mount and
 * the user and home to run it with. An image code-server cannot run in is
 * refused here, before anything of the instance exists.
 */
export async function planCodeServer(
  engine: DockerEngine,
  spec: InstanceSpec,
  info: Docker.ImageInspectInfo,
  options: CreateOptions,
): Promise<CodeServerInjection | undefined> {
  // An image that says it is code-server is taken at its word: no probe on the usual path.
  if (titledCodeServer(info.Config?.Labels)) return undefined;
  const source = await findCodeServerSource(engine, spec.codeServerImage).catch((e: unknown) => e as SwarmError);
  const volume = source instanceof SwarmError ? undefined : codeServerVolumeName(source);
  const filled = volume ? await volumeExists(engine, volume) : false;
  const probe = await probeImage(engine, spec.image, info, { ...(filled && volume ? { volume } : {}), passwd: true });
  if (probe.hasCodeServer) return undefined;
  if (source instanceof SwarmError) throw source;
  refuseUnfit(spec.image, info, source, probe);
  const who = resolveRunUser(spec.image, info.Config?.User ?? '', probe.passwd);
  const init = probe.volumeReady ? probe.volumeInit : await fillCodeServerVolume(engine, source, volume!, options);
  return { volume: volume!, user: `${who.uid}:${who.gid}`, uid: who.uid, gid: who.gid, home: who.home, ...(init ? { init } : {}) };
}

/** Makes the home and the workspace the instance's user's own, in the created container (the workspace volume included). */
export async function prepareDirectories(engine: DockerEngine, container: Docker.Container, injection: CodeServerInjection): Promise<void> {
  const own = (path: string) => ({ path: path.replace(/^\/+/, ''), uid: injection.uid, gid: injection.gid, mode: 0o755 });
  const tar = tarDirectories([own(injection.home), own(PROJECT_DIR)]);
  await engine.call('make the home and workspace directories', () => container.putArchive(tar, { path: '/' }));
}

/** Why code-server cannot run in an image, in a few words; undefined when it can. */
export function unfitReason(
  image: { architecture: string },
  source: { image: string; architecture: string },
  probe: Pick<ImageProbe, 'libc' | 'hasLibstdcxx'>,
): string | undefined {
  if (image.architecture !== source.architecture) {
    return `it is built for ${image.architecture}, code-server (${source.image}) for ${source.architecture}`;
  }
  if (!archPaths(image.architecture)) return `its architecture ${image.architecture} is not supported`;
  if (probe.libc === 'musl') return 'it is musl-based (Alpine?), and code-server needs glibc';
  if (probe.libc === 'none') return 'it has no glibc loader';
  if (!probe.hasLibstdcxx) return 'it has no libstdc++ (node needs libstdc++6 and libgcc-s1)';
  return undefined;
}

function refuseUnfit(image: string, info: Docker.ImageInspectInfo, source: CodeServerSource, probe: ImageProbe): void {
  const why = unfitReason({ architecture: info.Architecture }, source, probe);
  if (why === undefined) return;
  throw new SwarmError(`The image ${image} has no code-server and cannot run the one Code Swarm brings: ${why}`, {
    code: 'invalid-input',
    hint: 'Use an image based on a glibc distribution (Debian, Ubuntu, Fedora…) built for the host, or one with code-server installed',
  });
}

interface UserWanted {
  /** A name to look up in the image's /etc/passwd. */
  readonly name?: string;
  readonly uid?: number;
  readonly gid?: number;
}

/** The image's own user unless it is root: code-server never runs as root here. */
function runAs(user: string): UserWanted {
  const [who = '', group] = user.split(':');
  if (who === '' || who === 'root' || who === '0') return { uid: CODER_UID, gid: CODER_UID };
  const uid = /^\d+$/.test(who) ? Number(who) : undefined;
  const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : undefined;
  return uid !== undefined ? { uid, gid: gid ?? uid } : { name: who, ...(gid !== undefined ? { gid } : {}) };
}

/**
 * Who runs code-server, and where its home is: the image's user unless it is
 * root (then uid 1000), a name turned into its uid through the image's own
 * /etc/passwd, HOME from there or /home/coder.
 */
export function resolveRunUser(image: string, configUser: string, passwd: string | undefined): { uid: number; gid: number; home: string } {
  const user = runAs(configUser);
  const entry = (passwd ?? '')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => (user.name !== undefined ? f[0] === user.name : f[2] === String(user.uid)));
  if (user.name !== undefined && !entry) {
    throw new SwarmError(`The image ${image} runs as ${user.name}, who is not in its /etc/passwd`, {
      code: 'invalid-input',
      hint: 'Give the image a USER that exists in it, or a numeric uid',
    });
  }
  const uid = user.uid ?? Number(entry?.[2]);
  const gid = user.gid ?? (entry ? Number(entry[3]) : uid);
  // A name that is root under another name gets the fallback, like root itself.
  if (uid === 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) return { uid: CODER_UID, gid: CODER_UID, home: FALLBACK_HOME };
  const home = entry?.[5];
  const usable = home && home !== '/' && home.startsWith('/') && !home.startsWith('/nonexistent') && !home.includes('..');
  return { uid, gid, home: usable ? home : FALLBACK_HOME };
}

async function volumeExists(engine: DockerEngine, name: string): Promise<boolean> {
  const v = await engine.call('inspect the code-server volume', () => engine.api.getVolume(name).inspect(), undefined, [404]);
  return v !== undefined;
}
