/** The port code-server listens on inside every instance; only the host's loopback ever publishes it. */
export const CODE_SERVER_PORT = 8080;

/** The uid code-server runs as (the image's `coder` user): never root. */
export const CODER_UID = 1000;

/**
 * Where the host's code-server volume is mounted (read-only) in an instance
 * whose image has no code-server of its own (docs/ANY-IMAGE.md).
 */
export const CODE_SERVER_MOUNT = '/opt/code-swarm';
/** The volume's complete copy: a directory renamed into place only once filled. */
export const CODE_SERVER_DIR = 'cs';
/**
 * The code-server image's own init (dumb-init or tini), copied beside node
 * when it has one: it runs as PID 1 and reaps what the terminals leave, so
 * the engine's init (Podman's catatonit, often not installed) is not needed.
 */
export const CODE_SERVER_INIT = `${CODE_SERVER_DIR}/init`;
/** Written instead when the code-server image has no init: the engine's is used. */
export const CODE_SERVER_NO_INIT = `${CODE_SERVER_DIR}/.no-init`;
/** Present only in a complete copy (it is written last, before the rename). */
export const CODE_SERVER_READY = `${CODE_SERVER_DIR}/.complete`;
