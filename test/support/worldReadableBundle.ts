import { buildSync } from 'esbuild';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WorldReadableBundle {
  /** The bundled script, readable by any user. */
  readonly file: string;
  /** Removes the bundle's folder. */
  dispose(): void;
}

/**
 * A compiled script made loadable by any user: one esbuild bundle (its
 * imports, node_modules included) in a fresh world-readable temp folder. A
 * process started as another user (`nobody`) cannot read a checkout that
 * lives under a private folder (/root, a `mktemp -d` folder) and would die
 * loading its script before doing what the test looks at.
 */
export function worldReadableBundle(entry: string): WorldReadableBundle {
  const dir = mkdtempSync(join(tmpdir(), 'csw-public-'));
  const file = join(dir, 'bundle.js');
  try {
    buildSync({ entryPoints: [entry], outfile: file, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
