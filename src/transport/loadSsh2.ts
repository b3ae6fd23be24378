import type * as Ssh2 from 'ssh2';

let ssh2: typeof Ssh2 | undefined;

/**
 * ssh2, loaded by the first connection or key read: it is most of what a
 * bundle holds (~330 KB of ~880 KB) and a process that only drives the local
 * engine never needs it. The bundles take it from dist/ssh2.js, next to
 * themselves (scripts/buildOptions.mjs, onDemand); compiled code from node_modules.
 */
export function loadSsh2(): typeof Ssh2 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on first use, see above
  ssh2 ??= require('ssh2') as typeof Ssh2;
  return ssh2;
}
