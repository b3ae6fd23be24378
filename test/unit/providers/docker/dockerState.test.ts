import assert from 'node:assert/strict';
import { mapDockerState, startedFromStatus } from '../../../../src/providers/docker/dockerState.js';

describe('mapDockerState', () => {
  it("maps Docker's states to ours", () => {
    assert.equal(mapDockerState('running', 0).state, 'running');
    assert.equal(mapDockerState('created', undefined).state, 'created');
    assert.equal(mapDockerState('restarting', 1).state, 'starting');
    assert.equal(mapDockerState('paused', 0).state, 'stopped');
  });

  it('treats a stop signal exit as stopped and any other exit as failed, with a reason', () => {
    for (const code of [0, 130, 137, 143]) assert.equal(mapDockerState('exited', code).state, 'stopped');
    const failed = mapDockerState('exited', 1);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error ?? '', /code 1/);
    assert.equal(mapDockerState('dead', 0).state, 'failed');
    assert.equal(mapDockerState('weird', 0).state, 'failed');
  });
});

describe('startedFromStatus', () => {
  const now = Date.parse('2026-11-23T10:00:00.000Z');
  it("reads Docker's uptime words", () => {
    assert.equal(startedFromStatus('Up 5 minutes', now), '2026-11-23T09:55:00.000Z');
    assert.equal(startedFromStatus('Up 2 hours (healthy)', now), '2026-11-23T08:00:00.000Z');
    assert.equal(startedFromStatus('Up About a minute', now), '2026-11-23T09:59:00.000Z');
    assert.equal(startedFromStatus('Up Less than a second', now), '2026-11-23T10:00:00.000Z');
    assert.equal(startedFromStatus('Up 1 second', now), '2026-11-23T09:59:59.000Z');
  });

  it('says nothing for a container that is not up', () => {
    assert.equal(startedFromStatus('Exited (0) 3 minutes ago', now), undefined);
    assert.equal(startedFromStatus(undefined, now), undefined);
  });
});
