import assert from 'node:assert/strict';
import { describeInstance, instanceIcon } from '../../../src/ui/model/describeInstance.js';
import type { InstanceView } from '../../../src/core/views.js';
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

describe('describeInstance: idle timeout', () => {
  const idleView = (over: Partial<InstanceView> = {}) => instanceView({ idleTimeoutSeconds: 1800, idleEnforcedBy: 'code-server', ...over });

  it('says an instance stopped for idling, and why, apart from a Stop', () => {
    const look = describeInstance(
      idleView({ state: 'stopped', health: 'unknown', startedAt: undefined, stoppedReason: 'idle', stoppedAt: '2025-06-01T11:00:00Z' }),
      { now: NOW },
    );
    assert.equal(look.description, 'stopped: idle for 30 min');
    assert.match(look.tooltip, /^- Stopped by its idle timeout at .*; Open starts it again$/m);
    const user = describeInstance(idleView({ state: 'stopped', health: 'unknown', startedAt: undefined, stoppedReason: 'user' }), {
      now: NOW,
    });
    assert.equal(user.description, 'stopped');
    assert.match(user.tooltip, /^- Stopped by a Stop; Open starts it again$/m);
  });

  it('counts down while idle, and says what keeps it alive while active', () => {
    const idle = {
      active: false,
      lastActivityAt: '2025-06-01T11:50:00.000Z',
      stopsAt: '2025-06-01T12:12:00.000Z',
      keptAliveBy: undefined,
      readAt: '',
    };
    const counting = describeInstance(idleView({ idle }), { now: NOW });
    assert.equal(counting.description, 'running · healthy · up 5m · idle, stops in 12m');
    assert.match(counting.tooltip, /^- Idle timeout: 30 min \(applied by code-server, also with VS Code closed\)$/m);
    assert.match(counting.tooltip, /^- Last activity: 10m ago$/m);
    const active = describeInstance(idleView({ idle: { ...idle, active: true, stopsAt: undefined, keptAliveBy: 'tunnel' } }), { now: NOW });
    assert.equal(active.description, 'running · healthy · up 5m · active');
    assert.match(active.tooltip, /^- Kept alive by: an open tab through this window's tunnel$/m);
  });

  it('says the timeout is off on a running instance without one', () => {
    assert.match(describeInstance(instanceView(), { now: NOW }).tooltip, /^- Idle timeout: off$/m);
  });
});
