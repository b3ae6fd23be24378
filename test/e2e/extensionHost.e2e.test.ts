import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { format } from 'node:util';
import { lab } from '../lab/lab.js';
import { openWorkbench, type Workbench } from './workbench.js';

const ROOT = resolve(__dirname, '../../..');

/**
 * Runs test/exthost/*.test.ts INSIDE code-server's extension host, with the
 * real `vscode` API, through the smoke-test driver hooks @vscode/test-web uses.
 */
describe('e2e: suites inside the extension host', function () {
  this.timeout(300_000);
  let wb: Workbench | undefined;
  after(async () => wb?.close());

  it('pass with the real vscode API (activation, commands, tree against the lab, secret storage)', async () => {
    const lines: string[] = [];
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (exit = r));
    wb = await openWorkbench(
      { 'codeSwarm.knownHostsFiles': [lab().knownHosts] },
      {
        smokeTestDriver: true,
        payload: (base) => [
          ['extensionDevelopmentPath', `vscode-remote://${base.host}${ROOT}`],
          ['extensionTestsPath', `vscode-remote://${base.host}${resolve(__dirname, '../exthost/index.js')}`],
        ],
        beforeOpen: async (page) => {
          // The extension host's console, as printf-style arguments.
          await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => lines.push(format(...args)));
          await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
        },
      },
    );
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), 240_000))]);
    const report = lines.join('\n');
    // Only the inner mocha report: the workbench's own chatter is noise here.
    const from = report.indexOf('extension host:');
    const inner = from >= 0 ? report.slice(Math.max(0, report.lastIndexOf('\n', from))) : report;
    process.stdout.write(
      inner
        .split('\n')
        .map((l) => `      | ${l}`)
        .join('\n') + '\n',
    );
    assert.notEqual(code, -1, 'the extension host tests did not finish in time');
    assert.equal(code, 0, 'extension host tests failed');
    assert.match(report, /passing/);
  });
});
