import type Docker from 'dockerode';
import { CODE_SERVER_DIR, CODE_SERVER_INIT, CODE_SERVER_MOUNT, CODE_SERVER_PORT } from '../common/codeServer.js';
import type { CodeServerInjection } from '../provider.js';

/** The label that says an instance runs the host's code-server, so a restore mounts it again. */
export const CODE_SERVER_LABEL = 'code-swarm.code-server';

const BIN = `${CODE_SERVER_MOUNT}/${CODE_SERVER_DIR}`;

/**
 * A container's options when code-server is brought in: the host's volume
 * mounted read-only, code-server started from it by its own node (no shell
 * of the image needed), an init to reap what the terminals leave (the
 * volume's own when it has one, else the engine's), HOME for a user the image
 * may not know. Everything else (limits, hardening, the loopback port, the
 * password) stays as for any instance.
 */
export function withCodeServer(
  options: Docker.ContainerCreateOptions,
  injection: CodeServerInjection | undefined,
): Docker.ContainerCreateOptions {
  if (!injection) return options;
  const host = options.HostConfig ?? {};
  return {
    ...options,
    User: injection.user,
    Entrypoint: [
      ...(injection.init ? [`${CODE_SERVER_MOUNT}/${CODE_SERVER_INIT}`] : []),
      `${BIN}/node`,
      `${BIN}/code-server/out/node/entry.js`,
    ],
    Cmd: ['--bind-addr', `0.0.0.0:${CODE_SERVER_PORT}`, '--disable-telemetry', '--disable-update-check', '.'],
    Env: [...(options.Env ?? []), `HOME=${injection.home}`],
    Labels: { ...options.Labels, [CODE_SERVER_LABEL]: labelOf(injection) },
    HostConfig: {
      ...host,
      ...(injection.init ? {} : { Init: true }),
      Mounts: [...(host.Mounts ?? []), { Type: 'volume', Source: injection.volume, Target: CODE_SERVER_MOUNT, ReadOnly: true }],
    },
  };
}

/** What the label keeps: `user` is derived from uid and gid, so it is left out. */
function labelOf(i: CodeServerInjection): string {
  return JSON.stringify({ volume: i.volume, uid: i.uid, gid: i.gid, home: i.home, ...(i.init ? { init: true } : {}) });
}

/** The injection a container was made with, read back from its label; nothing when absent or not ours to trust. */
export function injectionFromLabels(labels: Record<string, string>): { codeServer?: CodeServerInjection } {
  let v: unknown;
  try {
    v = JSON.parse(labels[CODE_SERVER_LABEL] ?? 'null');
  } catch {
    return {};
  }
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  const { volume, uid, gid, home, init } = o;
  const ok =
    typeof volume === 'string' &&
    /^code-swarm-code-server-[a-f0-9]{12}$/.test(volume) &&
    Number.isInteger(uid) &&
    Number.isInteger(gid) &&
    (uid as number) > 0 &&
    typeof home === 'string' &&
    home.startsWith('/');
  if (!ok) return {};
  const who = { volume, uid: uid as number, gid: gid as number, user: `${uid as number}:${gid as number}`, home };
  return { codeServer: init === true ? { ...who, init: true } : who };
}
