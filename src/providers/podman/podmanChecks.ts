import { asRoot } from '../common/hostFacts.js';
import { type DockerInfo, dockerChecks, type EngineSetup, engineInfo } from '../docker/dockerChecks.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { type CheckContext, type Finding, type HostCheck, ok, warning } from '../hostCheck.js';
import { ULIMITS_CODE, ulimitsFinding } from './podmanUlimits.js';

/** A rootless service's socket is its user's (/run/user/UID/podman/podman.sock); rootful's is /run/podman/podman.sock. */
export const isRootlessSocket = (path: string): boolean => path.startsWith('/run/user/');

const hasPodman = async (ctx: CheckContext) => (await ctx.exec(['sh', '-c', 'command -v podman'])).code === 0;

/**
 * Podman's install, start and pull: rootful Podman's images are root's, so
 * its pull goes through sudo; a rootless service is its user's systemd unit.
 */
export function podmanSetup(rootless: boolean): EngineSetup {
  return {
    binary: 'podman',
    packages: { 'apt-get': 'podman', dnf: 'podman' },
    start: async (ctx) =>
      rootless
        ? ['systemctl', '--user', 'enable', '--now', 'podman.socket']
        : asRoot(ctx, ['systemctl', 'enable', '--now', 'podman.socket']),
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
