import assert from 'node:assert/strict';
import { exitedForIdle } from '../../../../src/providers/docker/dockerIdle.js';
import { mapDockerState, startedFromStatus, stoppedFromStatus } from '../../../../src/providers/docker/dockerState.js';

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

describe('stoppedFromStatus', () => {
  const now = Date.parse('2026-11-23T10:00:00.000Z');
  it("reads when a container exited from Docker's words", () => {
    assert.equal(stoppedFromStatus('Exited (0) 3 minutes ago', now), '2026-11-23T09:57:00.000Z');
    assert.equal(stoppedFromStatus('Exited (143) About an hour ago', now), '2026-11-23T09:00:00.000Z');
    assert.equal(stoppedFromStatus('Up 5 minutes', now), undefined);
  });
});

describe("code-server's idle exit in its log", () => {
  const start = '[2026-11-23T09:00:00.000Z] info    - Idle timeout set to 61 seconds\n';
  const exceeded = '[2026-11-23T09:01:01.000Z] warn  Idle timeout of 61 seconds exceeded\n';
  it('is an idle exit when the last run ended with "exceeded"', () => {
    assert.equal(exitedForIdle(start + exceeded), true);
    assert.equal(exitedForIdle(start + exceeded + start + exceeded), true);
  });
  it('is not when the last run was stopped, or never took the timeout', () => {
    assert.equal(exitedForIdle(start), false, 'a stop (SIGTERM) logs no "exceeded"');
    assert.equal(exitedForIdle(start + exceeded + start), false, 'restarted after an idle exit, then stopped');
    assert.equal(exitedForIdle('[x] info  HTTP server listening on http://0.0.0.0:8080/\n'), false);
  });
});
