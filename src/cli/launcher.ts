// The `code-swarm` command's first file (dist/cli.js): it turns on Node's
// compile cache where Node has one (22.1 and later), then loads the CLI
// (main.ts, dist/cliMain.js), so that the cache covers the CLI's bundle too:
// V8 then reads its compiled code instead of parsing ~500 KB at every run
// (Node 24: ~25 ms less CPU for --help). Node 20 has no such cache, and this
// file only costs its own few lines.
import * as nodeModule from 'node:module';

const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
// Where Node keeps it by default (NODE_COMPILE_CACHE, else its directory in the temp dir), as Node advises tools to leave it.
enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- only once the cache is on: see above
require('./main.js');
