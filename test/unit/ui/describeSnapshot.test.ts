import assert from 'node:assert/strict';
import { describeRestore, describeSnapshot, snapshotTakenMessage } from '../../../src/ui/model/describeSnapshot.js';

const snap = { name: 'snap-20250601100059', createdAt: '2025-06-01T10:00:59.123Z', label: 'before the upgrade' };

describe('describeSnapshot', () => {
  it('shows the name, the time taken and the label', () => {
    assert.deepEqual(describeSnapshot(snap), {
      label: 'snap-20250601100059',
      description: '2025-06-01 10:00 UTC',
      detail: 'before the upgrade',
    });
    assert.equal(describeSnapshot({ ...snap, label: undefined }).detail, undefined);
    assert.equal(describeSnapshot({ ...snap, label: '' }).detail, undefined);
  });

  it('says a Docker restore keeps the workspace volume as it is and an LXD restore does not', () => {
    const docker = describeRestore({ name: 'web', provider: 'docker' }, snap);
    assert.equal(docker.message, 'Restore web to snap-20250601100059?');
    assert.match(docker.detail, /not part of a Docker snapshot and stays as it is now/);
    assert.match(docker.detail, /since 2025-06-01 10:00 UTC/);
    const lxd = describeRestore({ name: 'web', provider: 'lxd' }, snap);
    assert.match(lxd.detail, /the files in \/home\/coder\/project included/);
    assert.doesNotMatch(lxd.detail, /Docker/);
  });

  it('turns the notification into a warning when the snapshot leaves something out', () => {
    assert.deepEqual(snapshotTakenMessage('web', snap), { text: 'Snapshot snap-20250601100059 of web taken.', warning: false });
    const w = snapshotTakenMessage('web', {
      ...snap,
      warning: 'the workspace volume /home/coder/project is not part of a Docker snapshot',
    });
    assert.equal(w.warning, true);
    assert.equal(
      w.text,
      'Snapshot snap-20250601100059 of web taken; the workspace volume /home/coder/project is not part of a Docker snapshot.',
    );
  });
});
