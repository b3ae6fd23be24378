import assert from 'node:assert/strict';
import { parseQgroupState, poolMountPath, qgroupFinding } from '../../../../src/providers/lxd/lxdQgroups.js';

describe("lxd.qgroups: whether a btrfs pool's quota accounting still holds --disk", () => {
  it("reads the script's one line: hidden, off, or on with the kernel's inconsistent flag", () => {
    assert.deepEqual(parseQgroupState('hidden\n'), { kind: 'hidden' });
    assert.deepEqual(parseQgroupState('off\n'), { kind: 'off' });
    assert.deepEqual(parseQgroupState('on 0\n'), { kind: 'on', inconsistent: false });
    assert.deepEqual(parseQgroupState('on 1\n'), { kind: 'on', inconsistent: true });
    assert.deepEqual(parseQgroupState('on unknown\n'), { kind: 'on', inconsistent: undefined });
    assert.deepEqual(parseQgroupState(''), { kind: 'hidden' });
  });

  it("finds a pool beside LXD's socket, for the Debian, snap and Incus layouts alike", () => {
    assert.equal(poolMountPath('/var/lib/lxd/unix.socket', 'sized'), '/var/lib/lxd/storage-pools/sized');
    assert.equal(poolMountPath('/var/snap/lxd/common/lxd/unix.socket', 'default'), '/var/snap/lxd/common/lxd/storage-pools/default');
    assert.equal(poolMountPath('/var/lib/incus/unix.socket', 'p'), '/var/lib/incus/storage-pools/p');
  });

  it('is ok while the accounting is consistent, off, unknown or out of sight', () => {
    for (const out of ['on 0', 'off', 'on unknown', 'hidden']) {
      const f = qgroupFinding('sized', '/m', parseQgroupState(out), ['btrfs']);
      assert.equal(f.severity, 'ok', out);
      assert.equal(f.fix, undefined, out);
    }
    assert.match(qgroupFinding('sized', '/m', parseQgroupState('on 0'), []).message, /consistent, so --disk holds/);
  });

  it('warns when the kernel marked it inconsistent, naming the rescan and offering it as the fix', () => {
    const fix = ['sudo', '-n', 'btrfs', 'quota', 'rescan', '-w', '/var/lib/lxd/storage-pools/sized'];
    const f = qgroupFinding('sized', '/var/lib/lxd/storage-pools/sized', parseQgroupState('on 1'), fix);
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /not enforced .* btrfs quota rescan -w \/var\/lib\/lxd\/storage-pools\/sized/);
    assert.deepEqual(f.fix, [fix]);
  });
});
