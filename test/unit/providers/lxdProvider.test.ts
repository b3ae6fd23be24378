import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LXD_KEY,
  PORT_RANGE,
  PROXY_DEVICE,
  cpuLimits,
  fromLxdInstance,
  isAddressInUse,
  listenPort,
  lxdInstanceName,
  mapLxdStatus,
  memoryLimit,
  pickPort,
  proxyDevice,
  renderCodeServerConfig,
  yamlQuote,
  type LxdInstance,
} from '../../../src/providers/lxdProvider.js';
import { LxdApiError } from '../../../src/providers/lxdClient.js';

const CONFIG_KEYS = ['bind-addr', 'auth', 'hashed-password', 'cookie-suffix', 'disable-telemetry', 'disable-update-check'];

/** Splits config.yaml into its top-level `key: value` lines, refusing anything else. */
function configLines(yaml: string): Array<[string, string]> {
  assert.ok(yaml.endsWith('\n'));
  return yaml
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = /^([a-z-]+): (.*)$/.exec(line);
      assert.ok(m, `not a key line: ${JSON.stringify(line)}`);
      return [m[1] as string, m[2] as string];
    });
}

/**
 * Our quoted scalars use only the escapes YAML double quotes and JSON share
 * (\" \\ \uXXXX), so JSON.parse reads them exactly as a YAML parser would.
 */
function decodeQuoted(value: string): string {
  assert.match(value, /^"(?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\]|\\u[0-9a-f]{4})*"$/);
  return JSON.parse(value) as string;
}

function instance(over: Partial<LxdInstance> = {}): LxdInstance {
  return {
    name: 'code-swarm-web',
    status: 'Running',
    config: {
      [LXD_KEY.instance]: 'id-1',
      [LXD_KEY.name]: 'web',
      [LXD_KEY.store]: 'store-1',
      [LXD_KEY.spec]: JSON.stringify({ image: 'code-swarm-test-code-server', cpus: 1.5, memoryBytes: 2 ** 31 }),
      [LXD_KEY.cookieSuffix]: 'abc123',
      'volatile.base_image': '4f1e48f07c1558d590a7375b63ba67b49928f3da14ffb668b5290f1508527440',
    },
    devices: { [PROXY_DEVICE]: proxyDevice(23456) },
    expanded_devices: { [PROXY_DEVICE]: proxyDevice(23456), root: { type: 'disk', path: '/', pool: 'default' } },
    created_at: '2026-11-23T09:26:53.388823694Z',
    last_used_at: '2026-11-23T09:27:00.5Z',
    ...over,
  };
}

describe('LxdProvider pure parts', () => {
  describe('mapLxdStatus', () => {
    const cases: Array<[string, string]> = [
      ['Running', 'running'],
      ['Stopped', 'stopped'],
      ['Frozen', 'stopped'],
      ['Starting', 'starting'],
      ['Stopping', 'starting'],
      ['Error', 'failed'],
    ];
    for (const [status, state] of cases) {
      it(`maps ${status} to ${state}`, () => assert.equal(mapLxdStatus(status).state, state));
    }

    it('explains an error state', () => {
      assert.match(mapLxdStatus('Error').error ?? '', /error state/);
      assert.equal(mapLxdStatus('Running').error, undefined);
    });

    it('reports an unknown status as failed, naming it', () => {
      const r = mapLxdStatus('Thawed');
      assert.equal(r.state, 'failed');
      assert.match(r.error ?? '', /"Thawed"/);
    });
  });

  describe('pickPort', () => {
    it('stays in 20000-39999 and avoids used ports', () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.integer({ min: 20_000, max: 39_999 }), { maxLength: 200 }), (r, used) => {
          const port = pickPort(new Set(used), () => r);
          assert.ok(port !== undefined && port >= PORT_RANGE.min && port <= PORT_RANGE.max);
          assert.ok(!used.includes(port));
        }),
      );
    });

    it('is random: the same inputs give a spread of ports', () => {
      const ports = new Set(Array.from({ length: 50 }, () => pickPort(new Set())));
      assert.ok(ports.size > 40, `only ${ports.size} distinct ports in 50 picks`);
    });

    it('takes the next free port after the random one, wrapping around', () => {
      const range = { min: 100, max: 104 };
      assert.equal(pickPort(new Set(), () => 0, range), 100);
      assert.equal(pickPort(new Set([102, 103]), () => 0.4, range), 104);
      assert.equal(pickPort(new Set([103, 104]), () => 0.7, range), 100);
      // Math.random never returns 1, but a custom source might.
      assert.equal(pickPort(new Set(), () => 1, range), 104);
    });

    it('gives up when every port is taken', () => {
      assert.equal(pickPort(new Set([100, 101]), () => 0.5, { min: 100, max: 101 }), undefined);
    });
  });

  describe('listenPort', () => {
    it('reads a proxy device listen address', () => {
      assert.equal(listenPort('tcp:127.0.0.1:23456'), 23456);
      assert.equal(listenPort(proxyDevice(20000)['listen']), 20000);
    });

    it('ignores what is not one TCP port', () => {
      for (const v of [undefined, '', 'unix:/run/x.sock', 'tcp:127.0.0.1:1000-1010', 'tcp:127.0.0.1:0', 'tcp:127.0.0.1:70000', 'udp:127.0.0.1:53']) {
        assert.equal(listenPort(v), undefined, String(v));
      }
    });
  });

  describe('proxyDevice', () => {
    it('listens on the host loopback only and connects to code-server', () => {
      assert.deepEqual(proxyDevice(23000), { type: 'proxy', listen: 'tcp:127.0.0.1:23000', connect: 'tcp:127.0.0.1:8080', bind: 'host' });
    });
  });

  describe('renderCodeServerConfig', () => {
    it('writes the six keys code-server needs', () => {
      const yaml = renderCodeServerConfig('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', '0a1b2c');
      assert.equal(
        yaml,
        [
          'bind-addr: 127.0.0.1:8080',
          'auth: password',
          'hashed-password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"',
          'cookie-suffix: "0a1b2c"',
          'disable-telemetry: true',
          'disable-update-check: true',
          '',
        ].join('\n'),
      );
    });

    it('cannot be made to add or change keys by a hostile password hash or suffix', () => {
      const hostile = [
        'x"\nauth: none',
        "x'\nbind-addr: 0.0.0.0:80",
        'x\r\nauth: none\r\n',
        'x\u2028auth: none',
        'x\u0085auth: none',
        '"\\"\nauth: none #',
        '{auth: none}',
        '&a *a !!js/function >-',
      ];
      for (const h of hostile) {
        const lines = configLines(renderCodeServerConfig(h, h));
        assert.deepEqual(
          lines.map(([k]) => k),
          CONFIG_KEYS,
        );
        assert.equal(decodeQuoted(lines[2]?.[1] ?? ''), h);
        assert.equal(decodeQuoted(lines[3]?.[1] ?? ''), h);
        assert.equal(lines[1]?.[1], 'password');
      }
    });

    it('round-trips any string exactly, line structure intact', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (hash, suffix) => {
          const lines = configLines(renderCodeServerConfig(hash, suffix));
          assert.deepEqual(
            lines.map(([k]) => k),
            CONFIG_KEYS,
          );
          assert.equal(decodeQuoted(lines[2]?.[1] ?? ''), hash);
          assert.equal(decodeQuoted(lines[3]?.[1] ?? ''), suffix);
        }),
        { numRuns: 500 },
      );
    });

    it('quotes lone surrogates and astral characters as \\u escapes', () => {
      assert.equal(yamlQuote('\ud800'), '"\\ud800"');
      assert.equal(yamlQuote('😀'), '"\\ud83d\\ude00"');
      assert.equal(yamlQuote('a"b\\c'), '"a\\"b\\\\c"');
    });
  });

  describe('limits', () => {
    it('turns bytes into whole MiB, rounding up', () => {
      assert.equal(memoryLimit(2 * 1024 ** 3), '2048MiB');
      assert.equal(memoryLimit(1024 ** 2 + 1), '2MiB');
      assert.equal(memoryLimit(1), '1MiB');
    });

    it('grants whole CPUs as a count and caps fractions with an allowance', () => {
      assert.deepEqual(cpuLimits(2), { 'limits.cpu': '2' });
      assert.deepEqual(cpuLimits(1.5), { 'limits.cpu': '2', 'limits.cpu.allowance': '150ms/100ms' });
      assert.deepEqual(cpuLimits(0.25), { 'limits.cpu': '1', 'limits.cpu.allowance': '25ms/100ms' });
    });
  });

  describe('fromLxdInstance', () => {
    it('reads our labels, the proxy port and the spec', () => {
      const o = fromLxdInstance(instance());
      assert.deepEqual(o, {
        id: 'id-1',
        name: 'web',
        containerId: 'code-swarm-web',
        image: 'code-swarm-test-code-server',
        state: 'running',
        port: 23456,
        storeId: 'store-1',
        cookieSuffix: 'abc123',
        cpus: 1.5,
        memoryBytes: 2 ** 31,
        createdAt: '2026-11-23T09:26:53.388Z',
        startedAt: '2026-11-23T09:27:00.500Z',
        error: undefined,
      });
    });

    it('copes with missing or broken labels and LXD zero times', () => {
      const o = fromLxdInstance(
        instance({
          status: 'Stopped',
          config: { [LXD_KEY.instance]: 'id-2', [LXD_KEY.spec]: '{not json', 'volatile.base_image': 'abcdef0123456789' },
          devices: {},
          expanded_devices: null,
          last_used_at: '0001-01-01T00:00:00Z',
        }),
      );
      assert.equal(o.name, 'web');
      assert.equal(o.state, 'stopped');
      assert.equal(o.port, undefined);
      assert.equal(o.image, 'abcdef012345');
      assert.equal(o.cpus, undefined);
      assert.equal(o.startedAt, undefined);
    });

    it('names the container after the instance', () => {
      assert.equal(lxdInstanceName('web'), 'code-swarm-web');
    });
  });
});

describe('isAddressInUse: when a start is retried on another port', () => {
  const fail = (message: string) => new LxdApiError(400, message, 'PUT', '/1.0/instances/code-swarm-x/state');
  it("reads both ways LXD reports a proxy port that is taken, and nothing else", () => {
    assert.equal(isAddressInUse(fail('Error occurred when starting proxy device: Error: Failed to listen on 127.0.0.1:40001: listen tcp 127.0.0.1:40001: bind: address already in use')), true);
    // The lab's LXD 5.0 said this in CI when forkproxy's listener died on the taken port.
    assert.equal(isAddressInUse(fail('Error occurred when starting proxy device: Error: Failed to receive fd from listener process: Failed to receive file descriptor via abstract unix socket')), true);
    assert.equal(isAddressInUse(fail('Failed to run: forklimits limit=memlock:unlimited:unlimited')), false);
    assert.equal(isAddressInUse(new Error('address already in use')), false, 'only an answer of LXD counts');
  });
});
