// Bundles the extension and the CLI with esbuild. `vscode` is provided by the
// editor at run time; ssh2's optional native helpers (cpu-features, sshcrypto)
// are left out: ssh2 falls back to pure JS when they are missing.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  minify: process.argv.includes('--minify'),
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  logLevel: 'warning',
  // ssh2 and docker-modem require optional modules inside try/catch; esbuild
  // would otherwise fail on the ones that are not installed.
  loader: { '.node': 'empty' },
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
]);
