export { DEFAULT_DOCKER_SOCKET } from '../../shared/model.js';

/** Rootful Podman's Docker-compatible API socket (podman.socket, or `podman system service`). */
export const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';
/** Rootless Podman's socket for the user with this uid. */
export function rootlessPodmanSocket(uid: number | string): string {
  return `/run/user/${uid}/podman/podman.sock`;
}

/** Where LXD (Debian package, snap) and Incus put their socket, tried in this order. */
export const LXD_SOCKETS = ['/var/lib/lxd/unix.socket', '/var/snap/lxd/common/lxd/unix.socket', '/var/lib/incus/unix.socket'] as const;
