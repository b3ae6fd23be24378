// Bundles the extension, the CLI (its launcher and itself), the password
// worker, the tunnel worker and the packages they load on demand (ssh2, ws)
// with esbuild.
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { ON_DEMAND, common } from './buildOptions.mjs';

/** launcher.ts requires main.ts, which is a bundle of its own next to it. */
const cliMain = {
  name: 'cli-main',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './cliMain.js', external: true }));
  },
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  // The command (package.json bin) is a small first file that turns on Node's compile cache before it loads the CLI's bundle.
  build({
    ...common,
    entryPoints: ['src/cli/launcher.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [...common.plugins, cliMain],
  }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cliMain.js' }),
  // Session tunnels to SSH hosts run on a worker thread (src/transport/tunnelWorkerHandle.ts), which loads this file.
  build({ ...common, entryPoints: ['src/transport/tunnelWorkerEntry.ts'], outfile: 'dist/tunnelWorkerEntry.js' }),
  // ssh2 and ws, which the bundles above require on first use (see buildOptions.mjs): from the
  // file a require() finds (ws's `import` export is an ES module wrapper, which would change what the bundle exports).
  ...ON_DEMAND.map((name) => build({ ...common, entryPoints: [createRequire(import.meta.url).resolve(name)], outfile: `dist/${name}.js` })),
]);
