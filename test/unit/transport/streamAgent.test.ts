import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { StreamAgent } from '../../../src/transport/streamAgent.js';

describe('StreamAgent', () => {
  it('prints as one word however deep it is inspected, so debug lines never walk its live channels', () => {
    const agent = new StreamAgent(async () => new PassThrough());
    // docker-modem's call, made for every request whether debugging is on or not.
    const line = inspect({ path: '/containers/json', agent }, { showHidden: true, depth: null });
    assert.match(line, /agent: StreamAgent/);
    assert.ok(line.length < 200, `the inspected options were ${line.length} characters`);
  });
});
