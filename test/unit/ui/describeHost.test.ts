import assert from 'node:assert/strict';
import { describeHost } from '../../../src/ui/model/describeHost.js';
import { hostView } from './fixtures.js';

describe('describeHost', () => {
  it('describes provider and instance count', () => {
    assert.equal(describeHost(hostView(), 3).description, 'docker · 3 instances');
    assert.equal(describeHost(hostView({ provider: 'lxd' }), 1).description, 'lxd · 1 instance');
    assert.equal(describeHost(hostView(), 0).description, 'docker · no instances');
  });

  it('colours the icon by reachability and marks an unreachable host', () => {
    const up = describeHost(hostView(), 1);
    assert.equal(up.iconId, 'server-environment');
    assert.equal(up.colorId, 'testing.iconPassed');
    assert.equal(up.contextValue, 'host');
    const down = describeHost(hostView({ reachability: 'down', error: 'Timed out connecting' }), 2);
    assert.equal(down.iconId, 'server');
    assert.equal(down.colorId, 'testing.iconFailed');
    assert.equal(down.contextValue, 'host:unreachable');
    assert.equal(down.description, 'docker · 2 instances · unreachable');
    assert.match(down.tooltip, /unreachable/);
    assert.match(down.tooltip, /Timed out connecting/);
    const unknown = describeHost(hostView({ reachability: 'unknown' }), 0);
    assert.equal(unknown.colorId, undefined);
    assert.equal(unknown.contextValue, 'host');
  });

  it('puts address, engine version and round trip in the tooltip', () => {
    const tip = describeHost(hostView(), 1).tooltip;
    assert.match(tip, /`dev@10\.0\.0\.2:22` over SSH/);
    assert.match(tip, /Engine: Docker 20\\\.10\\\.24 \\\(API 1\\\.41\\\)/);
    assert.match(tip, /Round trip: 12 ms/);
    assert.match(describeHost(hostView({ kind: 'local', address: 'local' }), 0).tooltip, /this machine/);
  });
});
