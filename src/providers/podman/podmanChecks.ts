import { asRoot } from '../common/hostFacts.js';
import { type DockerInfo, dockerChecks, engineInfo } from '../docker/dockerChecks.js';
import type { EngineSetup } from '../docker/engineSetup.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { type CheckContext, type Finding, type HostCheck, ok, warning } from '../hostCheck.js';
import { PODMAN_DIALECT } from './podmanDialect.js';
import { ULIMITS_CODE, ulimitsFinding, WRITE_NEW } from './podmanUlimits.js';

/** A rootless service's socket is its user's (/run/user/UID/podman/podman.sock); rootful's is /run/podman/podman.sock. */
export const isRootlessSocket = (path: string): boolean => path.startsWith('/run/user/');

const hasPodman = async (ctx: CheckContext) => (await ctx.exec(['sh', '-c', 'command -v podman'])).code === 0;

/** The socket unit's drop-in that makes rootful Podman's socket its group's (the package leaves it root:root). */
export const SOCKET_DROP_IN_DIR = '/etc/systemd/system/podman.socket.d';
export const SOCKET_DROP_IN = `${SOCKET_DROP_IN_DIR}/90-code-swarm.conf`;

/**
 * Podman's install, start and pull: rootful Podman's images are root's, so
 * its pull goes through sudo; a rootless service is its user's systemd unit.
 * A non-root user of rootful Podman needs the socket's group: Debian's and
 * Fedora's podman.socket is root:root 0660, so the install first creates
 * group podman and gives the socket unit a drop-in of the doctor's own
 * naming it (never over a file already there), then joins the user to it.
 */
export function podmanSetup(rootless: boolean): EngineSetup {
  const group = PODMAN_DIALECT.socketGroup;
  return {
    binary: 'podman',
    packages: { debian: 'podman', fedora: 'podman', rhel: 'podman' },
    start: async (ctx) =>
      rootless
        ? ['systemctl', '--user', 'enable', '--now', 'podman.socket']
        : asRoot(ctx, ['systemctl', 'enable', '--now', 'podman.socket']),
    access: async (ctx, user) => {
      if (rootless) return undefined;
      const there = (await ctx.exec(['test', '-e', SOCKET_DROP_IN])).code === 0;
      const dropIn = there
        ? []
        : [
            ['mkdir', '-p', SOCKET_DROP_IN_DIR],
            ['sh', '-c', WRITE_NEW, 'sh', SOCKET_DROP_IN, '[Socket]', `SocketGroup=${group}`],
          ];
      const before = await Promise.all([['groupadd', '-f', '--system', group], ...dropIn].map((argv) => asRoot(ctx, argv)));
      return { before, after: [await asRoot(ctx, ['usermod', '-aG', group, user.name])] };
    },
    pull: async (ctx, image) => {
      if (!(await hasPodman(ctx))) return undefined;
      return rootless ? ['podman', 'pull', image] : asRoot(ctx, ['podman', 'pull', image]);
    },
  };
}

/** Rootful or rootless, as the service says (`name=rootless` in its security options), and what that costs. */
export function modeFinding(info: DockerInfo, socketPath: string): Finding {
  const rootless = (info.SecurityOptions ?? []).includes('name=rootless');
  if (!rootless) return ok('podman.mode', `rootful Podman serves ${socketPath}: its containers and images are root's`);
  const text = `rootless Podman serves ${socketPath}`;
  return info.CgroupVersion === '2'
    ? ok('podman.mode', `${text}: its containers and images are its user's`)
    : warning(
        'podman.mode',
        `${text} on cgroup v1: it cannot enforce pids limits, so creates are refused; use cgroup v2 or rootful Podman`,
      );
}

/** The Podman service behind one socket: the Docker-API checks in Podman's words, its mode, and whether its containers can start. */
export function podmanChecks(engine: DockerEngine): readonly HostCheck[] {
  const rootless = isRootlessSocket(engine.socketPath);
  return [
    ...dockerChecks(engine, podmanSetup(rootless)),
    { id: 'podman.mode', run: async (ctx) => [modeFinding(await engineInfo(ctx, engine), engine.socketPath)] },
    { id: ULIMITS_CODE, run: async (ctx) => [await ulimitsFinding(ctx, engine, rootless)] },
  ];
}
