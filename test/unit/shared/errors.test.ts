import assert from 'node:assert/strict';
import { SwarmError, toSwarmError } from '../../../src/shared/errors.js';

describe('SwarmError', () => {
  it('defaults to code internal and no hint', () => {
    const e = new SwarmError('Something broke.');
    assert.equal(e.code, 'internal');
    assert.equal(e.hint, undefined);
    assert.equal(e.name, 'SwarmError');
    assert.equal(e.oneLine(), 'Something broke.');
    assert.ok(e instanceof Error);
  });

  it('appends the hint after a dash', () => {
    const e = new SwarmError('Host "box" is unreachable.', { code: 'unreachable', hint: 'Check that sshd runs.' });
    assert.equal(e.oneLine(), 'Host "box" is unreachable. — Check that sshd runs.');
    assert.equal(e.code, 'unreachable');
  });

  it('collapses newlines in message and hint into one line', () => {
    const e = new SwarmError('docker said:\nno such image\r\n', { hint: 'Pull it\n  first.\u2028done' });
    const line = e.oneLine();
    assert.ok(!/[\r\n\u2028\u2029]/.test(line), line);
    assert.equal(line, 'docker said: no such image — Pull it first. done');
  });

  it('keeps the cause', () => {
    const cause = new Error('low level');
    assert.equal(new SwarmError('high level', { cause }).cause, cause);
  });
});

describe('toSwarmError', () => {
  it('passes a SwarmError through unchanged', () => {
    const e = new SwarmError('x', { code: 'conflict' });
    assert.equal(toSwarmError(e), e);
  });

  it('wraps an Error as internal and keeps it as the cause', () => {
    const cause = new TypeError('bad thing');
    const e = toSwarmError(cause);
    assert.equal(e.code, 'internal');
    assert.equal(e.message, 'bad thing');
    assert.equal(e.cause, cause);
  });

  it('maps an AbortError to cancelled', () => {
    const abort = new Error('The operation was aborted');
    abort.name = 'AbortError';
    assert.equal(toSwarmError(abort).code, 'cancelled');
  });

  it('wraps non-errors, even ones that cannot be stringified', () => {
    assert.match(toSwarmError('plain text').message, /plain text/);
    assert.match(toSwarmError({ a: 1 }).message, /"a":1/);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const e = toSwarmError(cyclic);
    assert.equal(e.code, 'internal');
    assert.equal(e.cause, cyclic);
    assert.match(e.message, /object/i);
    assert.match(toSwarmError(undefined).message, /undefined/);
  });
});
