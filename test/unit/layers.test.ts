import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layers', () => {
  it('keeps vscode out of core, transport, providers and the CLI', () => {
    const offenders = ['core', 'transport', 'providers', 'cli']
      .flatMap((layer) => sources(join(ROOT, 'src', layer)))
      .filter((f) => /from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });

  it('lets data flow one way: core/transport/providers never import ui or cli', () => {
    const offenders = ['core', 'transport', 'providers']
      .flatMap((layer) => sources(join(ROOT, 'src', layer)))
      .filter((f) => /from ['"](\.\.\/)+(ui|cli)\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });

  it('has no console calls outside the CLI output module', () => {
    const offenders = sources(join(ROOT, 'src'))
      .filter((f) => /\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });
});
