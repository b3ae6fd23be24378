// Bundles the extension and the CLI with esbuild. `vscode` is provided by the
// editor at run time; ssh2's optional native helpers (cpu-features, sshcrypto)
// are left out: ssh2 falls back to pure JS when they are missing.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * dockerode loads gRPC and protobufjs at start-up for BuildKit build sessions
 * (~380 KB minified). Code Swarm never builds images, so its session module is
 * replaced by one that says so if it is ever called.
 */
const noBuildKitSessions = {
  name: 'no-buildkit-sessions',
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir)
        ? { path: fileURLToPath(new URL('./build/noBuildKitSession.cjs', import.meta.url)) }
        : undefined,
    );
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  minify: !process.argv.includes('--no-minify'),
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  logLevel: 'warning',
  // ssh2 and docker-modem require optional modules inside try/catch; esbuild
  // would otherwise fail on the ones that are not installed.
  loader: { '.node': 'empty' },
  // hash-wasm's ESM build lets esbuild keep argon2 and drop the other hashes.
  alias: { 'hash-wasm': 'hash-wasm/dist/index.esm.js' },
  plugins: [noBuildKitSessions],
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // argon2id runs on worker threads (src/core/passwordHasher.ts), which load this file next to the bundle.
  build({ ...common, entryPoints: ['src/core/passwordWorker.ts'], outfile: 'dist/passwordWorker.js' }),
]);
