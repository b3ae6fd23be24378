import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Swarm } from '../../src/core/swarm.js';
import { CODE_SERVER_LABEL } from '../../src/providers/docker/codeServerOptions.js';
import { containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { addLabHost, dockerExec, hardeningInside, lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

type Where = 'alpha' | 'local' | 'epsilon';

/** Our code-server volumes and fill containers on an engine. */
async function codeServerLeftovers(docker: Docker): Promise<{ volumes: string[]; fills: string[] }> {
  const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith('code-swarm-code-server-'));
  const fills = (await docker.listContainers({ all: true, filters: { label: ['code-swarm.code-server-from'] } })).map(
    (c) => c.Names[0] ?? '',
  );
  return { volumes, fills };
}

/** A tiny image laid out like Alpine (musl's loader where Alpine has it), imported from a tar made here: nothing can be pulled. */
function importMuslImage(docker: Where, tag: string): void {
  const root = suiteDir('csw-musl-');
  mkdirSync(join(root, 'lib'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'lib/ld-musl-x86_64.so.1'), '\x7fELF musl loader stand-in\n');
  writeFileSync(join(root, 'etc/alpine-release'), '3.20.0\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const tar = join(root, '..', `${tag.replace(/[/:]/g, '_')}.tar`);
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  const host = docker === 'local' ? lab().local.dockerSocket : lab().hosts[docker].engineSocketOnLabMachine;
  execFileSync('docker', ['-H', `unix://${host}`, 'import', '-c', 'ENTRYPOINT ["/bin/sh"]', tar, tag], { stdio: 'ignore' });
}

/** Through the instance's tunnel, with the cookie the tunnel's token buys: code-server's workspace, not its login page. */
async function assertLoggedIn(swarm: Swarm, name: string): Promise<void> {
  const tunnel = await swarm.openTunnel(name);
  try {
    const first = await fetch(tunnel.url, { redirect: 'manual' });
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    const page = await fetch(`http://127.0.0.1:${tunnel.port}/`, { redirect: 'manual', headers: { cookie } });
    assert.equal(page.status, 302);
    assert.doesNotMatch(page.headers.get('location') ?? '', /login/);
    const stranger = await fetch(`http://127.0.0.1:${tunnel.port}/`, { redirect: 'manual' });
    assert.equal(stranger.status, 403);
  } finally {
    await tunnel.close();
  }
}

// epsilon is Podman without catatonit (its --init): the volume's own init runs instead.
for (const where of ['alpha', 'local', 'epsilon'] as const) {
  describe(`any image: code-server brought into an image without it (${where})`, function () {
    this.timeout(420_000);
    let swarm: Swarm;
    const docker = labDocker(where);

    before(async () => {
      ({ swarm } = await labSwarm());
      await addLabHost(swarm, where);
    });

    after(async () => {
      for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    });

    it('runs the lab light image (Debian, no code-server) as a healthy, logged-in, hardened instance; two creates racing fill the volume once', async () => {
      // From an empty volume, so the fill (and its race) really happens; nothing else on the lab uses it.
      for (const v of (await codeServerLeftovers(docker)).volumes)
        await docker
          .getVolume(v)
          .remove()
          .catch(() => undefined);
      const names = [uniqueName('anyimg'), uniqueName('anyimg')];
      const views = await Promise.all(names.map((name) => swarm.create({ name, host: where, image: lab().plainImage, memory: '1g' })));
      assert.deepEqual(
        views.map((v) => v.image),
        [lab().plainImage, lab().plainImage],
      );
      await Promise.all(names.map((n) => swarm.waitHealthy(n, { timeoutMs: 120_000 })));
      const left = await codeServerLeftovers(docker);
      assert.equal(left.volumes.length, 1, `one code-server volume: ${left.volumes.join(', ')}`);
      assert.deepEqual(left.fills, [], 'no filling container stays');
      const info = await docker.getContainer(containerName(names[0]!)).inspect();
      assert.ok(info.Config.Labels?.[CODE_SERVER_LABEL], 'the container says it runs the host code-server');
      assert.deepEqual(info.Config.Entrypoint, [
        '/opt/code-swarm/cs/init',
        '/opt/code-swarm/cs/node',
        '/opt/code-swarm/cs/code-server/out/node/entry.js',
      ]);
      assert.ok(!info.HostConfig.Init, "the code-server image's dumb-init, copied into the volume, is PID 1: no engine init");
      assert.match(await dockerExec(docker, info.Id, ['sh', '-c', 'tr "\\0" " " </proc/1/cmdline']), /^\/opt\/code-swarm\/cs\/init /);
      const csMount = info.Mounts.find((m) => m.Destination === '/opt/code-swarm');
      assert.equal(csMount?.Name, left.volumes[0]);
      assert.equal(csMount?.RW, false, 'mounted read-only');
      const inside = await hardeningInside(docker, info.Id);
      assert.deepEqual([inside.uid, inside.capEff, inside.noNewPrivs], ['1000', 0n, '1']);
      // code-server itself answers, not the image's own light server.
      assert.match(await dockerExec(docker, info.Id, ['sh', '-c', 'cat /proc/*/cmdline | tr "\\0" " "']), /out\/node\/entry\.js/);
      assert.equal(
        (await dockerExec(docker, info.Id, ['sh', '-c', 'touch /opt/code-swarm/x 2>&1 || echo ro'])).trim().split('\n').pop(),
        'ro',
      );
      assert.match(await dockerExec(docker, info.Id, ['sh', '-c', 'stat -c %u "$HOME" /home/coder/project']), /^1000\n1000\n$/);
      assert.equal((await swarm.checkHealth(names[0]!)).health, 'healthy');
      await assertLoggedIn(swarm, names[0]!);
      // A restart keeps it (the injection is in the container's options, not in a one-time step).
      await swarm.restart(names[1]!);
      await swarm.waitHealthy(names[1]!, { timeoutMs: 60_000 });
    });

    it('gives a code-server volume filled before inits were copied an init at the next create', async () => {
      const [volume] = (await codeServerLeftovers(docker)).volumes;
      assert.ok(volume, 'the volume the test above filled');
      // As an earlier version left it: complete, with neither the init nor the word that there is none.
      const old = await docker.createContainer({
        Image: lab().dockerImage,
        User: '0:0',
        Entrypoint: ['/bin/sh', '-c', 'rm -f /fill/cs/init /fill/cs/.no-init'],
        Cmd: [],
        HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/fill' }] },
      });
      await old.start();
      assert.equal(((await old.wait()) as { StatusCode: number }).StatusCode, 0);
      await old.remove();
      const name = uniqueName('anyinit');
      await swarm.create({ name, host: where, image: lab().plainImage, memory: '1g' });
      await swarm.waitHealthy(name, { timeoutMs: 120_000 });
      const info = await docker.getContainer(containerName(name)).inspect();
      assert.equal(info.Config.Entrypoint?.[0], '/opt/code-swarm/cs/init', 'the init was added, and is PID 1');
      assert.deepEqual((await codeServerLeftovers(docker)).volumes, [volume], 'the same volume, not a new one');
      await swarm.delete(name, { purge: true });
    });

    it('refuses a musl image in one line, leaving no container or volume behind', async () => {
      const tag = `code-swarm-test/musl-${process.pid}:1`;
      importMuslImage(where, tag);
      try {
        const before = await codeServerLeftovers(docker);
        const name = uniqueName('musl');
        await assert.rejects(swarm.create({ name, host: where, image: tag }), (e: Error) => {
          assert.match(
            e.message,
            /^The image code-swarm-test\/musl-\d+:1 has no code-server and cannot run the one Code Swarm brings: it is musl-based/,
          );
          assert.doesNotMatch(e.message, /\n/);
          return true;
        });
        assert.deepEqual(
          (await swarm.views()).map((v) => v.name).filter((n) => n === name),
          [],
          'no record',
        );
        const probes = await docker.listContainers({ all: true, filters: { label: ['code-swarm.probe'] } });
        assert.deepEqual(probes, [], 'the probe container is gone');
        await assert.rejects(docker.getContainer(containerName(name)).inspect(), /404|no such container/i);
        await assert.rejects(docker.getVolume(volumeName(name)).inspect(), /404|no such volume/i);
        assert.deepEqual(await codeServerLeftovers(docker), before);
      } finally {
        await docker
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined);
      }
    });
  });
}

describe('any image on a Swarm-mode host (swarm1)', function () {
  this.timeout(120_000);
  it('refuses an image without code-server in one line, before any service exists', async () => {
    const { swarm } = await labSwarm();
    try {
      await addLabHost(swarm, 'swarm1');
      const name = uniqueName('swimg');
      await assert.rejects(swarm.create({ name, host: 'swarm1', image: lab().plainImage }), (e: Error) => {
        assert.match(e.message, /^The image code-swarm-test\/plain:1 has no code-server, and a Swarm-mode host cannot bring it in$/);
        return true;
      });
      const services = await labDocker('swarm1').listServices({ filters: { label: ['code-swarm.instance'] } });
      assert.deepEqual(
        services.map((s) => s.Spec?.Name ?? '').filter((n) => n.includes(name)),
        [],
      );
      assert.deepEqual(await labDocker('swarm1').listContainers({ all: true, filters: { label: ['code-swarm.probe'] } }), []);
    } finally {
      swarm.dispose();
    }
  });
});
