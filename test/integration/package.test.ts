import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suiteDir } from '../support/suiteArtifacts.js';

const ROOT = resolve(__dirname, '../../..');
const VSCE = resolve(ROOT, 'node_modules/.bin/vsce');
const PROJECT = 'https://github.com/codeswarm/code-swarm';

interface Manifest {
  publisher: string;
  name: string;
  displayName: string;
  license: string;
  icon: string;
  repository: { type: string; url: string };
  bugs: { url: string };
  homepage: string;
  extensionKind: string[];
  bin: Record<string, string>;
  contributes: {
    viewsContainers: { activitybar: Array<{ id: string; icon: string }> };
    views: Record<string, Array<{ id: string }>>;
    walkthroughs: Array<{ steps: Array<{ media: { markdown: string } }> }>;
  };
}

const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as Manifest;

function entries(vsix: string): string[] {
  const listing = execFileSync('python3', ['-m', 'zipfile', '-l', vsix], { encoding: 'utf8' });
  return listing
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s{2,}/)[0]!.trim())
    .filter(Boolean);
}

function entry(vsix: string, name: string): Buffer {
  const read = 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))';
  return execFileSync('python3', ['-c', read, vsix, name]);
}

/** Width, height, bit depth and colour type from a PNG's signature and IHDR chunk. */
function pngHeader(png: Buffer): { width: number; height: number; bitDepth: number; colourType: number } {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  assert.equal(png.readUInt32BE(8), 13, 'IHDR length');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR', 'first chunk is IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24]!, colourType: png[25]! };
}

describe('the packaged extension (.vsix)', function () {
  this.timeout(120_000);
  let vsix: string;
  let vsceOutput: string;

  before(() => {
    // Packaged afresh from the built bundles, so vsce's own warnings can be read.
    vsix = join(suiteDir('csw-vsix-'), 'code-swarm.vsix');
    const run = spawnSync(VSCE, ['package', '--no-dependencies', '--out', vsix], {
      cwd: ROOT,
      encoding: 'utf8',
      // A warning can come with a y/N question: no terminal, and a bound, so it fails instead of waiting.
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 100_000,
    });
    vsceOutput = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, `vsce package failed:\n${vsceOutput}`);
  });

  it('packages without a single vsce warning', () => {
    assert.match(vsceOutput, /DONE\s+Packaged/);
    assert.doesNotMatch(vsceOutput, /WARNING/i, vsceOutput);
  });

  it('holds the bundles, media, LICENSE and icon, never sources, tests or node_modules', () => {
    const files = entries(vsix);
    for (const f of [
      'extension/package.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/dist/cli.js',
      'extension/dist/tunnelWorkerEntry.js',
      'extension/dist/cliMain.js',
      'extension/dist/ssh2.js',
      'extension/dist/ws.js',
      'extension/media/code-swarm.svg',
      `extension/${pkg.icon}`,
      ...pkg.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => `extension/${s.media.markdown}`)),
    ]) {
      assert.ok(files.includes(f), `${f} is packaged`);
    }
    const stray = files.filter(
      (f) => /^extension\/(src|test|node_modules|out|bench|scripts|docs)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map'),
    );
    assert.deepEqual(stray, []);
    // Nothing beyond what .vscodeignore lets back in (and vsce's own two files).
    const allowed =
      /^(extension\.vsixmanifest|\[Content_Types\]\.xml|extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/(extension|cli|cliMain|tunnelWorkerEntry|ssh2|ws)\.js|media\/.+))$/;
    assert.deepEqual(
      files.filter((f) => !allowed.test(f)),
      [],
    );
  });

  it('carries the MIT license the manifest declares', () => {
    assert.equal(pkg.license, 'MIT');
    const text = entry(vsix, 'extension/LICENSE.txt').toString('utf8');
    assert.match(text, /^MIT License/);
    assert.match(text, /Copyright \(c\) \d{4} Code Swarm contributors/);
    assert.equal(text, readFileSync(resolve(ROOT, 'LICENSE'), 'utf8'));
    assert.match(entry(vsix, 'extension.vsixmanifest').toString('utf8'), /<License>extension\/LICENSE\.txt<\/License>/);
  });

  it('has a 128×128 PNG icon, the one the gallery manifest names', () => {
    assert.match(pkg.icon, /\.png$/);
    const png = entry(vsix, `extension/${pkg.icon}`);
    const header = pngHeader(png);
    assert.deepEqual({ width: header.width, height: header.height }, { width: 128, height: 128 });
    assert.equal(header.bitDepth, 8);
    // RGBA: transparent round corners on any gallery background.
    assert.equal(header.colourType, 6);
    assert.ok(png.equals(readFileSync(resolve(ROOT, pkg.icon))), 'the packaged icon is the committed one');
    assert.match(entry(vsix, 'extension.vsixmanifest').toString('utf8'), new RegExp(`<Icon>extension/${pkg.icon}</Icon>`));
  });

  it('links the repository, issues and home page', () => {
    assert.equal(pkg.repository.type, 'git');
    assert.equal(pkg.repository.url, `${PROJECT}.git`);
    assert.equal(pkg.bugs.url, `${PROJECT}/issues`);
    assert.ok(pkg.homepage.startsWith(PROJECT), pkg.homepage);
    const manifest = entry(vsix, 'extension.vsixmanifest').toString('utf8');
    assert.match(manifest, /Links\.Source" Value="https:\/\/github\.com\/codeswarm\/code-swarm\.git"/);
    assert.match(manifest, /Links\.Support" Value="https:\/\/github\.com\/codeswarm\/code-swarm\/issues"/);
  });

  it('prefers the UI side and falls back to the workspace side (docs/PACKAGING.md)', () => {
    assert.deepEqual(pkg.extensionKind, ['ui', 'workspace']);
    assert.match(entry(vsix, 'extension.vsixmanifest').toString('utf8'), /Code\.ExtensionKind" Value="ui,workspace"/);
  });

  it('declares the ids other tests rely on', () => {
    assert.equal(`${pkg.publisher}.${pkg.name}`, 'codeswarm.code-swarm');
    assert.equal(pkg.displayName, 'Code Swarm');
    assert.equal(pkg.bin['code-swarm'], './dist/cli.js');
    const container = pkg.contributes.viewsContainers.activitybar.find((c) => c.id === 'codeSwarm');
    assert.ok(container);
    assert.match(readFileSync(resolve(ROOT, container.icon), 'utf8'), /<svg/);
    assert.ok(pkg.contributes.views['codeSwarm']?.some((v) => v.id === 'codeSwarm.instances'));
  });
});
