import assert from 'node:assert/strict';
import { instanceLabels, LABEL, parseSpecLabel } from '../../../../src/providers/common/labels.js';
import type { InstanceSpec } from '../../../../src/providers/provider.js';

const spec: InstanceSpec = {
  id: 'id-1',
  name: 'web',
  image: 'img:1',
  cpus: 1.5,
  memoryBytes: 1024,
  pidsLimit: 64,
  cookieSuffix: 'abc',
  hashedPassword: '$argon2id$x',
  storeId: 'store-1',
};

describe('labels every provider writes', () => {
  it('are the same five on Docker and, under user., on LXD', () => {
    const docker = instanceLabels(spec);
    assert.deepEqual(Object.keys(docker), Object.values(LABEL));
    assert.deepEqual(
      Object.keys(instanceLabels(spec, 'user.')),
      Object.values(LABEL).map((k) => `user.${k}`),
    );
    assert.deepEqual(Object.values(instanceLabels(spec, 'user.')), Object.values(docker));
    assert.ok(!Object.values(docker).some((v) => v.includes(spec.hashedPassword)), 'the password hash is no label');
  });

  it('read the spec label back, field by field, whatever someone wrote into it', () => {
    assert.deepEqual(parseSpecLabel(instanceLabels(spec)[LABEL.spec]), { image: 'img:1', cpus: 1.5, memoryBytes: 1024 });
    assert.deepEqual(parseSpecLabel('{"image":7,"cpus":"2","memoryBytes":5}'), { memoryBytes: 5 });
    for (const raw of [undefined, '', '{not json', 'null', '42', '"text"', '[1,2]']) assert.deepEqual(parseSpecLabel(raw), {}, String(raw));
  });
});
