import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Swarm } from '../../src/core/swarm.js';
import type { Tunnel } from '../../src/transport/tunnel.js';
import { type Visit, visit } from '../lab/browserVisit.js';
import { addLabHost, lab, labSwarm, uniqueName } from '../lab/lab.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');

/**
 * Follows code-server's redirects from `/` with the tunnel's cookie (Docker's
 * code-server sends `/` on to its folder) and returns the page it ends on.
 */
async function landing(port: number, cookie: string): Promise<{ path: string; page: Visit }> {
  let path = '/';
  for (let hops = 0; hops < 5; hops++) {
    const page = await visit(`http://127.0.0.1:${port}${path}`, cookie);
    if (page.status < 300 || page.status >= 400 || !page.location) return { path, page };
    const next = new URL(page.location, `http://127.0.0.1:${port}${path}`);
    path = next.pathname + next.search;
  }
  assert.fail(`more than 5 redirects from / (last ${path})`);
}

/** Logged in: code-server's workbench, not its login page. */
async function assertWorkbench(port: number, cookie: string | undefined): Promise<void> {
  assert.ok(cookie, 'the browser holds the tunnel cookie');
  const { path, page } = await landing(port, cookie);
  assert.equal(page.status, 200, `${path}: ${page.body.slice(0, 200)}`);
  assert.doesNotMatch(path, /login/);
  assert.match(page.body, /workbench/i, "the page is code-server's workbench");
}

describe('tunnel URLs work once: a real code-server behind a worker tunnel', function () {
  this.timeout(240_000);
  let swarm: Swarm;
  let dir: string;
  let tunnel: Tunnel;
  const name = uniqueName('ttok');

  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addLabHost(swarm, 'alpha');
    await swarm.create({ name, host: 'alpha', image: lab().dockerImage, cpus: 1, memory: '1g' });
    await swarm.waitHealthy(name, { timeoutMs: 180_000 });
    tunnel = await swarm.openTunnel(name);
    assert.equal(tunnel.via, 'worker');
  });
  after(async () => {
    await tunnel?.close();
    await swarm.delete(name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  let cookie = '';

  it('the first request trades the token for a cookie and sends the browser to the URL without it, logged in', async () => {
    const first = await visit(tunnel.url);
    assert.equal(first.status, 302);
    assert.equal(first.location, '/', 'the token leaves the address bar');
    assert.ok(first.setCookie?.startsWith(`${tunnel.cookie}=`), String(first.setCookie));
    assert.ok(!first.setCookie?.includes(new URL(tunnel.url).searchParams.get('code-swarm-token') ?? '-'), 'the cookie is not the token');
    cookie = first.setCookie ?? '';
    await assertWorkbench(tunnel.port, cookie);
  });

  it('a reload of the same URL in that browser still works', async () => {
    assert.ok(cookie, 'the browser holds the cookie (previous test)');
    const reload = await visit(tunnel.url, cookie);
    assert.equal(reload.status, 302);
    assert.equal(reload.location, '/');
    assert.equal(reload.setCookie, undefined, 'no second cookie for a spent token');
    await assertWorkbench(tunnel.port, cookie);
  });

  it('a second client with only the URL is refused, with a message that says why', async () => {
    const stranger = await visit(tunnel.url);
    assert.equal(stranger.status, 403);
    assert.equal(stranger.setCookie, undefined);
    assert.match(stranger.body, /opened already.*works once/);
    // Nor does it get in by guessing the cookie from the URL, or by going straight to the page.
    assert.equal(
      (await visit(`http://127.0.0.1:${tunnel.port}/`, `${tunnel.cookie}=${new URL(tunnel.url).searchParams.get('code-swarm-token')}`))
        .status,
      403,
    );
    assert.equal((await visit(`http://127.0.0.1:${tunnel.port}/`)).status, 403);
  });

  it('a further URL from the same tunnel (issueUrl, across the worker) lets one more browser in', async () => {
    const other = await tunnel.issueUrl();
    assert.notEqual(other, tunnel.url);
    const second = await visit(other);
    assert.equal(second.status, 302);
    assert.ok(second.setCookie);
    await assertWorkbench(tunnel.port, second.setCookie);
    assert.equal((await visit(other)).status, 403);
  });

  it('code-swarm open prints { name, url } first, holds the tunnel, and its URL lets one client in', async () => {
    const child = spawn(process.execPath, [CLI, '--json', '--state-dir', dir, '--known-hosts', lab().knownHosts, 'open', name], {
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('\n')) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no URL from code-swarm open; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const printed = JSON.parse(stdout.split('\n')[0] ?? '') as { name: string; url: string };
      assert.deepEqual(Object.keys(printed), ['name', 'url']);
      assert.equal(printed.name, name);
      const first = await visit(printed.url);
      assert.equal(first.status, 302);
      assert.ok(first.setCookie);
      await assertWorkbench(Number(new URL(printed.url).port), first.setCookie);
      assert.equal((await visit(printed.url)).status, 403, 'a second client with the printed URL');
      assert.equal(child.exitCode, null, 'the tunnel is held until Ctrl-C');
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
