import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { lab } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

export const VSIX = resolve(__dirname, '../../../dist/code-swarm.vsix');
export const ARTIFACTS = resolve(__dirname, '../../../test-artifacts');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

export interface Workbench {
  readonly url: string;
  readonly dir: string;
  readonly userDir: string;
  readonly page: Page;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real VS Code workbench: code-server on 127.0.0.1 with the packaged .vsix
 * installed, and headless Debian Chromium driven by Playwright.
 */
export interface WorkbenchOptions {
  /** Start code-server with VS Code's smoke-test driver (for extension-host tests). */
  readonly smokeTestDriver?: boolean;
  /** The `payload` URL parameter (extensionDevelopmentPath, extensionTestsPath). */
  readonly payload?: (base: URL) => Array<[string, string]>;
  /** Skip installing the .vsix (the payload loads the extension from source). */
  readonly installVsix?: boolean;
  readonly beforeOpen?: (page: Page) => Promise<void>;
}

export async function openWorkbench(settings: Record<string, unknown>, options: WorkbenchOptions = {}): Promise<Workbench> {
  const codeServer = lab().codeServerBin;
  // code-server 4.139 needs the lab's Node 24 first on PATH (its bin is `#!/usr/bin/env node`).
  const env = { ...process.env, PATH: `${lab().nodeDir}/bin:${process.env.PATH ?? ''}`, SSH_AUTH_SOCK: '' };
  // Under the suite root: the secret audit searches its logs (the extension's output channel) and profile after the run.
  const dir = suiteDir('csw-e2e-');
  const userDir = join(dir, 'user');
  const extDir = join(dir, 'extensions');
  const folder = join(dir, 'project');
  for (const d of [join(userDir, 'User'), extDir, folder, ARTIFACTS]) mkdirSync(d, { recursive: true });
  writeFileSync(
    join(userDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        ...settings,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'config.yaml'), 'disable-telemetry: true\n');
  if (options.installVsix ?? !options.smokeTestDriver) {
    const install = spawnSync(codeServer, ['--extensions-dir', extDir, '--user-data-dir', userDir, '--install-extension', VSIX], {
      encoding: 'utf8',
      env,
    });
    if (install.status !== 0) throw new Error(`installing the .vsix failed: ${install.stderr || install.stdout}`);
  }

  const port = await freePort();
  // code-server's own output is a log like any other: kept for the secret audit.
  const serverLog = openSync(join(dir, 'code-server.log'), 'a');
  const server: ChildProcess = spawn(
    codeServer,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--config',
      join(dir, 'config.yaml'),
      '--user-data-dir',
      userDir,
      '--extensions-dir',
      extDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ],
    { detached: true, stdio: ['ignore', serverLog, serverLog], env },
  );
  closeSync(serverLog);
  // The test process must not wait on code-server; close() ends it.
  server.unref();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 150) throw new Error('code-server did not come up within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  const context: BrowserContext = await chromium.launchPersistentContext(join(dir, 'chromium'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  if (options.beforeOpen) await options.beforeOpen(page);
  const payload = options.payload ? `&payload=${encodeURIComponent(JSON.stringify(options.payload(new URL(base))))}` : '';
  const url = `${base}/?folder=${encodeURIComponent(folder)}${payload}`;
  await page.goto(url);
  return {
    url,
    dir,
    userDir,
    page,
    async screenshot(name) {
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close().catch(() => undefined);
      // code-server was started in its own process group: signal all of it.
      try {
        if (server.pid) process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

/** Runs a command from the palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // A key press goes to whatever holds the focus; under load that can be a webview's frame that
  // swallows it. Then the focus goes back to the workbench's own document and the key is pressed again.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(attempt % 2 ? 'F1' : 'Control+Shift+P');
    const shown = await input.waitFor({ state: 'visible', timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (shown) break;
    if (attempt === 3) throw new Error(`the command palette did not open for "${title}" after ${attempt} key presses`);
    await page.evaluate('document.activeElement instanceof HTMLElement && document.activeElement.blur()');
  }
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row').first();
  await row.waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Types into the open QuickPick/InputBox and confirms. */
export async function answer(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

export function treeRow(page: Page, label: string) {
  return page.locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: label }) });
}
