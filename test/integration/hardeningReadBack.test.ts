import assert from 'node:assert/strict';
import type { Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import { failsWith } from '../lab/failsWith.js';
import { lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { RewritingEngineProxy, type CreateBody } from '../lab/rewritingEngineProxy.js';

/**
 * An engine that ignores a hardening setting is caught by the read-back
 * after create: the host's real engine (Docker on alpha, Podman on epsilon), reached through a socket on the host
 * that rewrites each container create the way an engine that drops a setting
 * would (rootless Podman on cgroup v1 drops pids limits; a plugin or proxy may
 * rewrite anything). The engine makes the weaker container; Code Swarm must
 * refuse it, remove it and say why.
 */
function readBackCases(labHost: 'alpha' | 'epsilon', engine: 'Docker' | 'Podman'): void {
  describe(`hardening read-back: an engine that does not apply what was asked is refused (${engine} on ${labHost})`, function () {
    this.timeout(120_000);
    let swarm: Swarm;
    const proxies: RewritingEngineProxy[] = [];
    const docker = () => labDocker(labHost);

    before(async () => {
      ({ swarm } = await labSwarm());
    });
    after(async () => {
      for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
      swarm.dispose();
      await Promise.all(proxies.map((p) => p.close()));
    });

    /** alpha, under a new host name, whose Docker socket is a proxy applying `rewrite` to creates. */
    async function hostThrough(rewrite: (body: CreateBody) => void): Promise<string> {
      const h = lab().hosts[labHost];
      const proxy = await RewritingEngineProxy.start(h, h.role === 'podman' ? 'podman' : 'docker', rewrite);
      proxies.push(proxy);
      const name = uniqueName('rw');
      await swarm.addHost({
        name,
        ssh: `${h.user}@${h.address}:${h.port}`,
        identityFile: lab().clientKey,
        provider: h.provider,
        ...(h.provider === 'podman' ? { podmanSocket: proxy.remotePath } : { dockerSocket: proxy.remotePath }),
      });
      return name;
    }

    async function assertNothingLeft(name: string): Promise<void> {
      const left = await docker().listContainers({ all: true, filters: { name: [containerName(name)] } });
      assert.deepEqual(
        left.map((c) => c.Names),
        [],
        'the weaker container was removed',
      );
      assert.equal(
        (await swarm.views()).some((v) => v.name === name),
        false,
        'and the instance is not reported',
      );
    }

    it('creates as usual through the proxy when it changes nothing (the path itself is sound)', async () => {
      const host = await hostThrough(() => undefined);
      const name = uniqueName('rw-ok');
      const created = await swarm.create({ name, host, image: lab().lightImage, cpus: 0.2, memory: '64m' });
      assert.equal(created.state, 'running');
      await swarm.delete(name, { purge: true });
    });

    it('refuses a container whose pids limit the engine dropped, naming it, and leaves nothing running', async () => {
      // Docker then applies none; Podman its containers.conf default (2048).
      const host = await hostThrough((body) => delete body.HostConfig?.['PidsLimit']);
      const name = uniqueName('rw-pids');
      await failsWith(
        swarm.create({ name, host, image: lab().lightImage, cpus: 0.2, memory: '64m' }),
        'internal',
        new RegExp(`${engine} on ${host} did not apply the hardening of ${name}: pids limit 1024 not applied \\(engine reports [^)]+\\)`),
        { hint: true },
      );
      await assertNothingLeft(name);
    });

    it('refuses a container published beyond loopback, or with capabilities kept, naming each', async () => {
      const host = await hostThrough((body) => {
        const hc = body.HostConfig ?? {};
        hc['PortBindings'] = { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] };
        hc['CapDrop'] = ['NET_RAW'];
        hc['SecurityOpt'] = [];
      });
      const name = uniqueName('rw-open');
      const e = await failsWith(
        swarm.create({ name, host, image: lab().lightImage, cpus: 0.2, memory: '64m' }),
        'internal',
        /did not apply the hardening/,
      );
      assert.match(e.message, /keeps capabilities AUDIT_WRITE, CHOWN/);
      assert.match(e.message, /no no-new-privileges/);
      assert.match(e.message, /port 8080 bound to 0\.0\.0\.0, not only 127\.0\.0\.1/);
      await assertNothingLeft(name);
    });
  });
}

readBackCases('alpha', 'Docker');
readBackCases('epsilon', 'Podman');
