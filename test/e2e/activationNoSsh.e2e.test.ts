import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { Store } from '../../src/core/store.js';
import { openWorkbench, treeRow, type Workbench } from './workbench.js';

const ROOT = resolve(__dirname, '../../..');
const EXTENSION_ID = 'codeswarm.code-swarm';
const HOSTS = ['quiet-a', 'quiet-b', 'quiet-c'];

/** How many extension hosts have run activate() to its end so far (each writes one line). */
async function activations(userDir: string): Promise<number> {
  let count = 0;
  const logs = join(userDir, 'logs');
  for (const session of await readdir(logs).catch(() => [] as string[])) {
    for (const dir of await readdir(join(logs, session)).catch(() => [] as string[])) {
      const text = await readFile(join(logs, session, dir, EXTENSION_ID, 'Code Swarm.log'), 'utf8').catch(() => '');
      count += text.split('\n').filter((l) => l.includes('activate() returned')).length;
    }
  }
  return count;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Activation must not touch the network: hosts connect when the view needs
 * them. Three SSH hosts in the store point at loopback listeners that count
 * TCP connections; the extension activates (at start-up) with the Code Swarm
 * view closed, and no listener may see a connection until the view opens,
 * when every one of them must.
 */
describe('e2e: activation makes no SSH connection before the view is shown', function () {
  this.timeout(300_000);
  let wb: Workbench | undefined;
  const servers: Server[] = [];

  after(async () => {
    await wb?.close();
    if (wb) await rm(wb.dir, { recursive: true, force: true });
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('connects to no host while the view is hidden, and to each one once it shows', async () => {
    const counts = HOSTS.map(() => 0);
    const ports: number[] = [];
    for (const [i] of HOSTS.entries()) {
      const server = createServer((socket) => {
        counts[i] = (counts[i] ?? 0) + 1;
        // Not an SSH server: the extension sees the host as unreachable, which is all this needs.
        socket.destroy();
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const a = server.address();
      ports.push(typeof a === 'object' && a ? a.port : 0);
    }

    wb = await openWorkbench(
      {},
      {
        // dist/extension.js from this checkout, as the extension-host suite loads it.
        smokeTestDriver: true,
        payload: (base) => [['extensionDevelopmentPath', `vscode-remote://${base.host}${ROOT}`]],
      },
    );
    const { page, userDir } = wb;
    // The first start has an empty store; it creates the extension's storage folder.
    await until('the first activation', async () => (await activations(userDir)) >= 1, 120_000);
    const knownHosts = join(wb.dir, 'known_hosts');
    await writeFile(knownHosts, '');
    const store = await Store.open(join(userDir, 'User', 'globalStorage', EXTENSION_ID));
    await store.update((draft) => {
      HOSTS.forEach((name, i) => {
        const port = ports[i] ?? 0;
        draft.hosts.push({
          name,
          kind: 'ssh',
          provider: 'docker',
          address: `nobody@127.0.0.1:${port}`,
          hostName: '127.0.0.1',
          port,
          user: 'nobody',
          addedAt: new Date().toISOString(),
        });
      });
    });

    // A new extension host activates on a store with three hosts, the Explorer showing.
    await page.reload();
    await until('activation with the three hosts', async () => (await activations(userDir)) >= 2, 120_000);
    // Long enough for anything activation started to reach a socket; nothing may have.
    await page.waitForTimeout(3_000);
    assert.deepEqual(counts, [0, 0, 0], 'a host was contacted before the view was shown');

    const viewButton = page.locator('.part.activitybar a.action-label[aria-label^="Code Swarm"]');
    await viewButton.click();
    for (const name of HOSTS) await treeRow(page, name).waitFor({ state: 'visible', timeout: 60_000 });
    await until('a connection attempt to every host', () => counts.every((c) => c > 0), 60_000);
  });
});
