// The `code-swarm` command's first file (dist/cli.js): it loads the CLI
// (main.ts, dist/cliMain.js) through a code cache, so that V8 reads its
// compiled code instead of parsing ~500 KB at every run. Node 22.1 and later
// have one (`module.enableCompileCache`); for older Nodes compileCache.ts
// keeps V8's. Both live in the user's private cache directory.
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { privateCacheDir, runWithCodeCache } from './compileCache.js';

const { enableCompileCache } = nodeModule as { enableCompileCache?: (dir?: string) => unknown };
const cacheDir = privateCacheDir();
const bundle = join(__dirname, 'cliMain.js');
if (cacheDir !== undefined && enableCompileCache === undefined && existsSync(bundle)) {
  runWithCodeCache(bundle, cacheDir);
} else {
  if (cacheDir !== undefined) enableCompileCache?.(cacheDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only once the cache is on: see above
  require('./main.js');
}
