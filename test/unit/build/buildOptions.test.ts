import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

/** The repository root, from out*\/test/unit/build/. */
const ROOT = resolve(__dirname, '../../../..');

/** A snippet bundled with the build's own options (not minified, so that tests can read it). */
async function bundled(snippet: string): Promise<string> {
  const { common } = (await import(pathToFileURL(join(ROOT, 'scripts/buildOptions.mjs')).href)) as { common: BuildOptions };
  const out = await build({
    ...common,
    sourcemap: false,
    minify: false,
    write: false,
    stdin: { contents: snippet, resolveDir: ROOT, loader: 'ts', sourcefile: 'snippet.ts' },
    outfile: join(ROOT, 'out-unused.js'),
  });
  return out.outputFiles?.[0]?.text ?? '';
}

/** Bundles a snippet with the build's own options and runs it in a Node of its own, returning the lines it printed. */
async function runBundled(snippet: string): Promise<string[]> {
  const text = await bundled(snippet);
  const dir = mkdtempSync(join(tmpdir(), 'csw-build-'));
  try {
    const file = join(dir, 'snippet.js');
    writeFileSync(file, text);
    return execFileSync(process.execPath, [file], { encoding: 'utf8' }).trimEnd().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('build options: what the bundles leave out still works as the code uses it', function () {
  this.timeout(60_000);

  it("keeps zod's English messages and only those", async () => {
    const printed = await runBundled(
      "import { z } from 'zod';\n" +
        'console.log(z.string().safeParse(5).error?.issues[0]?.message);\n' +
        "console.log(Object.keys(z.locales).join(','));\n",
    );
    assert.deepEqual(printed, ['Invalid input: expected string, received number', 'en']);
  });

  it("drops dockerode's BuildKit decoder with a clear error, and keeps the modem's followProgress the provider uses", async () => {
    const printed = await runBundled(
      "import Docker from 'dockerode';\n" +
        "const d = new Docker({ socketPath: '/nonexistent.sock' });\n" +
        'console.log(typeof d.modem.followProgress);\n' +
        'try { d.followProgress(null as never, () => undefined); } catch (e) { console.log((e as Error).message); }\n',
    );
    assert.equal(printed[0], 'function');
    assert.match(printed[1] ?? '', /BuildKit progress decoding is not part of the Code Swarm bundle/);
  });

  it('takes ssh2 and ws from the bundles next to it (dist/ssh2.js, dist/ws.js), when the code asks for them', async () => {
    const text = await bundled("export const load = () => [require('ssh2'), require('ws')];\n");
    assert.match(text, /require\("\.\/ssh2\.js"\)/);
    assert.match(text, /require\("\.\/ws\.js"\)/);
    // Neither package's own code is in the bundle (ssh2's protocol constants, ws's handshake GUID).
    assert.doesNotMatch(text, /ssh-userauth|258EAFA5-E914-47DA-95CA-C5AB0DC85B11/);
  });

  it("leaves docker-modem's ssh:// transport out, so dockerode does not load ssh2, with a clear error if it is ever used", async () => {
    const printed = await runBundled(
      // docker-modem builds a URL Node warns about; the warning is not what this is about.
      "import Docker from 'dockerode';\nprocess.noDeprecation = true;\n" +
        "const d = new Docker({ protocol: 'ssh', host: 'example.invalid', port: 22 });\n" +
        "d.ping().then(() => console.log('answered'), (e: Error) => console.log(e.message));\n",
    );
    assert.match(printed[0] ?? '', /docker-modem's ssh:\/\/ transport is not part of the Code Swarm bundle/);
    assert.doesNotMatch(await bundled("import Docker from 'dockerode';\nconsole.log(Docker);\n"), /ssh-userauth|require\("\.\/ssh2\.js"\)/);
  });
});
