// The esbuild options of the bundles (scripts/build.mjs), shared with the
// bench that measures what is in them (bench/activation.ts). `vscode` is
// provided by the editor at run time; ssh2's optional native helpers
// (cpu-features, sshcrypto) are left out: ssh2 falls back to pure JS when
// they are missing. ssh2 and ws are bundles of their own (ON_DEMAND).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * dockerode loads gRPC and protobufjs for BuildKit: build sessions at start-up
 * (~380 KB minified) and, behind `docker.followProgress`, a protobuf decoder
 * of BuildKit status (~90 KB). Code Swarm never builds images and follows
 * pulls with `docker.modem.followProgress`, so both modules are replaced by
 * ones that say so if they are ever called.
 */
const BUILDKIT_STUBS = { './session': './build/noBuildKitSession.cjs', './buildkit': './build/noBuildKitProgress.cjs' };
const noBuildKit = {
  name: 'no-buildkit',
  setup(b) {
    b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir)
        ? { path: fileURLToPath(new URL(BUILDKIT_STUBS[args.path], import.meta.url)) }
        : undefined,
    );
  },
};

/**
 * Packages only some hosts need, each a bundle of its own next to the others
 * (dist/ssh2.js, dist/ws.js; scripts/build.mjs): ssh2 for SSH hosts (~330 KB
 * minified with its helpers, 38 % of the CLI bundle) and ws for LXD's event
 * stream (~50 KB). Our code requires them on first use (sshConnection.ts,
 * lxdClient.ts), so a process that only drives the local engine neither
 * reads nor compiles them. docker-modem's own ssh:// transport, which
 * requires ssh2 as it loads, is never used (each host's stream comes from its
 * HostLink) and is replaced by a stub that says so.
 */
export const ON_DEMAND = ['ssh2', 'ws'];
const onDemand = {
  name: 'on-demand',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${ON_DEMAND.join('|')})$`) }, (args) =>
      args.kind === 'entry-point' || /[\\/]node_modules[\\/]/.test(args.importer)
        ? undefined
        : { path: `./${args.path}.js`, external: true },
    );
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      /[\\/]docker-modem[\\/]lib$/.test(args.resolveDir)
        ? { path: fileURLToPath(new URL('./build/noModemSsh.cjs', import.meta.url)) }
        : undefined,
    );
  },
};

/**
 * zod exports every message locale it has (~50) on `z.locales`, so the bundler
 * cannot drop them (~370 KB minified). Code Swarm speaks English and never
 * reads `z.locales`: the barrel keeps only `en`, which zod sets by default.
 */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)
        ? { path: join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

export const common = {
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
  plugins: [noBuildKit, englishZodOnly, onDemand],
  // jsonc-parser's main is UMD, whose requires of its own parts esbuild cannot follow: bundle its ES build.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // Relative paths above (entry points, outfiles) are the project's.
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
};
