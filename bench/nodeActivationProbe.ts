// Child process of bench/activation.ts: loads the real bundle (dist/extension.js)
// in a plain, idle Node process with a minimal stand-in for the `vscode` module,
// activates it on a state directory, and prints one JSON line with the same
// ActivationTiming figures the workbench measures. No other extension and no
// workbench share the event loop here, so this is the extension's own code:
// module loading, activate(), reading the store, building the tree.
//
//   node out/bench/nodeActivationProbe.js BUNDLE STATE_DIR SETTINGS_JSON
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import type { CodeSwarmApi } from '../src/extension.js';

type Listener<T> = (value: T) => unknown;

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Disposable {
  constructor(private readonly fn: () => unknown) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

class TreeItem {
  [key: string]: unknown;
  constructor(
    readonly label: unknown,
    readonly collapsibleState?: number,
  ) {}
}

class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}

class ThemeColor {
  constructor(readonly id: string) {}
}

class MarkdownString {
  isTrusted = false;
  constructor(
    readonly value = '',
    readonly supportThemeIcons = false,
  ) {}
}

interface Provider {
  readonly onDidChangeTreeData?: (l: Listener<unknown>) => unknown;
  getChildren(node?: unknown): unknown;
  getTreeItem(node: unknown): unknown;
}

const noop = () => undefined;
const disposable = { dispose: noop };
const event = () => disposable;

function main(): void {
  const [bundle, stateDir, settingsJson] = process.argv.slice(2);
  if (!bundle || !stateDir) throw new Error('usage: nodeActivationProbe BUNDLE STATE_DIR [SETTINGS_JSON]');
  const settings = JSON.parse(settingsJson ?? '{}') as Record<string, unknown>;

  // What VS Code does with a tree whose view is open at start-up: the tree
  // view is created hidden and reported visible a moment later (the earliest
  // VS Code can: one turn of the event loop); it asks for the root when it
  // shows and after every change event, also a turn later (in VS Code a round
  // trip to the renderer), then for each row's item.
  const createTreeView = (_id: string, options: { treeDataProvider: Provider }) => {
    const p = options.treeDataProvider;
    const visibility = new EventEmitter<{ visible: boolean }>();
    const view = {
      visible: false,
      onDidChangeVisibility: visibility.event,
      onDidChangeSelection: event,
      reveal: async () => undefined,
      dispose: noop,
    };
    const ask = () =>
      setImmediate(() => {
        if (!view.visible) return;
        const roots = p.getChildren(undefined);
        if (Array.isArray(roots)) for (const r of roots) p.getTreeItem(r);
      });
    p.onDidChangeTreeData?.(ask);
    setImmediate(() => {
      view.visible = true;
      visibility.fire({ visible: true });
      ask();
    });
    return view;
  };
  const channel = {
    info: noop,
    warn: noop,
    error: noop,
    debug: noop,
    trace: noop,
    append: noop,
    appendLine: noop,
    show: noop,
    hide: noop,
    clear: noop,
    dispose: noop,
  };
  const vscode = {
    EventEmitter,
    Disposable,
    TreeItem,
    ThemeIcon,
    ThemeColor,
    MarkdownString,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    QuickInputButtons: { Back: {} },
    Uri: {
      file: (p: string) => ({ scheme: 'file', fsPath: p, path: p, toString: () => pathToFileURL(p).href }),
      parse: (s: string) => ({ toString: () => s }),
    },
    window: {
      createOutputChannel: () => channel,
      createTreeView,
      createStatusBarItem: () => ({ show: noop, hide: noop, dispose: noop }),
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
    },
    workspace: {
      getConfiguration: () => ({ get: (key: string) => settings[key] }),
      onDidChangeConfiguration: event,
    },
    commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
    env: {},
  };

  // `vscode` is not a real module: answer the bundle's require('vscode') with the stand-in.
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
  };

  const secrets = new Map<string, string>();
  const subscriptions: { dispose(): unknown }[] = [];
  const context = {
    subscriptions,
    globalStorageUri: vscode.Uri.file(stateDir),
    secrets: {
      get: async (k: string) => secrets.get(k),
      store: async (k: string, v: string) => void secrets.set(k, v),
      delete: async (k: string) => void secrets.delete(k),
      onDidChange: event,
    },
  };

  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is CommonJS and its load time is what this measures
  const ext = require(bundle) as { activate(c: unknown): Promise<CodeSwarmApi> };
  const requireMs = performance.now() - t0;
  void ext.activate(context).then(async (api) => {
    const times = await api.activation;
    process.stdout.write(`${JSON.stringify({ requireMs, ...times })}\n`);
    for (const s of subscriptions.reverse()) s.dispose();
    process.exit(0);
  });
  // A probe that never renders must not hang the benchmark.
  setTimeout(() => {
    process.stderr.write('the tree never rendered\n');
    process.exit(2);
  }, 30_000).unref();
}

main();
