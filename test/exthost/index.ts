import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/**
 * Entry point VS Code's test runner calls inside the extension host
 * (extensionTestsPath): runs the suites next to this file with the real
 * `vscode` API and rejects if any test fails.
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', forbidOnly: true, forbidPending: true });
  for (const f of readdirSync(__dirname)) if (f.endsWith('.test.js')) mocha.addFile(join(__dirname, f));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
