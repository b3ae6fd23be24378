import assert from 'node:assert/strict';
import { describeInstance, instanceIcon } from '../../../src/ui/model/describeInstance.js';
import { instanceView, NOW } from './fixtures.js';

describe('describeInstance', () => {
  it('labels by name and describes state, health and uptime', () => {
    const look = describeInstance(instanceView(), { now: NOW, hostReachability: 'up' });
    assert.equal(look.label, 'web');
    assert.equal(look.description, 'running · healthy · up 5m');
    assert.equal(look.iconId, 'vm-running');
    assert.equal(look.colorId, 'testing.iconPassed');
    assert.equal(look.contextValue, 'instance:running');
  });

  it('names the node a Swarm instance runs on, in the row and the tooltip', () => {
    const look = describeInstance(instanceView({ node: 'swarm2' }), { now: NOW, hostReachability: 'up' });
    assert.equal(look.description, 'running · healthy · up 5m · on swarm2');
    assert.match(look.tooltip, /^- Node: swarm2 \(Swarm\)$/m);
  });

  it('shows a starting instance spinning, without repeating the word', () => {
    const look = describeInstance(instanceView({ state: 'starting', health: 'starting', startedAt: undefined }), { now: NOW });
    assert.equal(look.description, 'starting');
    assert.equal(look.iconId, 'loading~spin');
    assert.equal(look.contextValue, 'instance:starting');
    const warming = describeInstance(instanceView({ health: 'starting' }), { now: NOW });
    assert.equal(warming.description, 'running · starting · up 5m');
    assert.equal(warming.iconId, 'loading~spin');
  });

  it('shows stopped instances as an outline without health', () => {
    const look = describeInstance(instanceView({ state: 'stopped', health: 'unknown', startedAt: undefined }), { now: NOW });
    assert.equal(look.description, 'stopped');
    assert.equal(look.iconId, 'vm-outline');
    assert.equal(look.colorId, undefined);
    assert.equal(look.contextValue, 'instance:stopped');
  });

  it('shows failed, missing and unhealthy instances in red', () => {
    for (const v of [
      instanceView({ state: 'failed', health: 'unknown' }),
      instanceView({ state: 'missing', health: 'unknown' }),
      instanceView({ health: 'unhealthy' }),
    ]) {
      const look = describeInstance(v, { now: NOW });
      assert.equal(look.iconId, 'error');
      assert.equal(look.colorId, 'testing.iconFailed');
    }
  });

  it('shows an unreachable host as disconnected, even for a stopped instance', () => {
    assert.equal(describeInstance(instanceView({ health: 'unreachable' }), { now: NOW }).iconId, 'debug-disconnect');
    const stopped = describeInstance(instanceView({ state: 'stopped', health: 'unknown' }), { now: NOW, hostReachability: 'down' });
    assert.equal(stopped.iconId, 'debug-disconnect');
    assert.equal(stopped.description, 'stopped · host unreachable');
    const running = describeInstance(instanceView({ health: 'unknown' }), { now: NOW, hostReachability: 'down' });
    assert.equal(running.description, 'running · unreachable · up 5m');
  });

  it('puts URL, image, resources, created time and port in the tooltip, never a token', () => {
    const tip = describeInstance(instanceView(), { now: NOW, tunnelPort: 51234 }).tooltip;
    assert.match(tip, /`http:\/\/127\.0\.0\.1:51234\/` \(tunnel open\)/);
    assert.match(tip, /`codercom\/code-server:4\.139\.1`/);
    assert.match(tip, /2 CPUs · 2 GiB/);
    assert.match(tip, /2025-06-01 10:00 UTC/);
    assert.match(tip, /`127\.0\.0\.1:40123` on alpha/);
    assert.doesNotMatch(tip, /token/);
    const closed = describeInstance(instanceView(), { now: NOW }).tooltip;
    assert.match(closed, /opened through a Code Swarm tunnel/);
  });

  it('escapes host-provided error text in the tooltip', () => {
    const tip = describeInstance(instanceView({ state: 'failed', error: 'exit [1](http://x) *boom*' }), { now: NOW }).tooltip;
    assert.match(tip, /Error: exit \\\[1\\\]\\\(http:\/\/x\\\) \\\*boom\\\*/);
  });

  it('chooses an icon for every state and health', () => {
    for (const state of ['created', 'starting', 'running', 'stopped', 'failed', 'missing'] as const) {
      for (const health of ['healthy', 'starting', 'unhealthy', 'unreachable', 'unknown'] as const) {
        assert.ok(instanceIcon(state, health).iconId.length > 0);
      }
    }
  });
});
