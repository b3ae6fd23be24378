import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { resolveRunUser, unfitReason } from '../../../../src/providers/docker/bringCodeServer.js';
import { CODE_SERVER_LABEL, injectionFromLabels, withCodeServer } from '../../../../src/providers/docker/codeServerOptions.js';
import { containerOptions, PROJECT_DIR, specFromInspect } from '../../../../src/providers/docker/containerOptions.js';
import { hardeningProblems } from '../../../../src/providers/docker/hardeningReadBack.js';
import { tarDirectories } from '../../../../src/providers/docker/tarDirectories.js';
import type { CodeServerInjection, InstanceSpec } from '../../../../src/providers/provider.js';

const injection: CodeServerInjection = {
  volume: 'code-swarm-code-server-0123456789ab',
  user: '1000:1000',
  uid: 1000,
  gid: 1000,
  home: '/home/coder',
};
const spec: InstanceSpec = {
  id: '0b8e6f0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  name: 'web',
  image: 'code-swarm-test/light:2',
  cpus: 1,
  memoryBytes: 1024 ** 3,
  pidsLimit: 1024,
  cookieSuffix: 'abc123',
  hashedPassword: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
  storeId: '7b0c4a52-5d0e-4c1e-9d3c-3c1f0f0e2a11',
  codeServer: injection,
};
const glibc = { libc: 'glibc', hasLibstdcxx: true } as const;

/** What an engine's inspect shows of a container made with these options (before it starts). */
function inspectOf(o: Docker.ContainerCreateOptions): Docker.ContainerInspectInfo {
  return {
    Config: { User: o.User, Labels: o.Labels, Env: o.Env, Image: o.Image },
    HostConfig: o.HostConfig,
    NetworkSettings: { Ports: {} },
  } as unknown as Docker.ContainerInspectInfo;
}
const source = { image: 'code-swarm-test/code-server:4.139.1', architecture: 'amd64' };

describe('bringing code-server into an image', () => {
  it('refuses musl, loader-less, libstdc++-less and foreign-architecture images with the reason', () => {
    assert.equal(unfitReason({ architecture: 'amd64' }, source, glibc), undefined);
    assert.match(unfitReason({ architecture: 'amd64' }, source, { libc: 'musl', hasLibstdcxx: true }) ?? '', /musl-based/);
    assert.match(unfitReason({ architecture: 'amd64' }, source, { libc: 'none', hasLibstdcxx: false }) ?? '', /no glibc loader/);
    assert.match(unfitReason({ architecture: 'amd64' }, source, { libc: 'glibc', hasLibstdcxx: false }) ?? '', /libstdc\+\+/);
    assert.match(unfitReason({ architecture: 'arm64' }, source, glibc) ?? '', /built for arm64.*for amd64/);
    assert.match(unfitReason({ architecture: 's390x' }, { ...source, architecture: 's390x' }, glibc) ?? '', /not supported/);
  });

  it('never runs code-server as root: root, 0 and a name for uid 0 become uid 1000 with /home/coder', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nvscode:x:1001:1002::/home/vscode:/bin/bash\n';
    for (const u of ['', 'root', '0', '0:0', 'toor']) {
      assert.deepEqual(resolveRunUser('img', u, passwd), { uid: 1000, gid: 1000, home: '/home/coder' }, u);
    }
    assert.deepEqual(resolveRunUser('img', 'vscode', passwd), { uid: 1001, gid: 1002, home: '/home/vscode' });
    assert.deepEqual(resolveRunUser('img', '1001', passwd), { uid: 1001, gid: 1001, home: '/home/vscode' });
    assert.deepEqual(resolveRunUser('img', '4242:4343', passwd), { uid: 4242, gid: 4343, home: '/home/coder' });
    assert.throws(() => resolveRunUser('img', 'ghost', passwd), /runs as ghost, who is not in its \/etc\/passwd/);
  });

  it('starts code-server from the read-only volume with an init, and keeps every hardening setting', () => {
    const o = containerOptions(spec, { name: 'code-swarm-web', image: spec.image, user: '1000:1000', volume: 'ws' });
    assert.deepEqual(o.Entrypoint, ['/opt/code-swarm/cs/node', '/opt/code-swarm/cs/code-server/out/node/entry.js']);
    assert.equal(o.User, '1000:1000');
    assert.equal(o.HostConfig?.Init, true);
    assert.ok(o.Env?.includes('HOME=/home/coder'));
    assert.deepEqual(o.HostConfig?.Mounts, [
      { Type: 'volume', Source: 'ws', Target: PROJECT_DIR },
      { Type: 'volume', Source: injection.volume, Target: '/opt/code-swarm', ReadOnly: true },
    ]);
    const inspect = inspectOf(o);
    assert.deepEqual(hardeningProblems(inspect, spec, false), []);
    // A restore reads the injection back and makes the same container.
    const back = specFromInspect(inspect, { id: spec.id, name: spec.name, containerId: 'c' });
    assert.deepEqual(back.codeServer, injection);
    assert.deepEqual(containerOptions(back, { name: 'code-swarm-web', image: spec.image, user: '1000:1000', volume: 'ws' }), o);
  });

  it("runs the volume's own init as PID 1 when it has one, instead of the engine's, and a restore keeps it", () => {
    const withInit: InstanceSpec = { ...spec, codeServer: { ...injection, init: true } };
    const o = containerOptions(withInit, { name: 'code-swarm-web', image: spec.image, user: '1000:1000', volume: 'ws' });
    assert.deepEqual(o.Entrypoint, [
      '/opt/code-swarm/cs/init',
      '/opt/code-swarm/cs/node',
      '/opt/code-swarm/cs/code-server/out/node/entry.js',
    ]);
    assert.equal(o.HostConfig?.Init, undefined, "no engine init: Podman's catatonit may be missing on the host");
    const inspect = inspectOf(o);
    assert.deepEqual(hardeningProblems(inspect, withInit, false), []);
    const back = specFromInspect(inspect, { id: spec.id, name: spec.name, containerId: 'c' });
    assert.deepEqual(back.codeServer, withInit.codeServer);
    assert.deepEqual(containerOptions(back, { name: 'code-swarm-web', image: spec.image, user: '1000:1000', volume: 'ws' }), o);
    // Only `true` turns it on: an edited label cannot point the entrypoint elsewhere.
    const label = JSON.stringify({ volume: injection.volume, uid: 1000, gid: 1000, home: '/home/coder', init: 'yes' });
    assert.equal(injectionFromLabels({ [CODE_SERVER_LABEL]: label }).codeServer?.init, undefined);
  });

  it('leaves an image with its own code-server as it was, and trusts no edited label', () => {
    const plain = containerOptions({ ...spec, codeServer: undefined } as InstanceSpec, { name: 'n', image: 'i', user: 'u', volume: 'v' });
    assert.equal(withCodeServer(plain, undefined), plain);
    assert.equal(plain.Entrypoint, undefined);
    for (const bad of [
      '{"volume":"/etc","uid":1000,"gid":1000,"home":"/h"}',
      '{"volume":"code-swarm-code-server-0123456789ab","uid":0,"gid":0,"home":"/h"}',
      '{"volume":"code-swarm-code-server-0123456789ab","uid":1000,"gid":1000,"home":"rel"}',
      'not json',
    ]) {
      assert.deepEqual(injectionFromLabels({ [CODE_SERVER_LABEL]: bad }), {}, bad);
    }
  });

  it('writes a tar of owned directories that tar(1) reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tardirs-'));
    try {
      const file = join(dir, 'd.tar');
      writeFileSync(
        file,
        tarDirectories([
          { path: 'home/coder', uid: 1000, gid: 1001, mode: 0o755 },
          { path: 'home/coder/project/', uid: 1000, gid: 1001, mode: 0o700 },
        ]),
      );
      const listing = execFileSync('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' });
      assert.match(listing, /^drwxr-xr-x 1000\/1001 .* home\/coder\/$/m);
      assert.match(listing, /^drwx------ 1000\/1001 .* home\/coder\/project\/$/m);
      assert.throws(() => tarDirectories([{ path: '../etc', uid: 1, gid: 1, mode: 0o755 }]));
      assert.throws(() => tarDirectories([{ path: '/etc', uid: 1, gid: 1, mode: 0o755 }]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
