import assert from 'node:assert/strict';
import { dockerChangeOf } from '../../../../src/providers/docker/dockerEvents.js';
import { dockerDie } from './dockerEventFixture.js';

describe('engine events: what a Docker event line says', () => {
  it('reads our id, name and the action from a Docker event', () => {
    assert.deepEqual(dockerChangeOf(dockerDie), { id: 'id-1', name: 'web', action: 'die', settling: true, exitCode: 137 });
    const start = JSON.parse(dockerDie) as { Action: string };
    start.Action = 'start';
    assert.deepEqual(dockerChangeOf(JSON.stringify(start)), { id: 'id-1', name: 'web', action: 'start' }, 'only die waits for a follow-up');
  });

  it('reads an unknown Docker event shape as an unknown change, not as nothing', () => {
    assert.deepEqual(dockerChangeOf('{"what":"ever"}'), { id: undefined, name: undefined, action: 'unknown' });
  });
});
