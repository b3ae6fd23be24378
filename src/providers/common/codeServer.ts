/** The port code-server listens on inside every instance; only the host's loopback ever publishes it. */
export const CODE_SERVER_PORT = 8080;

/** The uid code-server runs as (the image's `coder` user): never root. */
export const CODER_UID = 1000;
