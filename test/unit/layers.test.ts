import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * What each folder of src may import besides itself: data flows one way,
 * shared ← transport ← providers ← core ← ui / cli. The two front ends never
 * import each other; files at the top of src (extension.ts) wire everything.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  transport: ['shared'],
  providers: ['shared', 'transport'],
  core: ['shared', 'transport', 'providers'],
  ui: ['shared', 'transport', 'providers', 'core'],
  cli: ['shared', 'transport', 'providers', 'core'],
};
const TOP = '(top of src)';

/** Source paths relative to src ('core/swarm.ts') → their text. */
type Sources = ReadonlyMap<string, string>;

/** Each file's imports of other files (relative specifiers, resolved to paths relative to src; outside src they start with '..'). */
function importGraph(files: Sources): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    // The compiler's own scanner: imports, exports from, import() and require(), never comments or strings.
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    const targets = specs
      .filter((s) => s.startsWith('.'))
      .map((s) =>
        relative('.', join(dirname(file), s))
          .split(sep)
          .join('/')
          .replace(/\.js$/, '.ts'),
      );
    graph.set(file, targets);
  }
  return graph;
}

function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i === -1 ? TOP : file.slice(0, i);
}

/** Imports that go up the layers, sideways between ui and cli, into an unknown folder, or out of src. */
function directionViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    for (const target of targets) {
      if (target.startsWith('../') || target === '..') {
        out.push(`${file} imports ${target}, outside src`);
        continue;
      }
      const to = folderOf(target);
      if (from === to || from === TOP) continue;
      const allowed = MAY_IMPORT[from];
      if (!allowed) out.push(`${file} is in ${from}/, which is not a known layer`);
      else if (!allowed.includes(to)) out.push(`${file} (${from}) imports ${target} (${to})`);
    }
  }
  return out;
}

/** Every import cycle between files, each as the path around it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

function srcFiles(): Sources {
  return new Map(sources(SRC).map((f) => [relative(SRC, f).split(sep).join('/'), readFileSync(f, 'utf8')]));
}

describe('layers', () => {
  it('keeps vscode out of core, transport, providers and the CLI', () => {
    const offenders = ['shared', 'core', 'transport', 'providers', 'cli']
      .flatMap((layer) => sources(join(ROOT, 'src', layer)))
      .filter((f) => /from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });

  it('lets data flow one way: shared ← transport ← providers ← core ← ui / cli, and nothing in src imports from outside it', () => {
    assert.deepEqual(directionViolations(importGraph(srcFiles())), []);
  });

  it('has no import cycles between files (so none between folders either)', () => {
    assert.deepEqual(cycles(importGraph(srcFiles())), []);
  });

  it('the checks see what they are for: an upward import, ui ↔ cli, a test import and a cycle', () => {
    const files: Sources = new Map([
      ['shared/errors.ts', "import type { Provider } from '../providers/provider.js';"],
      ['providers/provider.ts', "import { SwarmError } from '../shared/errors.js';\nexport { x } from '../core/swarm.js';"],
      ['core/swarm.ts', "const ui = require('../ui/registerUi.js');"],
      ['ui/registerUi.ts', "import { runCli } from '../cli/runCli.js';\n// import { nothing } from '../cli/comment.js';"],
      ['cli/runCli.ts', "const fake = await import('../../test/unit/fakes.js');"],
      ['extension.ts', "import { registerUi } from './ui/registerUi.js';\nimport { runCli } from './cli/runCli.js';"],
    ]);
    const graph = importGraph(files);
    assert.deepEqual(directionViolations(graph), [
      'shared/errors.ts (shared) imports providers/provider.ts (providers)',
      'providers/provider.ts (providers) imports core/swarm.ts (core)',
      'core/swarm.ts (core) imports ui/registerUi.ts (ui)',
      'ui/registerUi.ts (ui) imports cli/runCli.ts (cli)',
      'cli/runCli.ts imports ../test/unit/fakes.ts, outside src',
    ]);
    assert.deepEqual(cycles(graph), ['providers/provider.ts → shared/errors.ts → providers/provider.ts']);
  });

  it('has no console calls outside the CLI output module', () => {
    const offenders = sources(join(ROOT, 'src'))
      .filter((f) => /\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });
});
