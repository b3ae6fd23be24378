import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/** Runs a dev tool from node_modules/.bin in the checkout; resolves with its exit code and output. */
async function tool(name: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(resolve(ROOT, 'node_modules/.bin', name), [...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

// Lint and format run with the tests, so a change that breaks either fails the
// suite (one test each) instead of waiting for a reviewer.
describe('lint and format', function () {
  this.timeout(180_000);

  it('ESLint finds nothing in src, test and bench', async () => {
    const { code, output } = await tool('eslint', ['--max-warnings', '0', 'src', 'test', 'bench']);
    assert.equal(code, 0, `eslint:\n${output.trim().slice(0, 4000)}`);
  });

  it('Prettier has nothing to change in src, test and bench', async () => {
    const { code, output } = await tool('prettier', ['--check', 'src', 'test', 'bench']);
    assert.equal(code, 0, `prettier (run "npm run format"):\n${output.trim().slice(0, 4000)}`);
  });
});
