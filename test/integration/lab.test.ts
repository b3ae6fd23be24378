import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { createDockerClient } from '../../src/providers/docker/dockerClient.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { loadKnownHostsFiles } from '../../src/transport/knownHosts.js';
import type { SshConnection } from '../../src/transport/sshConnection.js';
import { StreamAgent } from '../../src/transport/streamAgent.js';
import { failsWith } from '../lab/failsWith.js';
import { lab, labConnection, type LabHostName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

function httpGetJson(agent: StreamAgent, path: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', path, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** ESTABLISHED TCP connections from this process to a lab host's sshd. */
function sshConnectionsFromThisProcess(address: string): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `${address}:22`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

function dockerOver(conn: SshConnection, socket = '/var/run/docker.sock'): Docker {
  return createDockerClient(new SshHostLink(conn), socket);
}

describe('lab: the testbed is real', function () {
  this.timeout(60_000);
  const open: SshConnection[] = [];
  const track = (c: SshConnection) => (open.push(c), c);
  after(() => open.forEach((c) => c.dispose()));

  for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'swarm1', 'swarm2', 'swarm3', 'solo'] as LabHostName[]) {
    it(`reaches ${name} over SSH with its host key checked`, async () => {
      const conn = track(labConnection(name));
      const r = await conn.exec(['id', '-un']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), lab().hosts[name].user);
    });
  }

  it('refuses a host whose key differs from known_hosts, naming both fingerprints', async () => {
    const env = lab();
    const dir = suiteDir('csw-kh-');
    // alpha's address listed with beta's key: exactly what a MITM looks like.
    writeFileSync(join(dir, 'known_hosts'), `${env.hosts.alpha.address} ${env.hosts.beta.hostKeyPub}\n`);
    const conn = track(
      labConnection('alpha', { hostKeys: { knownHosts: () => loadKnownHostsFiles([join(dir, 'known_hosts')]), onUnknown: () => true } }),
    );
    const e = await failsWith(conn.exec(['true']), 'host-key-changed', /CHANGED.*SHA256:.*known_hosts has SHA256:/);
    assert.match(e.oneLine(), /ssh-keygen -R/);
  });

  it('stops at an unknown host key and shows its fingerprint', async () => {
    const seen: string[] = [];
    const conn = track(
      labConnection('beta', {
        hostKeys: { knownHosts: async () => [], onUnknown: (k) => (seen.push(k.fingerprint), false) },
      }),
    );
    const fp = execFileSync('ssh-keygen', ['-lf', '-'], { input: lab().hosts.beta.hostKeyPub, encoding: 'utf8' }).split(' ')[1];
    await failsWith(conn.exec(['true']), 'host-key-unknown', new RegExp(String(fp).replace(/[+/]/g, '\\$&')));
    assert.deepEqual(seen, [fp]);
  });

  it('fails authentication with a key the host does not accept', async () => {
    const env = lab();
    const h = env.hosts.alpha;
    const conn = track(
      labConnection('alpha', {
        endpoint: { label: 'alpha', host: h.address, port: 22, username: h.user, identityFiles: [env.wrongKey], agentSocket: '' },
      }),
    );
    await failsWith(conn.exec(['true']), 'auth', /authentication as alpha/);
  });

  it('says plainly when nothing listens on the SSH port', async () => {
    const h = lab().hosts.alpha;
    const conn = track(
      labConnection('alpha', {
        endpoint: { label: 'alpha', host: h.address, port: 2, username: h.user, identityFiles: [lab().clientKey], agentSocket: '' },
        autoReconnect: false,
      }),
    );
    await failsWith(conn.exec(['true']), 'unreachable', /refused the SSH connection/);
  });

  it('talks to the Docker API through a stream-local forward on ONE SSH connection', async () => {
    const before = sshConnectionsFromThisProcess(lab().hosts.alpha.address);
    const conn = track(labConnection('alpha'));
    const docker = dockerOver(conn);
    const version = await docker.version();
    assert.match(version.ApiVersion, /^1\.\d+$/);
    // Many API calls, one after another and at once: still one TCP connection.
    for (let i = 0; i < 5; i++) await docker.listContainers({ all: true });
    await Promise.all(Array.from({ length: 10 }, () => docker.listImages()));
    assert.equal(sshConnectionsFromThisProcess(lab().hosts.alpha.address) - before, 1);
    const images = await docker.listImages();
    assert.ok(
      images.some((i) => (i.RepoTags ?? []).includes(lab().dockerImage)),
      `alpha's engine should hold ${lab().dockerImage}`,
    );
  });

  it('gives each Docker host its own engine (hosts do not see each other)', async () => {
    const a = dockerOver(track(labConnection('alpha')));
    const b = dockerOver(track(labConnection('beta')));
    const [ia, ib] = (await Promise.all([a.info(), b.info()])) as Array<{ DockerRootDir: string }>;
    assert.match(String(ia?.DockerRootDir), /alpha$/);
    assert.match(String(ib?.DockerRootDir), /beta$/);
  });

  it("reaches rootful Podman's Docker-compatible socket on epsilon, as its user, with both images loaded", async () => {
    const h = lab().hosts.epsilon;
    const docker = dockerOver(track(labConnection('epsilon')), h.remoteSocket);
    const version = (await docker.version()) as { Components?: { Name: string }[] };
    assert.ok(
      version.Components?.some((c) => c.Name === 'Podman Engine'),
      `epsilon's socket should be Podman's: ${JSON.stringify(version.Components)}`,
    );
    const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []);
    for (const image of [lab().dockerImage, lab().lightImage]) {
      assert.ok(
        // Podman names an image by its full reference (Docker's compat import puts it under docker.io/).
        tags.some((t) => t.replace(/^(docker\.io|localhost)\//, '') === image),
        `epsilon's Podman should hold ${image}: ${tags.join(', ')}`,
      );
    }
  });

  it('talks to the LXD API on gamma the same way', async () => {
    const conn = track(labConnection('gamma'));
    const agent = new StreamAgent(() => conn.openUnixSocket(lab().hosts.gamma.remoteSocket));
    const root = await httpGetJson(agent, '/1.0');
    assert.equal(root.status, 200);
    const meta = JSON.parse(root.body) as { metadata: { api_version: string; auth: string } };
    assert.equal(meta.metadata.api_version, '1.0');
    assert.equal(meta.metadata.auth, 'trusted');
    const images = JSON.parse((await httpGetJson(agent, '/1.0/images?recursion=1')).body) as {
      metadata: Array<{ aliases: Array<{ name: string }> }>;
    };
    assert.ok(images.metadata.some((i) => i.aliases.some((a) => a.name === lab().lxdImage)));
  });

  it('runs the code-server image and gets /healthz 200 through an SSH forward', async function () {
    this.timeout(90_000);
    const conn = track(labConnection('beta'));
    const docker = dockerOver(conn);
    const name = `csw-lab-test-${process.pid}`;
    const container = await docker.createContainer({
      name,
      Image: lab().dockerImage,
      Env: ['PASSWORD=lab-test-password-not-secret'],
      Labels: { 'code-swarm.test': 'lab' },
      HostConfig: {
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
    try {
      await container.start();
      const info = await container.inspect();
      const port = Number(info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort);
      assert.ok(port > 0, 'a loopback port was published');
      assert.equal(info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostIp, '127.0.0.1');
      const agent = new StreamAgent(() => conn.openTcp('127.0.0.1', port));
      let status = 0;
      let body = '';
      for (let i = 0; i < 100 && status !== 200; i++) {
        try {
          ({ status, body } = await httpGetJson(agent, '/healthz', 2_000));
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.equal(status, 200);
      assert.match(body, /"status":"(alive|expired)"/);
      const login = await httpGetJson(agent, '/');
      assert.equal(login.status, 302, 'password auth is on: / redirects to the login page');
    } finally {
      await container.remove({ force: true });
    }
  });

  it('reports permission denied on delta, whose user may not use Docker', async () => {
    const docker = dockerOver(track(labConnection('delta')));
    await failsWith(docker.version(), 'permission-denied', /delta refused to open socket \/var\/run\/docker\.sock/);
  });
});
