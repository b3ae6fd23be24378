import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LxdClient } from '../../../../src/providers/lxd/lxdClient.js';
import { checkStartedImage, imageCheckScript } from '../../../../src/providers/lxd/lxdImageCheck.js';

/** Runs the check against a file tree under a temporary root (its absolute paths moved under it). */
function runCheck(files: Record<string, string>): number | null {
  const root = mkdtempSync(join(tmpdir(), 'csw-imgcheck-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    const script = imageCheckScript().replace(/(\[ -e |< )\//g, `$1${root}/`);
    return spawnSync('/bin/sh', ['-c', script]).status;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const GOOD = {
  '/usr/lib/code-server/out/node/entry.js': '',
  '/lib/systemd/system/code-server@.service': '[Service]\n',
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1000::/home/coder:/bin/bash\n',
};

describe('the image check in a started instance', () => {
  it('passes an image with code-server, its unit and coder (uid 1000)', () => {
    assert.equal(runCheck(GOOD), 0);
    // A passwd whose last line has no newline still counts.
    assert.equal(runCheck({ ...GOOD, '/etc/passwd': 'coder:x:1000:1000::/home/coder:/bin/bash' }), 0);
  });

  it('tells each missing part by its exit status', () => {
    const { ['/usr/lib/code-server/out/node/entry.js']: _binary, ...noBinary } = GOOD;
    assert.equal(runCheck(noBinary), 10);
    const { ['/lib/systemd/system/code-server@.service']: _unit, ...noUnit } = GOOD;
    assert.equal(runCheck(noUnit), 11);
    assert.equal(runCheck({ ...GOOD, '/etc/passwd': 'coder:x:1001:1001::/home/coder:/bin/bash\nxcoder:x:1000:1000::/:/bin/sh\n' }), 12);
  });

  it('one exec when it passes; otherwise the files API decides, with its own errors', async () => {
    const calls: string[] = [];
    const api = (returns: number) =>
      ({
        operation: (method: string, path: string) => {
          calls.push(`${method} ${path}`);
          return Promise.resolve({ id: 'op', status: 'Success', status_code: 200, metadata: { return: returns } });
        },
        head: (path: string) => {
          calls.push(`HEAD ${path}`);
          return Promise.resolve({ status: 404, headers: {} });
        },
        raw: (method: string, path: string) => {
          calls.push(`${method} ${path}`);
          return Promise.resolve({ status: 200, headers: {}, body: Buffer.from('') });
        },
      }) as unknown as LxdClient;
    await checkStartedImage(api(0), 'code-swarm-web', 'img');
    assert.deepEqual(calls, ['POST /1.0/instances/code-swarm-web/exec']);
    calls.length = 0;
    await assert.rejects(checkStartedImage(api(10), 'code-swarm-web', 'img'), /The image img has no code-server installed/);
    assert.ok(calls.some((c) => c.startsWith('HEAD /1.0/instances/code-swarm-web/files?path=')));
  });
});
