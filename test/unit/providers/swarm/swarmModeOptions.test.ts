import assert from 'node:assert/strict';
import type { InstanceSpec } from '../../../../src/providers/provider.js';
import { serviceSpec } from '../../../../src/providers/swarm/swarmModeSpec.js';

const spec: InstanceSpec = {
  id: 'a1b2c3d4-0000-4000-8000-000000000000',
  name: 'web',
  image: 'img',
  cpus: 1,
  memoryBytes: 1024 ** 3,
  pidsLimit: 1024,
  cookieSuffix: 'sfx',
  hashedPassword: '$argon2id$hash',
  storeId: 'store-1',
  env: { API_URL: 'https://x' },
  tags: { team: 'web' },
  mounts: [{ type: 'volume', source: 'data', target: '/home/coder/data', readOnly: true }],
};
const ctx = { entry: ['/entry'], user: '1000:1000', secretId: 's', secretName: 'n', network: 'net' };

describe('swarm-mode service spec: instance options', () => {
  it('env before our cookie suffix, tags on the service and its tasks, named volumes after the workspace', () => {
    const s = serviceSpec(spec, ctx);
    // dockerode's TaskSpec is a union (container or plugin): read the container spec as the record it is.
    const c = (s.TaskTemplate as { ContainerSpec: { Env: string[]; Labels: Record<string, string>; Mounts: unknown[] } }).ContainerSpec;
    assert.deepEqual(c.Env, ['API_URL=https://x', 'CODE_SERVER_COOKIE_SUFFIX=sfx']);
    assert.equal(s.Labels?.['code-swarm.tag.team'], 'web');
    assert.equal(c.Labels?.['code-swarm.tag.team'], 'web');
    assert.deepEqual(c.Mounts?.[1], { Type: 'volume', Source: 'data', Target: '/home/coder/data', ReadOnly: true });
    assert.equal(c.Mounts?.length, 2);
    assert.ok(!JSON.stringify(s.Labels).includes('https://x'), 'no env value in a label');
  });
});
