import assert from 'node:assert/strict';
import fc from 'fast-check';
import { instanceBody } from '../../../../src/providers/lxd/instanceConfig.js';
import { LxdApiError, type LxdClient, type LxdRequestOptions } from '../../../../src/providers/lxd/lxdClient.js';
import { lxdInstanceName } from '../../../../src/providers/lxd/lxdPaths.js';
import type { LxdInstance } from '../../../../src/providers/lxd/lxdSchemas.js';
import {
  buildTemplate,
  isReadyTemplate,
  isTemplateName,
  TEMPLATE_IMAGE_KEY,
  TEMPLATE_KEY,
  templateName,
} from '../../../../src/providers/lxd/lxdTemplate.js';
import type { InstanceSpec } from '../../../../src/providers/provider.js';
import { DNS_LABEL } from '../../../../src/shared/model.js';

const FP = 'adbf63833227a4b76ff65c2474e3508d1ac85eec36f94e376297b515e500c9a5';
const SHIFTED = '[{"Isuid":true,"Hostid":100000,"Nsid":0,"Maprange":65536}]';

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
};

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** The calls buildTemplate makes, answered like LXD 5.0; `renameError` is what the rename answers. */
function fakeApi(instance: LxdInstance, others: LxdInstance[] = [], renameError?: Error): { api: LxdClient; calls: Call[] } {
  const calls: Call[] = [];
  const api = {
    get: (path: string) => {
      calls.push({ method: 'GET', path, body: undefined });
      return Promise.resolve(path.startsWith('/1.0/instances?') ? others : instance);
    },
    run: (method: string, path: string, options?: LxdRequestOptions) => {
      calls.push({ method, path, body: options?.body });
      if (method === 'POST' && path !== '/1.0/instances' && !path.endsWith('/state') && renameError) return Promise.reject(renameError);
      return Promise.resolve();
    },
  } as unknown as LxdClient;
  return { api, calls };
}

describe('LXD templates (lxdTemplate.ts)', () => {
  it('a template name is a valid LXD name no instance of ours can ever have', () => {
    assert.ok(templateName(FP).length <= 63);
    assert.ok(isTemplateName(templateName(FP)));
    fc.assert(
      fc.property(fc.stringMatching(DNS_LABEL), (name) => {
        assert.equal(isTemplateName(lxdInstanceName(name)), false);
      }),
    );
  });

  it('is ready only stopped, for this very image, with its root file system shifted', () => {
    const ready: LxdInstance = {
      name: templateName(FP),
      status: 'Stopped',
      config: { [TEMPLATE_KEY]: FP, 'volatile.last_state.idmap': SHIFTED },
    };
    assert.equal(isReadyTemplate(ready, FP), true);
    assert.equal(isReadyTemplate({ ...ready, status: 'Running' }, FP), false);
    assert.equal(isReadyTemplate(ready, 'another'), false);
    assert.equal(isReadyTemplate({ ...ready, config: { [TEMPLATE_KEY]: FP } }, FP), false);
  });

  it('a create from a template copies it alone, drops its keys, and sets every key and device of its own', () => {
    const fromImage = instanceBody('code-swarm-web', spec, 20001) as { source: unknown; config: Record<string, string>; devices: unknown };
    const fromCopy = instanceBody('code-swarm-web', spec, 20001, undefined, {
      name: templateName(FP),
      profiles: ['default'],
    }) as typeof fromImage & { profiles: unknown };
    assert.deepEqual(fromCopy.source, { type: 'copy', source: templateName(FP), instance_only: true });
    assert.deepEqual(fromCopy.profiles, ['default']);
    assert.equal(fromCopy.config[TEMPLATE_KEY], '');
    assert.equal(fromCopy.config[TEMPLATE_IMAGE_KEY], '');
    assert.deepEqual(fromCopy.devices, fromImage.devices);
    const { [TEMPLATE_KEY]: _a, [TEMPLATE_IMAGE_KEY]: _b, ...own } = fromCopy.config;
    assert.deepEqual(own, fromImage.config);
  });

  it('builds under a name of its own, starts and stops it once, and only then gives it the name creates copy from', async () => {
    const built: LxdInstance = { name: 'x', status: 'Stopped', config: { [TEMPLATE_KEY]: FP, 'volatile.last_state.idmap': SHIFTED } };
    const stale: LxdInstance = {
      name: templateName('0123'),
      status: 'Stopped',
      config: { [TEMPLATE_KEY]: '0123', [TEMPLATE_IMAGE_KEY]: 'cs' },
    };
    const otherAlias: LxdInstance = {
      name: templateName('4567'),
      status: 'Stopped',
      config: { [TEMPLATE_KEY]: '4567', [TEMPLATE_IMAGE_KEY]: 'other' },
    };
    const { api, calls } = fakeApi(built, [stale, otherAlias]);
    await buildTemplate(api, 'cs', FP, 'store-1');
    const temp = (calls[0]?.body as { name: string }).name;
    assert.ok(isTemplateName(temp) && temp !== templateName(FP));
    assert.deepEqual(calls[0]?.body, {
      name: temp,
      type: 'container',
      source: { type: 'image', fingerprint: FP },
      config: { [TEMPLATE_KEY]: FP, [TEMPLATE_IMAGE_KEY]: 'cs', 'user.code-swarm.store': 'store-1' },
    });
    const path = `/1.0/instances/${temp}`;
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      [
        'POST /1.0/instances',
        `PUT ${path}/state`,
        `PUT ${path}/state`,
        `GET ${path}`,
        `POST ${path}`,
        'GET /1.0/instances?recursion=1',
        `DELETE /1.0/instances/${stale.name}`,
      ],
    );
    assert.deepEqual(calls[4]?.body, { name: templateName(FP) });
  });

  it('deletes its own when another create finished one first, and one that did not shift', async () => {
    const built: LxdInstance = { name: 'x', status: 'Stopped', config: { [TEMPLATE_KEY]: FP, 'volatile.last_state.idmap': SHIFTED } };
    const taken = new LxdApiError(409, 'Name "x" already exists', 'POST', '/1.0/instances/x');
    const raced = fakeApi(built, [], taken);
    await buildTemplate(raced.api, 'cs', FP, 'store-1');
    assert.equal(raced.calls.at(-1)?.method, 'DELETE');

    const unshifted = fakeApi({ ...built, config: { [TEMPLATE_KEY]: FP } });
    await assert.rejects(buildTemplate(unshifted.api, 'cs', FP, 'store-1'), /shifted/);
    assert.equal(unshifted.calls.at(-1)?.method, 'DELETE');
    assert.ok(!unshifted.calls.some((c) => c.method === 'POST' && c.path !== '/1.0/instances'), 'never renamed');
  });
});
