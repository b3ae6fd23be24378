import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SwarmError } from '../../../src/shared/errors.js';
import { DNS_LABEL } from '../../../src/shared/model.js';
import {
  instanceNameProblem,
  parseCpus,
  parseMemory,
  parseSshTarget,
  validateHostName,
  validateImageRef,
  validateInstanceName,
} from '../../../src/core/validate.js';

const MIB = 1024 * 1024;
const SHELL_META = [';', '|', '&', '$', '`', "'", '"', '\\', '\n', ' ', '\t', '<', '>', '(', ')', '*', '?', '!', '#', '~'];

function rejects(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SwarmError, `expected SwarmError, got ${String(e)}`);
    assert.equal(e.code, 'invalid-input');
    assert.ok(e.hint, 'every validation error carries a hint');
    assert.ok(!e.oneLine().includes('\n'));
    if (pattern) assert.match(e.oneLine(), pattern);
    return true;
  });
}

function accepted(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof SwarmError && e.code === 'invalid-input') return false;
    throw e;
  }
}

const nameLike = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,45}$/),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
);
const nearSshTarget = fc.stringMatching(/^([a-z_][a-z0-9]{0,5}@)?[a-z0-9.-]{1,12}(:[0-9]{1,5})?$/);

describe('validate', () => {
  describe('names', () => {
    it('accepts DNS labels within the length limit', () => {
      for (const name of ['a', 'web-1', '0', 'a'.repeat(40)]) assert.equal(validateInstanceName(name), name);
      assert.equal(validateHostName('h'.repeat(63)), 'h'.repeat(63));
    });

    it('rejects bad names with a message that quotes the value', () => {
      rejects(() => validateInstanceName(''), /empty/);
      rejects(() => validateInstanceName('My_Box'), /"My_Box"/);
      rejects(() => validateInstanceName('-a'), /"-a"/);
      rejects(() => validateInstanceName('a'.repeat(41)), /too long \(41/);
      rejects(() => validateHostName('h'.repeat(64)), /too long/);
      rejects(() => validateInstanceName('x; rm -rf /'), /"x; rm -rf \/"/);
    });

    it('truncates a long quoted value to 60 characters', () => {
      assert.throws(
        () => validateInstanceName('Z'.repeat(500)),
        (e: unknown) => e instanceof SwarmError && /"Z+…/.test(e.message) && !e.message.includes('Z'.repeat(60)),
      );
    });

    it('instanceNameProblem agrees with validateInstanceName', () => {
      assert.equal(instanceNameProblem('ok-name'), undefined);
      assert.match(instanceNameProblem('Bad') ?? '', /"Bad".*lowercase/);
      fc.assert(fc.property(nameLike, (s) => (instanceNameProblem(s) === undefined) === accepted(() => validateInstanceName(s))));
    });

    it('property: an accepted instance name is a DNS label of at most 40 chars with no shell characters', () => {
      fc.assert(
        fc.property(nameLike, (s) => {
          if (!accepted(() => validateInstanceName(s))) return true;
          return DNS_LABEL.test(s) && s.length <= 40 && !SHELL_META.some((c) => s.includes(c));
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('parseMemory', () => {
    it('accepts the documented forms', () => {
      const cases: Array<[string, number]> = [
        ['512m', 512 * MIB],
        ['512M', 512 * MIB],
        ['512MiB', 512 * MIB],
        ['512mb', 512 * MIB],
        ['2g', 2048 * MIB],
        ['2G', 2048 * MIB],
        ['1.5g', 1536 * MIB],
        ['1073741824', 1073741824],
        ['65536k', 64 * MIB],
        ['65536kb', 64 * MIB],
        [' 1t ', 1024 * 1024 * MIB],
      ];
      for (const [text, bytes] of cases) assert.equal(parseMemory(text), bytes, text);
    });

    it('rejects zero, negatives, garbage and out-of-range sizes', () => {
      rejects(() => parseMemory('0'), /zero/);
      rejects(() => parseMemory('0m'), /zero/);
      rejects(() => parseMemory('-512m'), /"-512m"/);
      rejects(() => parseMemory('NaN'));
      rejects(() => parseMemory(''));
      rejects(() => parseMemory('12x'));
      rejects(() => parseMemory('1e9'));
      rejects(() => parseMemory('63m'), /at least 64m/);
      rejects(() => parseMemory('1025g'), /too large/);
      rejects(() => parseMemory('9'.repeat(400)), /too large/);
    });

    it('property: "Nm" round-trips to N MiB', () => {
      fc.assert(
        fc.property(fc.integer({ min: 64, max: 1024 * 1024 }), fc.constantFrom('m', 'M', 'MiB', 'mb'), (n, unit) => {
          return parseMemory(`${n}${unit}`) === n * MIB;
        }),
      );
    });

    it('property: any accepted size is an integer between 64 MiB and 1 TiB', () => {
      fc.assert(
        fc.property(fc.oneof(fc.stringMatching(/^[0-9.]{1,8}[kmgtKMGT]?(i?b)?$/), fc.string()), (s) => {
          if (!accepted(() => parseMemory(s))) return true;
          const n = parseMemory(s);
          return Number.isInteger(n) && n >= 64 * MIB && n <= 1024 * 1024 * MIB;
        }),
      );
    });
  });

  describe('parseCpus', () => {
    it('accepts 0.1 to 256 with at most two decimals', () => {
      assert.equal(parseCpus('0.1'), 0.1);
      assert.equal(parseCpus('1.25'), 1.25);
      assert.equal(parseCpus(256), 256);
      assert.equal(parseCpus(' 2 '), 2);
      assert.equal(parseCpus(0.5), 0.5);
    });

    it('rejects everything else', () => {
      for (const bad of ['0', '0.09', '256.01', '1.125', '-1', 'two', '', '1e2', 'Infinity']) rejects(() => parseCpus(bad), /CPU/);
      for (const bad of [0, -2, Number.NaN, Number.POSITIVE_INFINITY, 1.005, 300]) rejects(() => parseCpus(bad));
    });

    it('property: k/100 round-trips for every valid k', () => {
      fc.assert(fc.property(fc.integer({ min: 10, max: 25600 }), (k) => parseCpus((k / 100).toFixed(2)) === Number((k / 100).toFixed(2))));
    });
  });

  describe('parseSshTarget', () => {
    it('parses the documented forms', () => {
      assert.deepEqual(parseSshTarget('dev@box'), { user: 'dev', host: 'box', port: 22 });
      assert.deepEqual(parseSshTarget('dev@box.example.com:2222'), { user: 'dev', host: 'box.example.com', port: 2222 });
      assert.deepEqual(parseSshTarget('box'), { host: 'box', port: 22 });
      assert.deepEqual(parseSshTarget('10.0.0.5:65535'), { host: '10.0.0.5', port: 65535 });
      assert.deepEqual(parseSshTarget('[::1]:22'), { host: '::1', port: 22 });
      assert.deepEqual(parseSshTarget('[::1]'), { host: '::1', port: 22 });
      assert.deepEqual(parseSshTarget('user@[fe80::1]:2200'), { user: 'user', host: 'fe80::1', port: 2200 });
      assert.deepEqual(parseSshTarget('::1'), { host: '::1', port: 22 });
      assert.deepEqual(parseSshTarget('_svc.x@h'), { user: '_svc.x', host: 'h', port: 22 });
    });

    it('rejects malformed and dangerous targets', () => {
      const bad = [
        '',
        ' ',
        'dev@box extra',
        'dev@@box',
        'a@b@c',
        '@box',
        'dev@',
        'dev@box:',
        'dev@box:0',
        'dev@box:65536',
        'dev@box:22x',
        '-oProxyCommand=x',
        'dev@-box',
        'dev@box;id',
        'dev@$(id)',
        'dev@box|x',
        '9dev@box',
        `${'u'.repeat(33)}@box`,
        'dev@[zz::1]:22',
        'dev@[::1]:99999',
        'dev@box\n',
      ];
      for (const s of bad) rejects(() => parseSshTarget(s));
    });

    it('property: never accepts a string containing a shell metacharacter', () => {
      fc.assert(
        fc.property(nearSshTarget, fc.constantFrom(...SHELL_META), fc.nat(), (target, meta, at) => {
          const i = at % (target.length + 1);
          return !accepted(() => parseSshTarget(target.slice(0, i) + meta + target.slice(i)));
        }),
        { numRuns: 1000 },
      );
    });

    it('property: user@host:port round-trips', () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,31}$/),
          fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/),
          fc.integer({ min: 1, max: 65535 }),
          (user, host, port) => {
            const parsed = parseSshTarget(`${user}@${host}:${port}`);
            return parsed.user === user && parsed.host === host && parsed.port === port;
          },
        ),
      );
    });
  });

  describe('validateImageRef', () => {
    it('accepts Docker references', () => {
      const good = [
        'ubuntu',
        'codercom/code-server',
        'codercom/code-server:4.99.0',
        'ghcr.io/coder/code-server:latest',
        'localhost:5000/team/img_name:v1.2-rc',
        'registry.example.com:443/a/b/c',
        '[::1]:5000/img',
        `alpine@sha256:${'a'.repeat(64)}`,
        `reg:5000/alpine:3.20@sha256:${'0'.repeat(64)}`,
        'a__b/c-d---e',
      ];
      for (const ref of good) assert.equal(validateImageRef(ref), ref);
    });

    it('rejects everything else', () => {
      const bad = [
        '',
        '-ubuntu',
        'Ubuntu/Repo',
        'ubuntu latest',
        'ubuntu;id',
        'ubuntu$(id)',
        'ubuntu:',
        'ubuntu:-tag',
        'ubuntu@sha256:abc',
        'a/',
        '/a',
        'a//b',
        'a_-b',
        `a/${'b'.repeat(255)}`,
        'ubuntu:tag\n',
      ];
      for (const ref of bad) rejects(() => validateImageRef(ref));
    });

    it('property: never accepts whitespace or shell metacharacters', () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9]{1,8})?(:[a-z0-9.]{1,6})?$/),
          fc.constantFrom(...SHELL_META),
          fc.nat(),
          (ref, meta, at) => {
            const i = at % (ref.length + 1);
            return !accepted(() => validateImageRef(ref.slice(0, i) + meta + ref.slice(i)));
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
