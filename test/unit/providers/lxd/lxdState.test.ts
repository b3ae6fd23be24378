import assert from 'node:assert/strict';
import { LXD_KEY } from '../../../../src/providers/lxd/lxdKeys.js';
import { lxdInstanceName } from '../../../../src/providers/lxd/lxdPaths.js';
import { PROXY_DEVICE, proxyDevice } from '../../../../src/providers/lxd/lxdPorts.js';
import type { LxdInstance } from '../../../../src/providers/lxd/lxdSchemas.js';
import { fromLxdInstance, mapLxdStatus } from '../../../../src/providers/lxd/lxdState.js';

function instance(over: Partial<LxdInstance> = {}): LxdInstance {
  return {
    name: 'code-swarm-web',
    status: 'Running',
    config: {
      [LXD_KEY.instance]: 'id-1',
      [LXD_KEY.name]: 'web',
      [LXD_KEY.store]: 'store-1',
      [LXD_KEY.spec]: JSON.stringify({ image: 'code-swarm-test-code-server', cpus: 1.5, memoryBytes: 2 ** 31 }),
      [LXD_KEY.cookieSuffix]: 'abc123',
      'volatile.base_image': '4f1e48f07c1558d590a7375b63ba67b49928f3da14ffb668b5290f1508527440',
    },
    devices: { [PROXY_DEVICE]: proxyDevice(23456) },
    expanded_devices: { [PROXY_DEVICE]: proxyDevice(23456), root: { type: 'disk', path: '/', pool: 'default' } },
    created_at: '2026-11-23T09:26:53.388823694Z',
    last_used_at: '2026-11-23T09:27:00.5Z',
    ...over,
  };
}

describe('mapLxdStatus', () => {
  const cases: Array<[string, string]> = [
    ['Running', 'running'],
    ['Stopped', 'stopped'],
    ['Frozen', 'stopped'],
    ['Starting', 'starting'],
    ['Stopping', 'starting'],
    ['Error', 'failed'],
  ];
  for (const [status, state] of cases) {
    it(`maps ${status} to ${state}`, () => assert.equal(mapLxdStatus(status).state, state));
  }

  it('explains an error state', () => {
    assert.match(mapLxdStatus('Error').error ?? '', /error state/);
    assert.equal(mapLxdStatus('Running').error, undefined);
  });

  it('reports an unknown status as failed, naming it', () => {
    const r = mapLxdStatus('Thawed');
    assert.equal(r.state, 'failed');
    assert.match(r.error ?? '', /"Thawed"/);
  });
});

describe('fromLxdInstance', () => {
  it('reads our labels, the proxy port and the spec', () => {
    const o = fromLxdInstance(instance());
    assert.deepEqual(o, {
      id: 'id-1',
      name: 'web',
      containerId: 'code-swarm-web',
      image: 'code-swarm-test-code-server',
      state: 'running',
      port: 23456,
      storeId: 'store-1',
      cookieSuffix: 'abc123',
      cpus: 1.5,
      memoryBytes: 2 ** 31,
      createdAt: '2026-11-23T09:26:53.388Z',
      startedAt: '2026-11-23T09:27:00.500Z',
      error: undefined,
    });
  });

  it('copes with missing or broken labels and LXD zero times', () => {
    const o = fromLxdInstance(
      instance({
        status: 'Stopped',
        config: { [LXD_KEY.instance]: 'id-2', [LXD_KEY.spec]: '{not json', 'volatile.base_image': 'abcdef0123456789' },
        devices: {},
        expanded_devices: null,
        last_used_at: '0001-01-01T00:00:00Z',
      }),
    );
    assert.equal(o.name, 'web');
    assert.equal(o.state, 'stopped');
    assert.equal(o.port, undefined);
    assert.equal(o.image, 'abcdef012345');
    assert.equal(o.cpus, undefined);
    assert.equal(o.startedAt, undefined);
  });

  it('names the container after the instance', () => {
    assert.equal(lxdInstanceName('web'), 'code-swarm-web');
  });
});
