import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { containerOptions, PROJECT_DIR, specFromInspect } from '../../../../src/providers/docker/containerOptions.js';
import { observedFromInspect } from '../../../../src/providers/docker/dockerState.js';
import { gpusFromHostConfig, mountsFromEngine } from '../../../../src/providers/docker/instanceOptions.js';
import { TAG_LABEL_PREFIX } from '../../../../src/providers/common/labels.js';
import type { InstanceSpec } from '../../../../src/providers/provider.js';

const spec: InstanceSpec = {
  id: 'id-1',
  name: 'web',
  image: 'img:1',
  cpus: 1,
  memoryBytes: 1024 ** 3,
  pidsLimit: 1024,
  cookieSuffix: 'abc',
  hashedPassword: '$argon2id$hash',
  storeId: 'store-1',
  env: { API_URL: 'https://x', TOKEN: 's3cr3t=1' },
  tags: { team: 'web', 'env.stage': 'prod' },
  mounts: [
    { type: 'volume', source: 'data', target: '/home/coder/data', readOnly: false },
    { type: 'bind', source: '/srv/ref', target: '/mnt/ref', readOnly: true },
  ],
};
const at = { name: 'code-swarm-web', image: 'img:1', user: '1000', volume: 'code-swarm-web-project' };

describe('docker create options carry env, tags, mounts and GPUs', () => {
  it('puts env before our login variables, which come last and once', () => {
    const env = containerOptions({ ...spec, env: { ...spec.env, HASHED_PASSWORD: 'evil' } }, at).Env ?? [];
    assert.deepEqual(env, [
      'API_URL=https://x',
      'TOKEN=s3cr3t=1',
      'HASHED_PASSWORD=$argon2id$hash',
      'CODE_SERVER_COOKIE_SUFFIX=abc',
      // Idle auto-stop's variable, empty when off (docs/IDLE.md).
      'CODE_SERVER_IDLE_TIMEOUT_SECONDS=',
    ]);
  });

  it('writes tags as labels under code-swarm.tag., never as bare keys, and no env value in any label', () => {
    const labels = containerOptions(spec, at).Labels ?? {};
    assert.equal(labels[`${TAG_LABEL_PREFIX}team`], 'web');
    assert.equal(labels[`${TAG_LABEL_PREFIX}env.stage`], 'prod');
    assert.ok(!('team' in labels));
    assert.ok(!Object.values(labels).some((v) => v.includes('s3cr3t')), 'env values stay out of labels');
  });

  it('mounts the workspace first, then each --mount as a volume or a bind, read-only as asked', () => {
    assert.deepEqual(containerOptions(spec, at).HostConfig?.Mounts, [
      { Type: 'volume', Source: 'code-swarm-web-project', Target: PROJECT_DIR },
      { Type: 'volume', Source: 'data', Target: '/home/coder/data', ReadOnly: false },
      { Type: 'bind', Source: '/srv/ref', Target: '/mnt/ref', ReadOnly: true },
    ]);
  });

  it('asks Docker for GPUs by device request (count -1 = all), Podman by CDI names', () => {
    const all = containerOptions({ ...spec, gpus: 'all' }, at).HostConfig;
    assert.deepEqual(all?.DeviceRequests, [{ Driver: 'nvidia', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }]);
    assert.equal(all?.Devices, undefined);
    assert.equal(containerOptions({ ...spec, gpus: 2 }, at).HostConfig?.DeviceRequests?.[0]?.Count, 2);
    const cdi = containerOptions({ ...spec, gpus: 'all' }, { ...at, gpuStyle: 'cdi' }).HostConfig;
    assert.deepEqual(cdi?.Devices, [{ PathOnHost: 'nvidia.com/gpu=all', PathInContainer: 'nvidia.com/gpu=all', CgroupPermissions: 'rwm' }]);
    assert.equal(cdi?.DeviceRequests, undefined);
    const two = containerOptions({ ...spec, gpus: 2 }, { ...at, gpuStyle: 'cdi' }).HostConfig?.Devices as { PathOnHost: string }[];
    assert.deepEqual(
      two.map((d) => d.PathOnHost),
      ['nvidia.com/gpu=0', 'nvidia.com/gpu=1'],
    );
    assert.equal(containerOptions(spec, at).HostConfig?.DeviceRequests, undefined, 'no GPUs unless asked');
  });

  it('reads GPUs back in either form', () => {
    for (const gpus of ['all', 1, 3] as const) {
      for (const gpuStyle of ['device-requests', 'cdi'] as const) {
        const host = containerOptions({ ...spec, gpus }, { ...at, gpuStyle }).HostConfig as Docker.HostConfig;
        assert.equal(gpusFromHostConfig(host), gpus, `${gpus} ${gpuStyle}`);
      }
    }
    assert.equal(gpusFromHostConfig({}), undefined);
  });

  it('reads tags and mounts back from an inspect, leaving the workspace out', () => {
    const o = containerOptions(spec, at);
    const info = {
      Id: 'c1',
      Name: '/code-swarm-web',
      Created: '2026-01-01T00:00:00Z',
      Config: { Labels: { ...o.Labels, maintainer: 'someone' }, Env: o.Env, Image: 'img:1', User: '1000' },
      State: { Status: 'running', ExitCode: 0, StartedAt: '2026-01-01T00:00:01Z' },
      NetworkSettings: { Ports: {} },
      HostConfig: o.HostConfig,
      Mounts: [
        { Type: 'volume', Name: 'code-swarm-web-project', Source: '/var/lib/docker/volumes/x/_data', Destination: PROJECT_DIR, RW: true },
        { Type: 'volume', Name: 'data', Source: '/var/lib/docker/volumes/data/_data', Destination: '/home/coder/data', RW: true },
        { Type: 'bind', Source: '/srv/ref', Destination: '/mnt/ref', RW: false },
      ],
    } as unknown as Docker.ContainerInspectInfo;
    const observed = observedFromInspect(info);
    assert.deepEqual(observed.tags, spec.tags, 'an image label is no tag');
    assert.deepEqual(observed.mounts, spec.mounts);
    const back = specFromInspect(info, { id: 'id-1', name: 'web', containerId: 'c1' });
    assert.deepEqual(back.mounts, spec.mounts, 'a restore mounts them again');
    assert.deepEqual(back.tags, spec.tags);
    assert.deepEqual(mountsFromEngine(null, PROJECT_DIR), []);
  });
});
