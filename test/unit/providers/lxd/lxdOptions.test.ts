import assert from 'node:assert/strict';
import { instanceBody } from '../../../../src/providers/lxd/instanceConfig.js';
import { environmentFile } from '../../../../src/providers/lxd/lxdOptions.js';
import { fromLxdInstance } from '../../../../src/providers/lxd/lxdState.js';
import type { InstanceSpec } from '../../../../src/providers/provider.js';

const spec: InstanceSpec = {
  id: 'id-1',
  name: 'web',
  image: 'cs',
  cpus: 1,
  memoryBytes: 1024 ** 3,
  pidsLimit: 512,
  cookieSuffix: 'abc',
  hashedPassword: '$argon2id$hash',
  storeId: 'store-1',
  env: { API_URL: 'https://x' },
  tags: { team: 'web' },
  mounts: [
    { type: 'bind', source: '/srv/ref', target: '/mnt/ref', readOnly: true },
    { type: 'volume', source: 'data', target: '/home/coder/data', readOnly: false },
  ],
};

describe('LXD create body carries env, tags, mounts and GPUs', () => {
  const body = instanceBody('code-swarm-web', spec, 20001) as {
    config: Record<string, string>;
    devices: Record<string, Record<string, string>>;
  };

  it('tags as user.code-swarm.tag.* keys; env nowhere in the config (it goes to a file of root in the instance)', () => {
    assert.equal(body.config['user.code-swarm.tag.team'], 'web');
    assert.ok(!JSON.stringify(body).includes('https://x'));
  });

  it('writes env as a systemd EnvironmentFile that systemd reads back exactly', () => {
    assert.equal(
      environmentFile({ A: 'plain', B: 'say "hi" \\ `id` $HOME ${X}', C: '' }),
      'A="plain"\nB="say \\"hi\\" \\\\ \\`id\\` \\$HOME \\${X}"\nC=""\n',
    );
  });

  it('a disk device per mount: a host path, or a custom volume of the default pool; read-only as asked', () => {
    assert.deepEqual(body.devices['code-swarm-mount-0'], { type: 'disk', source: '/srv/ref', path: '/mnt/ref', readonly: 'true' });
    assert.deepEqual(body.devices['code-swarm-mount-1'], { type: 'disk', pool: 'default', source: 'data', path: '/home/coder/data' });
    assert.ok(body.devices['code-swarm-http'], 'the loopback proxy stays');
  });

  it('GPUs as gpu devices: one without an id for all, one per id for a count', () => {
    const all = (instanceBody('n', { ...spec, gpus: 'all' }, 1) as typeof body).devices;
    assert.deepEqual(all['code-swarm-gpu'], { type: 'gpu', gputype: 'physical' });
    const two = (instanceBody('n', { ...spec, gpus: 2 }, 1) as typeof body).devices;
    assert.deepEqual(
      Object.entries(two)
        .filter(([, d]) => d['type'] === 'gpu')
        .map(([, d]) => d['id']),
      ['0', '1'],
    );
  });

  it('reads tags and mounts back from the instance', () => {
    const o = fromLxdInstance({ name: 'code-swarm-web', status: 'Running', config: body.config, devices: body.devices });
    assert.deepEqual(o.tags, spec.tags);
    assert.deepEqual(o.mounts, spec.mounts);
  });
});
