import assert from 'node:assert/strict';
import { lxdChangeOf } from '../../../../src/providers/lxd/lxdEvents.js';

describe('engine events: what an LXD event says', () => {
  it("reads LXD lifecycle events of our instances, and ignores others' and file traffic", () => {
    const ev = (action: string, source: string) =>
      JSON.stringify({
        type: 'lifecycle',
        timestamp: '2026-12-01T12:00:00Z',
        metadata: { action, source, context: {} },
        project: 'default',
      });
    assert.deepEqual(lxdChangeOf(ev('instance-stopped', '/1.0/instances/code-swarm-web?project=default')), {
      id: undefined,
      name: 'web',
      action: 'instance-stopped',
    });
    assert.deepEqual(lxdChangeOf(ev('instance-deleted', '/1.0/instances/code-swarm-a%2Db')), {
      id: undefined,
      name: 'a-b',
      action: 'instance-deleted',
    });
    assert.equal(lxdChangeOf(ev('instance-stopped', '/1.0/instances/someone-elses')), undefined);
    assert.equal(
      lxdChangeOf(ev('instance-stopped', '/1.0/instances/code-swarm-%E0%A4%A')),
      undefined,
      'a malformed escape is ignored, not thrown',
    );
    assert.equal(lxdChangeOf(ev('instance-file-retrieved', '/1.0/instances/code-swarm-web')), undefined);
    assert.equal(lxdChangeOf(JSON.stringify({ type: 'logging', metadata: { message: 'x' } })), undefined);
    assert.deepEqual(lxdChangeOf('not json'), { id: undefined, name: undefined, action: 'unknown' });
  });
});
