import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { requireDiskQuota } from '../../../src/core/diskQuota.js';
import { parseDisk } from '../../../src/core/validate.js';
import { containerOptions, specFromInspect } from '../../../src/providers/docker/containerOptions.js';
import { hardeningProblems } from '../../../src/providers/docker/hardeningReadBack.js';
import { instanceBody } from '../../../src/providers/lxd/instanceConfig.js';
import type { InstanceSpec, Provider } from '../../../src/providers/provider.js';
import { SwarmError } from '../../../src/shared/errors.js';
import type { HostRecord } from '../../../src/shared/model.js';

const spec: InstanceSpec = {
  id: 'i-1',
  name: 'web',
  image: 'code-swarm-test/code-server:4.139.1',
  cpus: 1,
  memoryBytes: 1024 ** 3,
  pidsLimit: 512,
  cookieSuffix: 'sfx',
  hashedPassword: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
  storeId: 's-1',
  diskBytes: 10 * 1024 ** 3,
};
const host = { name: 'alpha', provider: 'docker' } as HostRecord;

describe('disk quotas (--disk)', () => {
  it('reads a size like --memory, and refuses zero, junk and sizes too small for code-server', () => {
    assert.equal(parseDisk('10g'), 10 * 1024 ** 3);
    assert.equal(parseDisk(' 1.5G '), 1.5 * 1024 ** 3);
    assert.equal(parseDisk('512m'), 512 * 1024 ** 2);
    for (const [bad, said] of [
      ['0', /is zero/],
      ['ten', /is not a size/],
      ['-1g', /is not a size/],
      ['100m', /too small/],
      ['65t', /too large/],
    ] as const) {
      assert.throws(
        () => parseDisk(bad),
        (e: unknown) => e instanceof SwarmError && e.code === 'invalid-input' && said.test(e.message),
        bad,
      );
    }
  });

  it('is refused in one line naming the storage where the host cannot enforce it, and passes where it can', async () => {
    const says = (why: string | undefined) => ({ diskQuotaProblem: () => Promise.resolve(why) }) as unknown as Provider;
    await requireDiskQuota(host, says(undefined));
    await assert.rejects(requireDiskQuota(host, says('Docker keeps containers with overlay2 on extfs')), (e: unknown) => {
      assert.ok(e instanceof SwarmError && e.code === 'invalid-input');
      assert.equal(e.message, 'alpha cannot enforce --disk: Docker keeps containers with overlay2 on extfs');
      assert.match(e.hint ?? '', /without --disk/);
      return true;
    });
    // An engine with no way to at all.
    await assert.rejects(requireDiskQuota(host, {} as Provider), /alpha cannot enforce --disk: a docker host has no way to/);
  });

  it("gives a Docker container's writable layer and (dockerProvider) its workspace the size, read back and kept by a restore", () => {
    const o = containerOptions(spec, { name: 'code-swarm-web', image: spec.image, user: '1000:1000', volume: 'ws' });
    assert.deepEqual(o.HostConfig?.StorageOpt, { size: String(10 * 1024 ** 3) });
    const inspect = {
      Config: { User: o.User, Labels: o.Labels, Env: o.Env, Image: o.Image },
      HostConfig: { ...o.HostConfig, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      NetworkSettings: { Ports: {} },
    } as unknown as Docker.ContainerInspectInfo;
    assert.deepEqual(hardeningProblems(inspect, spec, false), []);
    const dropped = { ...inspect, HostConfig: { ...inspect.HostConfig, StorageOpt: {} } } as Docker.ContainerInspectInfo;
    assert.deepEqual(hardeningProblems(dropped, spec, false), [`disk size ${10 * 1024 ** 3} not applied`]);
    assert.equal(specFromInspect(inspect, { id: spec.id, name: spec.name, containerId: 'c' }).diskBytes, spec.diskBytes);
    const byHand = { ...inspect, HostConfig: { ...inspect.HostConfig, StorageOpt: { size: '20G' } } } as Docker.ContainerInspectInfo;
    assert.equal(specFromInspect(byHand, { id: spec.id, name: spec.name, containerId: 'c' }).diskBytes, 20 * 1024 ** 3);
    const none = containerOptions({ ...spec, diskBytes: undefined } as InstanceSpec, { name: 'n', image: 'i', user: 'u', volume: 'v' });
    assert.equal(none.HostConfig?.StorageOpt, undefined);
  });

  it("gives an LXD instance the profile's root device on its pool, with the size", () => {
    const body = instanceBody('web', spec, 20001, 'sized') as { devices: Record<string, Record<string, string>> };
    assert.deepEqual(body.devices['root'], { type: 'disk', path: '/', pool: 'sized', size: `${10 * 1024 ** 3}B` });
    const plain = instanceBody('web', { ...spec, diskBytes: undefined } as InstanceSpec, 20001) as { devices: Record<string, unknown> };
    assert.equal(plain.devices['root'], undefined, 'no quota: the profile root as it is');
  });
});
