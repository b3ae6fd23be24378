import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODE_SERVER_DIR, CODE_SERVER_INIT, CODE_SERVER_READY } from '../common/codeServer.js';
import { firstLine, throwIfAborted } from '../common/providerErrors.js';
import type { CreateOptions } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';
import { messageOf, statusOf } from './dockerErrors.js';
import { demuxBuffer } from './dockerLogs.js';
import { statPath, titledCodeServer } from './imageProbe.js';

/** The image code-server is copied from: one the host has. */
export interface CodeServerSource {
  readonly image: string;
  /** The image's id: the volume is filled once per host and per code-server build. */
  readonly id: string;
  readonly architecture: string;
}

/** Labels on the volume and on its filling container, so `docker volume ls` says what it is. */
export const FILL_LABEL = 'code-swarm.code-server-from';
/** A fill copies ~1 GB once per host; a slow disk gets this long. */
const FILL_DEADLINE_MS = 10 * 60_000;
const FILL_POLL_MS = 500;

/**
 * Where code-server comes from: the image named by the user (setting or
 * option), else the newest image on the host named `code-server`, else the
 * newest with the OCI title label `code-server` (a title alone may belong to
 * a stand-in that answers like code-server without being it).
 */
export async function findCodeServerSource(engine: DockerEngine, named: string | undefined): Promise<CodeServerSource> {
  if (named) {
    const info = await engine.call(`inspect the code-server image ${named}`, () => engine.api.getImage(named).inspect(), undefined, [404]);
    if (!info) {
      throw new SwarmError(`The code-server image ${named} is not on ${engine.link.label}`, {
        code: 'image-missing',
        hint: 'Load it there (docker load / docker import), or name another one that the host has',
      });
    }
    return { image: named, id: info.Id, architecture: info.Architecture };
  }
  const images = await engine.call('list images', () => engine.api.listImages());
  // A repository named code-server first (the image itself), then anything titled so; the newest of each.
  const rank = (i: Docker.ImageInfo) => (isCodeServerRepo(i) ? 0 : 1);
  const candidates = images.filter(isCodeServerImage).sort((a, b) => rank(a) - rank(b) || b.Created - a.Created);
  const best = candidates[0];
  if (!best) {
    throw new SwarmError(`${engine.link.label} has no code-server image to bring code-server from`, {
      code: 'image-missing',
      hint: 'Load a code-server image there (e.g. codercom/code-server), or name one with --code-server-image or the codeSwarm.codeServerImage setting',
    });
  }
  const info = await engine.call('inspect the code-server image', () => engine.api.getImage(best.Id).inspect());
  const tag = (best.RepoTags ?? []).find((t) => t !== '<none>:<none>') ?? best.Id;
  return { image: tag, id: info.Id, architecture: info.Architecture };
}

function isCodeServerImage(image: Docker.ImageInfo): boolean {
  return titledCodeServer(image.Labels) || isCodeServerRepo(image);
}

function isCodeServerRepo(image: Docker.ImageInfo): boolean {
  return (image.RepoTags ?? []).some((t) => /(^|\/)code-server:[^/]+$/.test(t));
}

/** One volume per host and code-server build. */
export function codeServerVolumeName(source: CodeServerSource): string {
  return `code-swarm-code-server-${source.id.replace(/^sha256:/, '').slice(0, 12)}`;
}

/**
 * Finds code-server in the source image and copies it (its package and the
 * node it runs on) into `cs/`: first into a directory of its own, renamed
 * into place only when complete, so an instance never sees half a copy.
 * Nothing here is a value from outside: the script is a constant.
 */
const FILL_SCRIPT = `set -eu
out=/fill/${CODE_SERVER_DIR}
# The image's init, copied as DIR/init (renamed into place); DIR/.no-init says it has none.
add_init() {
  for i in dumb-init tini; do
    p=$(command -v "$i" 2>/dev/null || true)
    if [ -n "$p" ]; then cp --preserve=mode "$(readlink -f "$p")" "$1/.init-$$" && mv -f "$1/.init-$$" "$1/init"; return 0; fi
  done
  : >"$1/.no-init"
}
if [ -f /fill/${CODE_SERVER_READY} ]; then
  # A copy made before inits were copied gets one now.
  [ -e "$out/init" ] || [ -e "$out/.no-init" ] || add_init "$out"
  exit 0
fi
rm -rf /fill/.tmp-*
cs=$(command -v code-server 2>/dev/null || true)
[ -n "$cs" ] || { echo "the image has no code-server on its PATH" >&2; exit 3; }
real=$(readlink -f "$cs")
pkg=
for d in "$(dirname "$real")/.." "$(dirname "$real")/../.." \\
  "$(grep -o '/[^ "]*/out/node/entry.js' "$real" 2>/dev/null | head -n1 | sed 's#/out/node/entry.js$##')" \\
  /usr/lib/code-server /opt/node/lib/node_modules/code-server /usr/local/lib/node_modules/code-server /usr/lib/node_modules/code-server; do
  if [ -n "$d" ] && [ -f "$d/out/node/entry.js" ] && [ -f "$d/package.json" ]; then pkg=$(readlink -f "$d"); break; fi
done
[ -n "$pkg" ] || { echo "could not find code-server's files behind $cs" >&2; exit 3; }
if [ -x "$pkg/lib/node" ]; then node="$pkg/lib/node"; else node=$(readlink -f "$(command -v node)"); fi
[ -x "$node" ] || { echo "could not find the node that runs code-server" >&2; exit 3; }
tmp=/fill/.tmp-$$
mkdir "$tmp"
cp -R -P --preserve=mode,timestamps "$pkg" "$tmp/code-server"
cp --preserve=mode "$node" "$tmp/node"
add_init "$tmp"
sed -n 's/^ *"version": *"\\([^"]*\\)".*/\\1/p' "$pkg/package.json" | head -n1 >"$tmp/version"
: >"$tmp/.complete"
mv -T "$tmp" "$out" 2>/dev/null || { rm -rf "$tmp"; [ -f /fill/${CODE_SERVER_READY} ] || exit 4; }
`;

/**
 * Makes the volume and fills it unless it is filled already. Two creates on
 * one host may race here: the filling container has a fixed name, so one of
 * them fills and the other waits for it to finish, then runs its own fill,
 * which finds the copy complete and exits at once. A fill that fails removes
 * the volume again when nothing else uses it. Answers whether the copy has
 * an init of its own (CODE_SERVER_INIT).
 */
export async function fillCodeServerVolume(
  engine: DockerEngine,
  source: CodeServerSource,
  volume: string,
  options: CreateOptions,
): Promise<boolean> {
  const progress = options.onProgress ?? (() => undefined);
  await engine.ensureVolume({ Name: volume, Labels: { [FILL_LABEL]: source.image } }, 'create the code-server volume');
  progress(`Copying code-server from ${source.image} into ${volume} (once per host and code-server build)`);
  try {
    return await runFill(engine, source, volume, options);
  } catch (e) {
    await engine.api
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
    throw e;
  }
}

async function runFill(engine: DockerEngine, source: CodeServerSource, volume: string, options: CreateOptions): Promise<boolean> {
  const name = `${volume}-fill`;
  const deadline = Date.now() + FILL_DEADLINE_MS;
  for (;;) {
    throwIfAborted(options.signal);
    if (Date.now() > deadline) throw fillError(engine, source, 'another create kept filling it for too long');
    const container = await createFiller(engine, source, volume, name);
    if (container) return finishFill(engine, source, container, deadline);
    await waitForOtherFiller(engine, name, deadline);
  }
}

/** The filling container, or undefined when another create's filler holds the name. */
async function createFiller(
  engine: DockerEngine,
  source: CodeServerSource,
  volume: string,
  name: string,
): Promise<Docker.Container | undefined> {
  try {
    return await engine.api.createContainer({
      name,
      Image: source.id,
      // root to write into the fresh volume (root's own); nothing else: no capability, no network.
      User: '0:0',
      Entrypoint: ['/bin/sh', '-c', FILL_SCRIPT],
      Cmd: [],
      NetworkDisabled: true,
      Labels: { [FILL_LABEL]: source.image },
      HostConfig: {
        NetworkMode: 'none',
        Mounts: [{ Type: 'volume', Source: volume, Target: '/fill' }],
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        PidsLimit: 64,
      },
    });
  } catch (e) {
    // Docker says 409; Podman 4.3 says 500 "…is already in use".
    if (statusOf(e) === 409 || /already in use/i.test(messageOf(e))) return undefined;
    throw engine.wrap(e, 'create the container that fills the code-server volume');
  }
}

/** Another create is filling: wait for its container to go, or take a stale one (never started, exited) away. */
async function waitForOtherFiller(engine: DockerEngine, name: string, deadline: number): Promise<void> {
  const other = engine.api.getContainer(name);
  const info = await other.inspect().catch(() => undefined);
  if (info && !info.State.Running && Date.now() - Date.parse(info.Created) > 30_000) {
    await other.remove({ force: true }).catch(() => undefined);
    return;
  }
  await new Promise((r) => setTimeout(r, Math.min(FILL_POLL_MS, Math.max(0, deadline - Date.now()))));
}

async function finishFill(engine: DockerEngine, source: CodeServerSource, container: Docker.Container, deadline: number): Promise<boolean> {
  try {
    await engine.call('start filling the code-server volume', () => container.start());
    const waiter = engine.streams.getContainer(container.id);
    const result = (await Promise.race([
      waiter.wait(),
      new Promise((_, reject) => setTimeout(() => reject(fillError(engine, source, 'it took too long')), deadline - Date.now()).unref()),
    ])) as { StatusCode: number };
    if (result.StatusCode !== 0) {
      const log = demuxBuffer((await container.logs({ stdout: true, stderr: true, tail: 5 })) as Buffer).toString('utf8');
      throw fillError(engine, source, firstLine(log.trim().split('\n').pop() ?? `exit ${result.StatusCode}`));
    }
    // The stopped filler still has the volume mounted: the archive API says whether the copy has an init.
    return await statPath(engine, container, `/fill/${CODE_SERVER_INIT}`);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function fillError(engine: DockerEngine, source: CodeServerSource, why: string): SwarmError {
  return new SwarmError(`Could not copy code-server from ${source.image} on ${engine.link.label}: ${why}`, {
    code: 'image-missing',
    hint: 'Name a code-server image the host has with --code-server-image (or the codeSwarm.codeServerImage setting)',
  });
}
