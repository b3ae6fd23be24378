import assert from 'node:assert/strict';
import { statusBarText } from '../../../src/ui/model/statusBarText.js';
import { instanceView, NOW } from './fixtures.js';

describe('statusBarText', () => {
  it('shows 0 without running instances', () => {
    const s = statusBarText([], NOW);
    assert.equal(s.text, '$(server-environment) 0');
    assert.equal(s.warning, false);
    assert.match(s.tooltip, /No instances yet/);
    const stopped = statusBarText([instanceView({ state: 'stopped', health: 'unknown' })], NOW);
    assert.equal(stopped.text, '$(server-environment) 0');
  });

  it('counts healthy of running or starting instances', () => {
    const s = statusBarText(
      [
        instanceView({ id: '1', name: 'a' }),
        instanceView({ id: '2', name: 'b' }),
        instanceView({ id: '3', name: 'c', state: 'starting', health: 'starting' }),
        instanceView({ id: '4', name: 'd', state: 'stopped', health: 'unknown' }),
      ],
      NOW,
    );
    assert.equal(s.text, '$(server-environment) 2/3');
    assert.equal(s.warning, false);
    assert.match(s.tooltip, /2 of 3 running instances healthy/);
    for (const n of ['a', 'b', 'c', 'd']) assert.match(s.tooltip, new RegExp(`\\*\\*${n}\\*\\*`));
  });

  it('warns when an instance is unhealthy, unreachable or failed', () => {
    assert.equal(statusBarText([instanceView({ health: 'unhealthy' })], NOW).warning, true);
    assert.equal(statusBarText([instanceView({ health: 'unreachable' })], NOW).warning, true);
    assert.equal(statusBarText([instanceView({ state: 'failed', health: 'unknown' })], NOW).warning, true);
    assert.equal(statusBarText([instanceView({ health: 'unhealthy' })], NOW).text, '$(server-environment) 0/1');
  });
});
