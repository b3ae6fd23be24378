import assert from 'node:assert/strict';
import { SwarmError } from '../../../src/shared/errors.js';
import {
  DNS_LABEL,
  HostRecordSchema,
  InstanceRecordSchema,
  STORE_VERSION,
  StoreFileSchema,
  emptyStoreFile,
  findDuplicate,
  migrateStoreFile,
} from '../../../src/shared/model.js';
import { hostRecord, instanceRecord } from '../core/fixtures/records.js';

const STORE_ID = '0b5c2a4e-8f1d-4c3b-9a7e-2d6f1e0c9b8a';

function isCorrupt(e: unknown): boolean {
  return e instanceof SwarmError && e.code === 'store-corrupt';
}

describe('model', () => {
  it('accepts a full host and instance and strips unknown fields', () => {
    const host = { ...hostRecord('box', { dockerSocket: '/run/docker.sock', sshConfigAlias: 'box' }), color: 'red' };
    assert.deepEqual(HostRecordSchema.parse(host), hostRecord('box', { dockerSocket: '/run/docker.sock', sshConfigAlias: 'box' }));
    const inst = { ...instanceRecord('alpha', { port: 41234, containerId: 'abc', volume: 'vol', error: 'oom' }), legacy: true };
    assert.ok(!('legacy' in InstanceRecordSchema.parse(inst)));
  });

  it('limits instance names to 40 characters and host names to 63', () => {
    assert.ok(InstanceRecordSchema.safeParse(instanceRecord('a'.repeat(40))).success);
    assert.ok(!InstanceRecordSchema.safeParse(instanceRecord('a'.repeat(41))).success);
    assert.ok(HostRecordSchema.safeParse(hostRecord('h'.repeat(63))).success);
    assert.ok(!HostRecordSchema.safeParse(hostRecord('h'.repeat(64))).success);
  });

  it('rejects names that are not DNS labels', () => {
    for (const name of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'ä']) {
      assert.ok(!DNS_LABEL.test(name), name);
      assert.ok(!InstanceRecordSchema.safeParse(instanceRecord(name)).success, name);
    }
  });

  it('rejects bad enum values, ports and dates', () => {
    assert.ok(!InstanceRecordSchema.safeParse(instanceRecord('a', { state: 'zombie' as never })).success);
    assert.ok(!InstanceRecordSchema.safeParse(instanceRecord('a', { port: 70000 })).success);
    assert.ok(!InstanceRecordSchema.safeParse(instanceRecord('a', { createdAt: 'yesterday' })).success);
    assert.ok(!InstanceRecordSchema.safeParse(instanceRecord('a', { memoryBytes: 0 })).success);
    assert.ok(!HostRecordSchema.safeParse(hostRecord('a', { provider: 'k8s' as never })).success);
    assert.ok(HostRecordSchema.safeParse(hostRecord('a', { provider: 'podman' })).success, 'podman is a provider now');
  });

  it('builds an empty store file that validates', () => {
    const file = emptyStoreFile();
    assert.equal(file.version, STORE_VERSION);
    assert.ok(StoreFileSchema.safeParse(file).success);
    assert.notEqual(emptyStoreFile().storeId, file.storeId);
  });

  describe('migrateStoreFile', () => {
    it('returns a current file as it is, minus unknown fields', () => {
      const file = { ...emptyStoreFile(STORE_ID), hosts: [hostRecord('box')], extra: 1 };
      const migrated = migrateStoreFile(file);
      assert.deepEqual(migrated, { ...emptyStoreFile(STORE_ID), hosts: [hostRecord('box')] });
    });

    it('upgrades a version 0 file by adding version, storeId and knownHosts', () => {
      const migrated = migrateStoreFile({ hosts: [hostRecord('box')], instances: [instanceRecord('alpha')] });
      assert.equal(migrated.version, 1);
      assert.deepEqual(migrated.knownHosts, []);
      assert.ok(StoreFileSchema.safeParse(migrated).success);
      assert.deepEqual(migrated.instances, [instanceRecord('alpha')]);
    });

    it('throws store-corrupt for anything else', () => {
      const bad: unknown[] = [
        null,
        'text',
        [],
        42,
        { version: 1 },
        { version: 1, storeId: 'not-a-uuid', hosts: [], instances: [], knownHosts: [] },
        { version: 0.5, hosts: [], instances: [] },
        { version: '1', storeId: STORE_ID, hosts: [], instances: [], knownHosts: [] },
        { version: 2, storeId: STORE_ID, hosts: [], instances: [], knownHosts: [] },
        { hosts: [{ name: 'box' }], instances: [] },
      ];
      for (const raw of bad) assert.throws(() => migrateStoreFile(raw), isCorrupt, JSON.stringify(raw));
    });

    it('says to upgrade when the file is from a newer version', () => {
      assert.throws(
        () => migrateStoreFile({ version: 7 }),
        (e: unknown) => e instanceof SwarmError && /newer/.test(e.message) && /Upgrade/.test(e.hint ?? ''),
      );
    });
  });

  describe('findDuplicate', () => {
    it('finds duplicate host names, instance names and ids', () => {
      const base = emptyStoreFile(STORE_ID);
      assert.equal(findDuplicate({ ...base, hosts: [hostRecord('a'), hostRecord('b')] }), undefined);
      assert.match(findDuplicate({ ...base, hosts: [hostRecord('a'), hostRecord('a')] }) ?? '', /host name "a"/);
      assert.match(
        findDuplicate({ ...base, instances: [instanceRecord('x'), instanceRecord('x', { id: 'other' })] }) ?? '',
        /instance name/,
      );
      assert.match(findDuplicate({ ...base, instances: [instanceRecord('x'), instanceRecord('y', { id: 'id-x' })] }) ?? '', /instance id/);
    });
  });
});
