// Activation and bundle size: how much the extension costs the editor before
// anyone asks a host.
//
// - activationMs: a real workbench (code-server + Chromium, test/e2e/workbench.ts)
//   with 3 lab hosts in the store and the Code Swarm view open at start-up;
//   each sample is a window reload, read from the extension's own log line
//   (src/ui/activationTiming.ts): activate() entry → the tree's first answer
//   for its root with the store's hosts.
// - activationIdleMs: the same figure for the same bundle in an idle Node
//   process with a stand-in `vscode` (bench/nodeActivationProbe.ts): no
//   workbench and no other extension on the event loop, i.e. our own code.
// - bundleBytes: dist/extension.js, with what each package puts in it
//   (esbuild's metafile, same options as scripts/build.mjs).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { openWorkbench, type Workbench } from '../test/e2e/workbench.js';
import { addLabHost, lab, labSwarm } from '../test/lab/lab.js';
import type { BenchContext, BenchModule } from './benchModule.js';
import { figure, figureRow, fmt, jsonOf, medianOf, messageOf, verdict, type Figure } from './figures.js';
import { renderTable } from './renderTable.js';

const execFileAsync = promisify(execFile);

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist/extension.js');
const EXTENSION_ID = 'codeswarm.code-swarm';
const HOSTS = ['alpha', 'beta', 'gamma'] as const;
const TARGETS = { activationMs: 50, bundleBytes: 1.5 * 1024 * 1024 };
const SAMPLE_TIMEOUT_MS = 90_000;

type Key = 'activationMs' | 'activationIdleMs' | 'bundleBytes';
type Diag = 'wbActivate' | 'wbStoreRead' | 'wbViewVisible' | 'idleActivate' | 'idleRequire';

/** One parsed "activation:" line of the extension's log. */
interface LoggedActivation {
  readonly hosts: number;
  readonly firstRenderMs: number;
  readonly activateMs: number;
  readonly marks: Record<string, number>;
}

const LINE =
  /activation: tree's first render with (\d+) host\(s\) ([\d.]+) ms after activate\(\) entry \(activate\(\) returned ([\d.]+); ([^)]*)\)/;

export function parseActivationLine(line: string): LoggedActivation | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const marks: Record<string, number> = {};
  for (const part of (m[4] ?? '').split(', ')) {
    const at = part.lastIndexOf(' ');
    if (at > 0) marks[part.slice(0, at)] = Number(part.slice(at + 1));
  }
  return { hosts: Number(m[1]), firstRenderMs: Number(m[2]), activateMs: Number(m[3]), marks };
}

/** Every "activation:" line in the workbench's logs so far (one per extension host, in start order). */
async function loggedActivations(userDir: string): Promise<LoggedActivation[]> {
  const found: { host: number; line: LoggedActivation }[] = [];
  const logs = join(userDir, 'logs');
  for (const session of await readdir(logs).catch(() => [] as string[])) {
    for (const dir of await readdir(join(logs, session)).catch(() => [] as string[])) {
      const n = /^exthost(\d+)$/.exec(dir);
      if (!n) continue;
      const text = await readFile(join(logs, session, dir, EXTENSION_ID, 'Code Swarm.log'), 'utf8').catch(() => '');
      for (const l of text.split('\n')) {
        const parsed = parseActivationLine(l);
        if (parsed) found.push({ host: Number(n[1]), line: parsed });
      }
    }
  }
  return found.sort((a, b) => a.host - b.host).map((f) => f.line);
}

export interface Bundle {
  readonly esbuildBytes: number;
  readonly packages: { name: string; bytes: number }[];
  /** Bytes of every package reachable from dockerode / ssh2 through imports. */
  readonly pulledIn: Record<'dockerode' | 'ssh2', { bytes: number; packages: string[] }>;
}

function packageOf(path: string): string {
  const i = path.lastIndexOf('node_modules/');
  if (i < 0) return path.startsWith('src/') ? 'src (Code Swarm)' : path;
  const rest = path.slice(i + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? path);
}

/** The extension bundle as scripts/build.mjs makes it, analysed instead of written. */
export async function analyseBundle(): Promise<Bundle> {
  // The same options as scripts/build.mjs, plugins included: the figure is the shipped bundle's.
  const { common } = (await import(pathToFileURL(join(ROOT, 'scripts/buildOptions.mjs')).href)) as { common: BuildOptions };
  const result = await build({
    ...common,
    absWorkingDir: ROOT,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const meta: Metafile = result.metafile;
  const out = Object.entries(meta.outputs).find(([k]) => k.endsWith('extension.js'));
  if (!out) throw new Error('esbuild produced no extension.js');
  const bytesOf = new Map<string, number>();
  for (const [path, info] of Object.entries(out[1].inputs))
    bytesOf.set(packageOf(path), (bytesOf.get(packageOf(path)) ?? 0) + info.bytesInOutput);
  // Package-level import graph, to say what each big dependency drags in.
  const edges = new Map<string, Set<string>>();
  for (const [path, info] of Object.entries(meta.inputs)) {
    const from = packageOf(path);
    for (const imp of info.imports) {
      if (imp.external) continue;
      const to = packageOf(imp.path);
      if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from))?.add(to);
    }
  }
  const reach = (start: string) => {
    const seen = new Set([start]);
    const todo = [start];
    for (let p = todo.pop(); p !== undefined; p = todo.pop())
      for (const q of edges.get(p) ?? [])
        if (!seen.has(q)) {
          seen.add(q);
          todo.push(q);
        }
    const packages = [...seen].filter((p) => bytesOf.has(p)).sort((a, b) => (bytesOf.get(b) ?? 0) - (bytesOf.get(a) ?? 0));
    return { bytes: packages.reduce((s, p) => s + (bytesOf.get(p) ?? 0), 0), packages };
  };
  return {
    esbuildBytes: out[1].bytes,
    packages: [...bytesOf].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    pulledIn: { dockerode: reach('dockerode'), ssh2: reach('ssh2') },
  };
}

export interface ActivationBench extends BenchModule {
  readonly figures: Record<Key | Diag, Figure>;
}

export function createActivationBench(): ActivationBench {
  const figures: Record<Key | Diag, Figure> = {
    activationMs: figure('workbench: activate() entry → first render, 3 hosts'),
    wbActivate: figure('  of which activate() itself'),
    wbStoreRead: figure('  tree ready (store read, rows built)'),
    wbViewVisible: figure('  VS Code reports the view visible'),
    activationIdleMs: figure('idle Node: activate() entry → first render'),
    idleActivate: figure('  of which activate() itself'),
    idleRequire: figure('idle Node: require(dist/extension.js) (before activate)'),
    bundleBytes: figure('dist/extension.js (bytes)'),
  };
  const errors: string[] = [];
  const notes: string[] = [];
  let bundle: Bundle | undefined;

  const run = async (ctx: BenchContext): Promise<void> => {
    const n = ctx.quick ? { workbench: 2, idle: 5 } : { workbench: 5, idle: 10 };
    const step = async (name: string, fn: () => Promise<void>) => {
      if (ctx.signal.aborted) return;
      try {
        await fn();
      } catch (e) {
        errors.push(`${name}: ${messageOf(e)}`);
        ctx.log(`${name} FAILED: ${messageOf(e)}`);
      }
    };

    await step('bundle size', async () => {
      figures.bundleBytes.samples.push((await stat(BUNDLE)).size);
      bundle = await analyseBundle();
      // The analysis rebuilds with build.mjs's options; if they drifted, say so rather than mislead.
      const built = figures.bundleBytes.samples[0] ?? 0;
      if (Math.abs(bundle.esbuildBytes - built) > 1024) {
        notes.push(
          `the analysis build is ${bundle.esbuildBytes} bytes, dist/extension.js ${built}: rebuild (npm run build) or bring bench/activation.ts in line with scripts/build.mjs`,
        );
      }
    });

    // One store with the three lab hosts, read by every sample (activation never writes it).
    const seedHosts = async (dir: string) => {
      const { swarm } = await labSwarm(dir);
      try {
        for (const h of HOSTS) await addLabHost(swarm, h);
      } finally {
        swarm.dispose();
      }
    };

    await step('activation in an idle Node process', async () => {
      const dir = await mkdtemp(join(tmpdir(), `code-swarm-bench-${ctx.tag}-activation-`));
      const undo = ctx.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
      try {
        await seedHosts(dir);
        const settings = JSON.stringify({ knownHostsFiles: [lab().knownHosts] });
        ctx.log(`activation: idle Node probe ×${n.idle}`);
        for (let i = 0; i < n.idle && !ctx.signal.aborted; i++) {
          const { stdout } = await execFileAsync(process.execPath, [join(__dirname, 'nodeActivationProbe.js'), BUNDLE, dir, settings], {
            timeout: 60_000,
          });
          const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
            requireMs: number;
            firstRenderMs: number;
            activateMs: number;
            hosts: number;
          };
          if (r.hosts !== HOSTS.length) throw new Error(`the probe's tree showed ${r.hosts} hosts, not ${HOSTS.length}`);
          figures.activationIdleMs.samples.push(r.firstRenderMs);
          figures.idleActivate.samples.push(r.activateMs);
          figures.idleRequire.samples.push(r.requireMs);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
        undo();
      }
    });

    await step('activation in a workbench', async () => {
      let wb: Workbench | undefined;
      const closeWb = async () => {
        await wb?.close();
        if (wb) await rm(wb.dir, { recursive: true, force: true });
      };
      const undo = ctx.cleanup.add('close the activation workbench', closeWb);
      try {
        ctx.log('activation: starting a workbench (code-server + Chromium)');
        wb = await openWorkbench(
          { 'codeSwarm.knownHostsFiles': [lab().knownHosts] },
          {
            // The workbench honours extensionDevelopmentPath only with the smoke-test driver on:
            // it loads dist/extension.js from this checkout, the same file the .vsix carries.
            smokeTestDriver: true,
            payload: (base) => [['extensionDevelopmentPath', `vscode-remote://${base.host}${ROOT}`]],
          },
        );
        const { page } = wb;
        const viewButton = page.locator('.part.activitybar a.action-label[aria-label^="Code Swarm"]');
        await viewButton.waitFor({ state: 'visible', timeout: SAMPLE_TIMEOUT_MS });
        // Open the view once: the workbench restores it, open, on every reload after this.
        await viewButton.click();
        await page
          .locator('[id="workbench.view.extension.codeSwarm"] .welcome-view-content')
          .waitFor({ state: 'visible', timeout: SAMPLE_TIMEOUT_MS });
        await seedHosts(join(wb.userDir, 'User', 'globalStorage', EXTENSION_ID));
        ctx.log(`activation: ${HOSTS.length} hosts in the store; window reload ×${n.workbench}`);
        for (let i = 0; i < n.workbench && !ctx.signal.aborted; i++) {
          const before = (await loggedActivations(wb.userDir)).length;
          await page.reload();
          // The rows must really show: a sample is a render the user sees, not just a log line.
          for (const h of HOSTS) {
            await page
              .locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${h}$`) }) })
              .waitFor({ state: 'visible', timeout: SAMPLE_TIMEOUT_MS });
          }
          const deadline = Date.now() + SAMPLE_TIMEOUT_MS;
          let lines = await loggedActivations(wb.userDir);
          while (lines.length <= before && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 200));
            lines = await loggedActivations(wb.userDir);
          }
          const last = lines[lines.length - 1];
          if (lines.length <= before || !last) throw new Error(`reload ${i + 1}: no activation line in the extension's log`);
          if (last.hosts !== HOSTS.length)
            throw new Error(`reload ${i + 1}: the first render showed ${last.hosts} hosts, not ${HOSTS.length}`);
          figures.activationMs.samples.push(last.firstRenderMs);
          figures.wbActivate.samples.push(last.activateMs);
          if (last.marks['store read'] !== undefined) figures.wbStoreRead.samples.push(last.marks['store read']);
          if (last.marks['view visible'] !== undefined) figures.wbViewVisible.samples.push(last.marks['view visible']);
          ctx.log(
            `  reload ${i + 1}: first render ${fmt(last.firstRenderMs)} ms (${Object.entries(last.marks)
              .map(([k, v]) => `${k} ${fmt(v)}`)
              .join(', ')})`,
          );
        }
      } finally {
        await closeWb();
        undo();
      }
    });
  };

  return {
    name: 'activation',
    errors,
    figures,
    run,
    json: () => ({
      activationMs: jsonOf(figures.activationMs),
      activationIdleMs: jsonOf(figures.activationIdleMs),
      bundleBytes: jsonOf(figures.bundleBytes),
    }),
    missing: () => (['activationMs', 'activationIdleMs', 'bundleBytes'] as const).filter((k) => figures[k].samples.length === 0),
    report: (quick) => {
      const order: (Key | Diag)[] = [
        'activationMs',
        'wbActivate',
        'wbStoreRead',
        'wbViewVisible',
        'activationIdleMs',
        'idleActivate',
        'idleRequire',
      ];
      const bytes = medianOf(figures.bundleBytes);
      const wb = medianOf(figures.activationMs);
      const idle = medianOf(figures.activationIdleMs);
      const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
      const targets = [
        [
          'activation, workbench (wall clock)',
          wb === undefined ? 'n/a' : `${fmt(wb)} ms`,
          `≤ ${TARGETS.activationMs} ms`,
          verdict(wb === undefined ? undefined : wb <= TARGETS.activationMs),
        ],
        [
          'activation, our own code (idle Node)',
          idle === undefined ? 'n/a' : `${fmt(idle)} ms`,
          `≤ ${TARGETS.activationMs} ms`,
          verdict(idle === undefined ? undefined : idle <= TARGETS.activationMs),
        ],
        [
          'bundle dist/extension.js',
          bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(2)} MB`,
          '≤ 1.5 MB',
          verdict(bytes === undefined ? undefined : bytes <= TARGETS.bundleBytes),
        ],
      ];
      const parts: string[] = [
        `Activation (${quick ? 'quick' : 'full'}): ${HOSTS.length} lab hosts in the store, view open at start-up`,
        '',
        renderTable(
          ['figure (ms)', 'median', 'min', 'max', 'n'],
          order.map((k) => figureRow(figures[k])),
        ),
        '',
        renderTable(['target', 'measured', 'target', ''], targets),
      ];
      if (bundle) {
        const top = bundle.packages
          .slice(0, 10)
          .map((p) => [p.name, kb(p.bytes), `${((p.bytes / bundle!.esbuildBytes) * 100).toFixed(0)} %`]);
        parts.push('', renderTable(['bundle: package', 'bytes', 'share'], top));
        for (const root of ['dockerode', 'ssh2'] as const) {
          const r = bundle.pulledIn[root];
          const shown = r.packages.slice(0, 8).map((p) => `${p} ${kb(bundle?.packages.find((x) => x.name === p)?.bytes ?? 0)}`);
          const more = r.packages.length > shown.length ? `, ${r.packages.length - shown.length} more` : '';
          parts.push(`${root} and what it pulls in: ${kb(r.bytes)} (${shown.join(', ')}${more})`);
        }
      }
      if (notes.length > 0) parts.push('', ...notes.map((x) => `note: ${x}`));
      return parts.join('\n');
    },
  };
}
