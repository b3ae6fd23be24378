import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Swarm } from '../../src/core/swarm.js';
import { loadKnownHostsFiles } from '../../src/transport/knownHosts.js';
import type { Tunnel } from '../../src/transport/tunnel.js';
import { TunnelWorkerHandle } from '../../src/transport/tunnelWorkerHandle.js';
import { failsWith } from '../lab/failsWith.js';
import { addLabHost, lab, labSwarm, uniqueName } from '../lab/lab.js';

/** GET through a tunnel, logged in with its token. */
async function getThrough(tunnel: Tunnel, path: string): Promise<{ status: number; bytes: number }> {
  const first = await fetch(tunnel.url, { redirect: 'manual' });
  assert.equal(first.status, 302, 'the token is traded for the cookie');
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const res = await fetch(`http://127.0.0.1:${tunnel.port}${path}`, { headers: { cookie } });
  return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('tunnels off the extension host thread (worker thread, own SSH connection)', function () {
  this.timeout(120_000);
  let swarm: Swarm;
  let dir: string;
  const name = uniqueName('wtun');
  before(async () => {
    ({ swarm, dir } = await labSwarm());
    await addLabHost(swarm, 'alpha');
    await swarm.create({ name, host: 'alpha', image: lab().lightImage, cpus: 0.5, memory: '128m' });
    await swarm.waitHealthy(name, { timeoutMs: 60_000 });
  });
  after(async () => {
    await swarm.delete(name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  it('runs a tunnel to an SSH host on a worker, carries a 5 MB body intact, and frees its port on close', async () => {
    const tunnel = await swarm.openTunnel(name);
    let closed = false;
    try {
      assert.equal(tunnel.via, 'worker');
      assert.equal(tunnel.note, undefined);
      assert.ok(tunnel.isOpen);
      const r = await getThrough(tunnel, '/bytes/5242880');
      assert.deepEqual(r, { status: 200, bytes: 5_242_880 });
      await tunnel.close();
      closed = true;
      assert.equal(tunnel.isOpen, false);
      assert.equal(await accepts(tunnel.port), false, 'nothing listens on the port after close');
    } finally {
      if (!closed) await tunnel.close();
    }
  });

  it('falls back to this thread, and says why, when the worker script is missing', async () => {
    const { swarm: other } = await labSwarm(dir, undefined, { tunnelWorkerScript: join(dir, 'no-such-worker.js') });
    const tunnel = await other.openTunnel(name);
    try {
      assert.equal(tunnel.via, 'this thread');
      assert.match(tunnel.note ?? '', /tunnel worker could not start .*missing/);
      assert.deepEqual(await getThrough(tunnel, '/bytes/100000'), { status: 200, bytes: 100_000 });
    } finally {
      await tunnel.close();
      other.dispose();
    }
  });

  it('the worker refuses a host key it does not already trust, and fails the open', async () => {
    const h = lab().hosts.alpha;
    const endpoint = { label: 'alpha', host: h.address, port: h.port, username: h.user, identityFiles: [lab().clientKey], agentSocket: '' };
    const view = (await swarm.views()).find((v) => v.name === name);
    const target = { remotePort: view?.port ?? 0, cookieName: 'c', sessionCookie: undefined, connectTimeoutMs: 5_000 };
    await failsWith(TunnelWorkerHandle.open({ endpoint, knownHosts: [], ...target }), 'host-key-unknown', /alpha/);
    // Alpha's real key, trusted for another address only: still not this host's.
    const alphaKeys = (await loadKnownHostsFiles([lab().knownHosts])).map((k) => ({ ...k, hosts: ['[127.0.0.9]:2222'] }));
    await failsWith(TunnelWorkerHandle.open({ endpoint, knownHosts: alphaKeys, ...target }), 'host-key-unknown', /alpha/);
    // And with the key trusted, the same call opens.
    const ok = await TunnelWorkerHandle.open({ endpoint, knownHosts: await loadKnownHostsFiles([lab().knownHosts]), ...target });
    await ok.close();
  });

  it("asks this thread for an encrypted key's passphrase, and fails the open in one line when it is wrong", async () => {
    const h = lab().hosts.alpha;
    const endpoint = {
      label: 'alpha',
      host: h.address,
      port: h.port,
      username: h.user,
      identityFiles: [lab().passphraseKey],
      agentSocket: '',
    };
    const view = (await swarm.views()).find((v) => v.name === name);
    const knownHosts = await loadKnownHostsFiles([lab().knownHosts]);
    const target = { remotePort: view?.port ?? 0, cookieName: 'c', sessionCookie: undefined, connectTimeoutMs: 5_000 };
    const asked: string[] = [];
    const answering = (answer: string) => async (keyPath: string) => (asked.push(keyPath), answer);
    await failsWith(
      TunnelWorkerHandle.open({ endpoint, knownHosts, ...target, askPassphrase: answering('not-it') }),
      'auth',
      /passphrase/i,
      { hint: true },
    );
    const ok = await TunnelWorkerHandle.open({ endpoint, knownHosts, ...target, askPassphrase: answering(lab().passphrase) });
    try {
      assert.equal(ok.isOpen, true);
      assert.equal(await accepts(ok.port), true, 'the tunnel listens once the key is unlocked');
    } finally {
      await ok.close();
    }
    // The key path crossed the thread boundary both times, as asked by the worker.
    assert.deepEqual(asked, [lab().passphraseKey, lab().passphraseKey]);
  });
});
