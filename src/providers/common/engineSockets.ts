export { DEFAULT_DOCKER_SOCKET } from '../../shared/model.js';

/** Where LXD (Debian package, snap) and Incus put their socket, tried in this order. */
export const LXD_SOCKETS = ['/var/lib/lxd/unix.socket', '/var/snap/lxd/common/lxd/unix.socket', '/var/lib/incus/unix.socket'] as const;
