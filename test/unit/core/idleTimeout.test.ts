import assert from 'node:assert/strict';
import { parseHealthzAnswer } from '../../../src/core/heartbeatProbe.js';
import { formatIdleTimeout, idleClock, idleTimeoutProblem, parseIdleTimeout } from '../../../src/core/idleTimeout.js';
import { SwarmError } from '../../../src/shared/errors.js';

describe('idle timeout durations', () => {
  it('reads durations as seconds, and off as none', () => {
    assert.equal(parseIdleTimeout('30m'), 1800);
    assert.equal(parseIdleTimeout('2h'), 7200);
    assert.equal(parseIdleTimeout(' 1h30m '), 5400);
    assert.equal(parseIdleTimeout('61s'), 61);
    assert.equal(parseIdleTimeout('1d'), 86_400);
    assert.equal(parseIdleTimeout('OFF'), undefined);
    assert.equal(parseIdleTimeout('off'), undefined);
  });

  it('refuses what code-server would refuse, and what is not a duration, in one line', () => {
    for (const [text, why] of [
      ['60s', /too short: code-server's own minimum is more than 60s/],
      ['1m', /too short/],
      ['31d', /too long/],
      ['30', /is not a duration/],
      ['soon', /is not a duration/],
      ['-5m', /is not a duration/],
      ['', /is not a duration/],
    ] as const) {
      assert.throws(
        () => parseIdleTimeout(text),
        (e: unknown) => e instanceof SwarmError && e.code === 'invalid-input' && why.test(e.message) && !e.oneLine().includes('\n'),
        text,
      );
    }
    assert.equal(idleTimeoutProblem('2h'), undefined);
    assert.match(idleTimeoutProblem('2x') ?? '', /not a duration.*30m, 2h/);
  });

  it('says a timeout the way the tree does', () => {
    assert.equal(formatIdleTimeout(1800), '30 min');
    assert.equal(formatIdleTimeout(7200), '2 h');
    assert.equal(formatIdleTimeout(5400), '1 h 30 min');
    assert.equal(formatIdleTimeout(61), '61 s');
    assert.equal(formatIdleTimeout(86_400), '1 d');
  });
});

describe('idleClock: when code-server stops by itself', () => {
  const start = Date.parse('2025-06-01T12:00:00Z');

  it('never touched: the timeout runs from its start', () => {
    const c = idleClock(61, { status: 'expired', lastHeartbeat: 0 }, start);
    assert.deepEqual(c, { active: false, lastActivityAt: undefined, stopsAt: '2025-06-01T12:01:01.000Z' });
  });

  it('touched once: a minute for the heart to expire, then the timeout', () => {
    const beat = start + 10 * 60_000;
    const c = idleClock(1800, { status: 'expired', lastHeartbeat: beat }, start);
    assert.equal(c.lastActivityAt, '2025-06-01T12:10:00.000Z');
    assert.equal(c.stopsAt, '2025-06-01T12:41:00.000Z');
  });

  it('alive: no countdown', () => {
    const c = idleClock(1800, { status: 'alive', lastHeartbeat: start }, start);
    assert.equal(c.active, true);
    assert.equal(c.stopsAt, undefined);
  });

  it('without a start time and a heartbeat there is nothing to count from', () => {
    assert.equal(idleClock(61, { status: 'expired', lastHeartbeat: 0 }, undefined).stopsAt, undefined);
  });
});

describe('parseHealthzAnswer', () => {
  it("reads code-server's /healthz body", () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"status":"expired","lastHeartbeat":1733480000000}';
    assert.deepEqual(parseHealthzAnswer(answer), { status: 'expired', lastHeartbeat: 1733480000000 });
  });

  it('leaves out anything else', () => {
    assert.equal(parseHealthzAnswer('HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n'), undefined);
    assert.equal(parseHealthzAnswer('HTTP/1.1 200 OK\r\n\r\nok'), undefined);
    assert.equal(parseHealthzAnswer('HTTP/1.1 200 OK\r\n\r\n{"status":1}'), undefined);
    assert.equal(parseHealthzAnswer('garbage'), undefined);
  });
});
