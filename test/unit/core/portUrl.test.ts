import assert from 'node:assert/strict';
import { parsePort, portProblem, portUrl } from '../../../src/core/portUrl.js';
import { SwarmError } from '../../../src/shared/errors.js';

const TUNNEL = 'http://127.0.0.1:41234/?code-swarm-token=abc_DEF-123';

describe('port URLs through the tunnel', () => {
  it("puts code-server's port proxy in the path and keeps the tunnel's one-time token", () => {
    const url = new URL(portUrl(TUNNEL, 8080));
    assert.equal(url.origin, 'http://127.0.0.1:41234', 'the same tunnel, still loopback');
    assert.equal(url.pathname, '/proxy/8080/');
    assert.equal(url.searchParams.get('code-swarm-token'), 'abc_DEF-123');
    assert.equal(portUrl(TUNNEL, 3000, 'absproxy'), 'http://127.0.0.1:41234/absproxy/3000/?code-swarm-token=abc_DEF-123');
  });

  it('takes the edges of the port range and refuses what is past them', () => {
    assert.match(portUrl(TUNNEL, 1), /\/proxy\/1\//);
    assert.match(portUrl(TUNNEL, 65535), /\/proxy\/65535\//);
    for (const bad of [0, 65536, -1, 1.5, Number.NaN]) assert.throws(() => portUrl(TUNNEL, bad), SwarmError, String(bad));
  });

  it('reads a typed port and refuses anything else in one line', () => {
    assert.equal(parsePort('8080'), 8080);
    assert.equal(parsePort(' 5173 '), 5173);
    for (const [text, why] of [
      ['0', /out of range/],
      ['65536', /out of range/],
      ['99999', /out of range/],
      ['', /not a number/],
      ['80a', /not a number/],
      ['-1', /not a number/],
      ['1e3', /not a number/],
      ['8080/../x', /not a number/],
      ['123456', /not a number/],
    ] as const) {
      assert.throws(
        () => parsePort(text),
        (e: unknown) => e instanceof SwarmError && e.code === 'invalid-input' && why.test(e.message) && !e.oneLine().includes('\n'),
        text,
      );
    }
    assert.equal(portProblem('443'), undefined);
    assert.match(portProblem('http') ?? '', /not a number.*1 to 65535/);
  });
});
