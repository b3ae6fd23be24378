import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

describe('the packaged extension (.vsix)', () => {
  it('holds the bundles and media, never sources, tests or node_modules', () => {
    const listing = execFileSync('python3', ['-m', 'zipfile', '-l', resolve(ROOT, 'dist/code-swarm.vsix')], { encoding: 'utf8' });
    const files = listing.split('\n').slice(1).map((l) => l.split(/\s{2,}/)[0]!.trim()).filter(Boolean);
    const bundles = ['extension', 'cli', 'cliMain', 'passwordWorker', 'tunnelWorkerEntry', 'ssh2', 'ws'].map((b) => `extension/dist/${b}.js`);
    for (const f of ['extension/package.json', ...bundles, 'extension/media/code-swarm.svg']) {
      assert.ok(files.includes(f), `${f} is packaged`);
    }
    const stray = files.filter((f) => /^extension\/(src|test|node_modules|out|bench|scripts)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map'));
    assert.deepEqual(stray, []);
  });

  it('declares the ids other tests rely on', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      publisher: string;
      name: string;
      displayName: string;
      bin: Record<string, string>;
      contributes: { viewsContainers: { activitybar: Array<{ id: string; icon: string }> }; views: Record<string, Array<{ id: string }>> };
    };
    assert.equal(`${pkg.publisher}.${pkg.name}`, 'codeswarm.code-swarm');
    assert.equal(pkg.displayName, 'Code Swarm');
    assert.equal(pkg.bin['code-swarm'], './dist/cli.js');
    const container = pkg.contributes.viewsContainers.activitybar.find((c) => c.id === 'codeSwarm');
    assert.ok(container);
    assert.match(readFileSync(resolve(ROOT, container.icon), 'utf8'), /<svg/);
    assert.ok(pkg.contributes.views['codeSwarm']?.some((v) => v.id === 'codeSwarm.instances'));
  });
});
