import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { portUrl } from '../../src/core/portUrl.js';
import type { Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import type { Tunnel } from '../../src/transport/tunnel.js';
import { openAsBrowser, visit } from '../lab/browserVisit.js';
import { eventually } from '../lab/eventually.js';
import { addLabHost, dockerExec, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');
/** A port inside the instance; nothing of code-server's listens there. */
const APP_PORT = 8765;
/**
 * A tiny app inside the instance, on its loopback only: it answers with the
 * path it was asked for, so a test sees what code-server's proxy passed on.
 * code-server's image ships node (on PATH); the image has no python3.
 */
const APP = [
  'sh',
  '-c',
  `nohup node -e 'require("http").createServer((q, s) => s.end("port-app saw " + q.url)).listen(${APP_PORT}, "127.0.0.1")' >/tmp/port-app.log 2>&1 &`,
];

describe('Open Port: a server inside an instance, through the tunnel and code-server’s port proxy', function () {
  this.timeout(300_000);
  let swarm: Swarm;
  let dir: string;
  let tunnel: Tunnel;
  const name = uniqueName('oport');

  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addLabHost(swarm, 'alpha');
    await swarm.create({ name, host: 'alpha', image: lab().dockerImage, cpus: 1, memory: '1g' });
    await swarm.waitHealthy(name, { timeoutMs: 180_000 });
    const docker = labDocker('alpha');
    await dockerExec(docker, (await docker.getContainer(containerName(name)).inspect()).Id, APP);
    tunnel = await swarm.openTunnel(name);
    assert.equal(tunnel.via, 'worker', 'the same worker tunnel as Open');
  });
  after(async () => {
    await tunnel?.close();
    await swarm.delete(name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  it('opens the port at /proxy/N/, logged in: the token buys the cookie and the app answers at its root', async () => {
    // The app may take a moment to listen; each try spends a fresh URL, as a second Open Port would.
    const opened = await eventually(
      'the app answers through the proxy',
      async () => openAsBrowser(portUrl(await tunnel.issueUrl(), APP_PORT)),
      (o) => o.page.status === 200,
      30_000,
    );
    assert.equal(opened.path, `/proxy/${APP_PORT}/`, 'the token leaves the address bar; the path stays');
    assert.equal(opened.page.body, 'port-app saw /', 'code-server stripped its /proxy/N prefix');
    // Deeper paths go on to the app too, with the same cookie.
    const deeper = await visit(`http://127.0.0.1:${tunnel.port}/proxy/${APP_PORT}/some/page?q=1`, opened.cookie);
    assert.equal(deeper.status, 200);
    assert.equal(deeper.body, 'port-app saw /some/page?q=1');
  });

  it('at /absproxy/N/ the app sees the whole path (for an app told its base path)', async () => {
    const opened = await openAsBrowser(portUrl(await tunnel.issueUrl(), APP_PORT, 'absproxy'));
    assert.equal(opened.page.status, 200, opened.page.body);
    assert.equal(opened.page.body, `port-app saw /absproxy/${APP_PORT}/`);
  });

  it('a client without the cookie is refused, a spent port URL lets no second client in, and the app never sees them', async () => {
    const direct = await visit(`http://127.0.0.1:${tunnel.port}/proxy/${APP_PORT}/`);
    assert.equal(direct.status, 403);
    assert.doesNotMatch(direct.body, /port-app/);
    const forged = await visit(`http://127.0.0.1:${tunnel.port}/proxy/${APP_PORT}/`, `${tunnel.cookie}=not-a-session`);
    assert.equal(forged.status, 403);
    const url = portUrl(await tunnel.issueUrl(), APP_PORT);
    assert.equal((await visit(url)).status, 302, 'the first client');
    const second = await visit(url);
    assert.equal(second.status, 403, 'the second client with the same URL');
    assert.equal(second.setCookie, undefined);
    assert.match(second.body, /opened already/);
  });

  it('code-swarm open NAME --proxy-port P prints { name, url } with the port URL, and that URL opens the app', async () => {
    const child = spawn(
      process.execPath,
      [CLI, '--json', '--state-dir', dir, '--known-hosts', lab().knownHosts, 'open', name, '--proxy-port', String(APP_PORT)],
      { env: { ...process.env, SSH_AUTH_SOCK: '' } },
    );
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
      assert.deepEqual(Object.keys(printed), ['name', 'url'], 'the shape of open is kept');
      assert.equal(new URL(printed.url).pathname, `/proxy/${APP_PORT}/`);
      const opened = await openAsBrowser(printed.url);
      assert.equal(opened.page.status, 200, opened.page.body);
      assert.equal(opened.page.body, 'port-app saw /');
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('code-swarm open refuses a bad --proxy-port in one line, before any host is asked', () => {
    for (const bad of ['0', '65536', 'http']) {
      const r = spawnSync(process.execPath, [CLI, '--state-dir', dir, 'open', name, '--proxy-port', bad], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.trim(), /^[^\n]*Port .*(not a number|out of range)[^\n]*$/, bad);
    }
  });
});
