import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { CODE_SERVER_INIT, CODE_SERVER_MOUNT, CODE_SERVER_NO_INIT, CODE_SERVER_READY } from '../common/codeServer.js';
import type { DockerEngine } from './dockerEngine.js';

/** What an image holds that decides how code-server runs in it, read without running anything of it. */
export interface ImageProbe {
  /** A `code-server` on the image's PATH: it runs as it always did. */
  readonly hasCodeServer: boolean;
  /** Which C library's loader the image has for its architecture. */
  readonly libc: 'glibc' | 'musl' | 'none';
  /** Node (code-server's runtime) links libstdc++ and libgcc_s dynamically. */
  readonly hasLibstdcxx: boolean;
  /**
   * The code-server volume (when mounted in the probe) is filled and
   * complete, and says whether it has an init (a copy made before inits were
   * copied does not say: it is filled again, which adds one).
   */
  readonly volumeReady: boolean;
  /** That volume holds an init of its own. */
  readonly volumeInit: boolean;
  /** The image's /etc/passwd, when asked for (to turn a user name into a uid). */
  readonly passwd: string | undefined;
}

/** An image whose OCI title says it is code-server: taken at its word, run as it is. */
export function titledCodeServer(labels: Readonly<Record<string, string>> | null | undefined): boolean {
  return labels?.['org.opencontainers.image.title'] === 'code-server';
}

/** Where each architecture keeps its loaders and libraries (Debian's multiarch dirs, then the RPM and Arch ones). */
const ARCH: Record<string, { glibc: string; musl: string; multiarch: string }> = {
  amd64: { glibc: '/lib64/ld-linux-x86-64.so.2', musl: '/lib/ld-musl-x86_64.so.1', multiarch: 'x86_64-linux-gnu' },
  arm64: { glibc: '/lib/ld-linux-aarch64.so.1', musl: '/lib/ld-musl-aarch64.so.1', multiarch: 'aarch64-linux-gnu' },
};

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PASSWD_MAX = 1024 * 1024;

/** The loader paths we know for an architecture, or undefined for one we do not run code-server on. */
export function archPaths(arch: string): (typeof ARCH)[string] | undefined {
  return ARCH[arch];
}

/**
 * Looks inside an image through a container that is created and never
 * started (the archive API stats paths of a stopped container, volumes
 * included), then removed: no process of the image runs, so an image without
 * a shell, or for another architecture, is read all the same.
 */
export async function probeImage(
  engine: DockerEngine,
  image: string,
  info: Docker.ImageInspectInfo,
  options: { volume?: string; passwd?: boolean } = {},
): Promise<ImageProbe> {
  const container = await engine.call('look inside the image', () =>
    engine.api.createContainer({
      Image: image,
      // Never started; an entrypoint that cannot exist makes sure it never could.
      Entrypoint: ['/nonexistent/code-swarm-probe'],
      Cmd: [],
      NetworkDisabled: true,
      Labels: { 'code-swarm.probe': '1' },
      HostConfig: {
        NetworkMode: 'none',
        Mounts: options.volume ? [{ Type: 'volume', Source: options.volume, Target: CODE_SERVER_MOUNT, ReadOnly: true }] : [],
      },
    }),
  );
  try {
    const exists = (path: string) => statPath(engine, container, path);
    const arch = archPaths(info.Architecture);
    const path = envOf(info, 'PATH') ?? DEFAULT_PATH;
    const dirs = [...new Set(path.split(':').filter((d) => d.startsWith('/')))];
    const libDirs = arch ? [`/usr/lib/${arch.multiarch}`, `/lib/${arch.multiarch}`, '/usr/lib64', '/usr/lib'] : [];
    const [codeServer, glibc, musl, libstdcxx, complete, init, noInit, passwd] = await Promise.all([
      anyOf(dirs.map((d) => exists(`${d}/code-server`))),
      arch ? exists(arch.glibc) : Promise.resolve(false),
      arch ? exists(arch.musl) : Promise.resolve(false),
      anyOf(libDirs.map((d) => exists(`${d}/libstdc++.so.6`))),
      options.volume ? exists(`${CODE_SERVER_MOUNT}/${CODE_SERVER_READY}`) : Promise.resolve(false),
      options.volume ? exists(`${CODE_SERVER_MOUNT}/${CODE_SERVER_INIT}`) : Promise.resolve(false),
      options.volume ? exists(`${CODE_SERVER_MOUNT}/${CODE_SERVER_NO_INIT}`) : Promise.resolve(false),
      options.passwd ? readFile(engine, container, '/etc/passwd') : Promise.resolve(undefined),
    ]);
    return {
      hasCodeServer: codeServer,
      libc: glibc ? 'glibc' : musl ? 'musl' : 'none',
      hasLibstdcxx: libstdcxx,
      volumeReady: complete && (init || noInit),
      volumeInit: complete && init,
      passwd,
    };
  } finally {
    await container.remove({ force: true, v: false }).catch(() => undefined);
  }
}

/** One variable of the image's environment. */
export function envOf(info: Docker.ImageInspectInfo, name: string): string | undefined {
  const entry = (info.Config?.Env ?? []).find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

async function anyOf(checks: Promise<boolean>[]): Promise<boolean> {
  return (await Promise.all(checks)).some(Boolean);
}

/** HEAD /containers/{id}/archive: 200 when the path exists (a symlink counts), 404 when not. */
export async function statPath(engine: DockerEngine, container: Docker.Container, path: string): Promise<boolean> {
  const res = (await engine.call(`look for ${path} in the image`, () => container.infoArchive({ path }), undefined, [404])) as
    Readable | undefined;
  res?.resume();
  return res !== undefined;
}

/** One small file of the image, out of the tar the archive API answers with; undefined when absent. */
async function readFile(engine: DockerEngine, container: Docker.Container, path: string): Promise<string | undefined> {
  const stream = (await engine.call(`read ${path} in the image`, () => container.getArchive({ path }), undefined, [404])) as
    Readable | undefined;
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > PASSWD_MAX + 1024) {
      stream.destroy();
      return undefined;
    }
    chunks.push(b);
  }
  const tar = Buffer.concat(chunks);
  if (tar.length < 512) return undefined;
  const length = parseInt(tar.toString('ascii', 124, 136).replace(/\0.*$/, '').trim(), 8);
  return Number.isFinite(length) ? tar.toString('utf8', 512, 512 + length) : undefined;
}
