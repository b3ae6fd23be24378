// Bundles the extension, the CLI, the password worker and the tunnel worker with esbuild.
import { build } from 'esbuild';
import { common } from './buildOptions.mjs';

await Promise.all([
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // argon2id runs on worker threads (src/core/passwordHasher.ts), which load this file next to the bundle.
  build({ ...common, entryPoints: ['src/core/passwordWorker.ts'], outfile: 'dist/passwordWorker.js' }),
  // Session tunnels to SSH hosts run on a worker thread (src/transport/tunnelWorkerHandle.ts), which loads this file.
  build({ ...common, entryPoints: ['src/transport/tunnelWorkerEntry.ts'], outfile: 'dist/tunnelWorkerEntry.js' }),
]);
