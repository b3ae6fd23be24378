import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LxdApiError } from '../../../../src/providers/lxd/lxdClient.js';
import { PORT_RANGE, isAddressInUse, listenPort, pickPort, proxyDevice } from '../../../../src/providers/lxd/lxdPorts.js';

describe('pickPort', () => {
  it('stays in 20000-39999 and avoids used ports', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.integer({ min: 20_000, max: 39_999 }), { maxLength: 200 }),
        (r, used) => {
          const port = pickPort(new Set(used), () => r);
          assert.ok(port !== undefined && port >= PORT_RANGE.min && port <= PORT_RANGE.max);
          assert.ok(!used.includes(port));
        },
      ),
    );
  });

  it('is random: the same inputs give a spread of ports', () => {
    const ports = new Set(Array.from({ length: 50 }, () => pickPort(new Set())));
    assert.ok(ports.size > 40, `only ${ports.size} distinct ports in 50 picks`);
  });

  it('takes the next free port after the random one, wrapping around', () => {
    const range = { min: 100, max: 104 };
    assert.equal(
      pickPort(new Set(), () => 0, range),
      100,
    );
    assert.equal(
      pickPort(new Set([102, 103]), () => 0.4, range),
      104,
    );
    assert.equal(
      pickPort(new Set([103, 104]), () => 0.7, range),
      100,
    );
    // Math.random never returns 1, but a custom source might.
    assert.equal(
      pickPort(new Set(), () => 1, range),
      104,
    );
  });

  it('gives up when every port is taken', () => {
    assert.equal(
      pickPort(new Set([100, 101]), () => 0.5, { min: 100, max: 101 }),
      undefined,
    );
  });
});

describe('listenPort', () => {
  it('reads a proxy device listen address', () => {
    assert.equal(listenPort('tcp:127.0.0.1:23456'), 23456);
    assert.equal(listenPort(proxyDevice(20000)['listen']), 20000);
  });

  it('ignores what is not one TCP port', () => {
    for (const v of [
      undefined,
      '',
      'unix:/run/x.sock',
      'tcp:127.0.0.1:1000-1010',
      'tcp:127.0.0.1:0',
      'tcp:127.0.0.1:70000',
      'udp:127.0.0.1:53',
    ]) {
      assert.equal(listenPort(v), undefined, String(v));
    }
  });
});

describe('proxyDevice', () => {
  it('listens on the host loopback only and connects to code-server', () => {
    assert.deepEqual(proxyDevice(23000), { type: 'proxy', listen: 'tcp:127.0.0.1:23000', connect: 'tcp:127.0.0.1:8080', bind: 'host' });
  });
});

describe('isAddressInUse: when a start is retried on another port', () => {
  const fail = (message: string) => new LxdApiError(400, message, 'PUT', '/1.0/instances/code-swarm-x/state');
  it('reads both ways LXD reports a proxy port that is taken, and nothing else', () => {
    assert.equal(
      isAddressInUse(
        fail(
          'Error occurred when starting proxy device: Error: Failed to listen on 127.0.0.1:40001: listen tcp 127.0.0.1:40001: bind: address already in use',
        ),
      ),
      true,
    );
    // The lab's LXD 5.0 said this in CI when forkproxy's listener died on the taken port.
    assert.equal(
      isAddressInUse(
        fail(
          'Error occurred when starting proxy device: Error: Failed to receive fd from listener process: Failed to receive file descriptor via abstract unix socket',
        ),
      ),
      true,
    );
    assert.equal(isAddressInUse(fail('Failed to run: forklimits limit=memlock:unlimited:unlimited')), false);
    assert.equal(isAddressInUse(new Error('address already in use')), false, 'only an answer of LXD counts');
  });
});
