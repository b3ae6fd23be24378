import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SwarmError } from '../../../src/shared/errors.js';
import {
  MAX_ENV,
  MAX_TAGS,
  parseEnv,
  parseGpus,
  parseMounts,
  parseTags,
  RESERVED_TARGETS,
  validateInstanceOptions,
} from '../../../src/core/validateOptions.js';

function rejects(fn: () => unknown, pattern?: RegExp): SwarmError {
  let err: SwarmError | undefined;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SwarmError, `expected SwarmError, got ${String(e)}`);
    assert.equal(e.code, 'invalid-input');
    assert.ok(e.hint, 'every refusal says what to do');
    assert.doesNotMatch(e.oneLine(), /[\r\n\u2028\u2029]/);
    assert.ok(e.oneLine().length < 400, e.oneLine());
    if (pattern) assert.match(e.oneLine(), pattern);
    err = e;
    return true;
  });
  return err as SwarmError;
}

const docker = { name: 'alpha', provider: 'docker' as const };
const swarmHost = { name: 'cluster', provider: 'swarm' as const };

describe('instance options: --env', () => {
  it('parses K=V, keeping everything after the first = (values may hold =)', () => {
    assert.deepEqual(parseEnv(['A=1', 'B_2=x=y', 'EMPTY=', '_U=ü 日本']), { A: '1', B_2: 'x=y', EMPTY: '', _U: 'ü 日本' });
  });

  it('refuses bad names, reserved names, repeats, control characters and oversize values', () => {
    rejects(() => parseEnv(['1A=x']), /not a valid variable name/);
    rejects(() => parseEnv(['A-B=x']), /not a valid variable name/);
    rejects(() => parseEnv(['=x']), /not a valid variable name/);
    rejects(() => parseEnv(['A$(id)=x']), /not a valid variable name/);
    rejects(() => parseEnv(['NOEQUALS']), /no '='/);
    for (const k of ['PASSWORD', 'HASHED_PASSWORD', 'hashed_password', 'CODE_SERVER_CONFIG', 'CODE_SERVER_COOKIE_SUFFIX', 'CODE_SWARM_X'])
      rejects(() => parseEnv([`${k}=x`]), /reserved/);
    rejects(() => parseEnv(['A=1', 'A=2']), /twice/);
    for (const v of ['a\nb', 'a\rb', 'a\0b', '\x1b[31m', 'a\u2028b']) rejects(() => parseEnv([`A=${v}`]), /control character/);
    rejects(() => parseEnv([`A=${'x'.repeat(9000)}`]), /longer than/);
    rejects(() => parseEnv(Array.from({ length: MAX_ENV + 1 }, (_, i) => `V${i}=x`)), /Too many/);
  });

  it('never echoes a value back: it may be a secret', () => {
    const secret = 'hunter2-s3cr3t';
    for (const bad of [`A=${secret}\n`, `A=${secret}\0`, `${secret}`, `A=${secret}${'x'.repeat(9000)}`])
      assert.ok(
        !rejects(() => parseEnv([bad]))
          .oneLine()
          .includes(secret),
        bad.slice(0, 20),
      );
  });
});

describe('instance options: --tag', () => {
  it('parses K=V tags', () => {
    assert.deepEqual(parseTags(['team=web', 'env.stage=prod', 'empty=', 'a=b=c']), {
      team: 'web',
      'env.stage': 'prod',
      empty: '',
      a: 'b=c',
    });
  });

  it('refuses reserved prefixes, bad keys, repeats, control characters and oversize', () => {
    rejects(() => parseTags(['code-swarm.instance=x']), /reserved/);
    rejects(() => parseTags(['Code-Swarm.name=x']), /reserved/);
    for (const k of ['', '-a', 'a-', 'a b', 'a/b', 'a;b', 'x'.repeat(64), 'é']) rejects(() => parseTags([`${k}=v`]));
    rejects(() => parseTags(['team']), /no '='/);
    rejects(() => parseTags(['a=1', 'a=2']), /twice/);
    rejects(() => parseTags(['a=x\ny']), /control character/);
    rejects(() => parseTags([`a=${'v'.repeat(257)}`]), /longer than/);
    rejects(() => parseTags(Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}=x`)), /Too many/);
  });
});

describe('instance options: --mount', () => {
  it('parses volumes and host paths, read-only when asked', () => {
    assert.deepEqual(parseMounts(['data:/home/coder/data', '/srv/shared/:/mnt/shared:ro', 'cache:/mnt/cache:rw']), [
      { type: 'volume', source: 'data', target: '/home/coder/data', readOnly: false },
      { type: 'bind', source: '/srv/shared', target: '/mnt/shared', readOnly: true },
      { type: 'volume', source: 'cache', target: '/mnt/cache', readOnly: false },
    ]);
  });

  it('refuses what is not SRC:DST[:ro], relative or dotted paths, and our own volumes', () => {
    for (const bad of [
      'data',
      'data:/a:ro:x',
      'data:/a:rx',
      'data:rel',
      'data:/a/../b',
      'data:/a/./b',
      '/a/../etc:/mnt',
      'rel/path:/mnt',
      'a b:/mnt',
    ])
      rejects(() => parseMounts([bad]), /--mount/);
    rejects(() => parseMounts(['code-swarm-other-project:/mnt/x']), /Code Swarm volume/);
    rejects(() => parseMounts(['/:/mnt/root']), /root or a kernel/);
    rejects(() => parseMounts(['/proc:/mnt/p']), /root or a kernel/);
    rejects(() => parseMounts(['a:/mnt/x', 'b:/mnt/x']), /Two --mount/);
    rejects(() => parseMounts(['a:/mnt/x', 'b:/mnt/x/y']), /inside another mount/);
    rejects(() => parseMounts(['a:/mnt//x']), /plain form/);
    rejects(() => parseMounts(['a:/mnt/x\n']), /control character/);
  });

  it("refuses a target on, above or below code-server's own paths and the workspace", () => {
    for (const t of [...RESERVED_TARGETS, '/', '/home', '/home/coder', '/home/coder/project/sub', '/home/coder/.config', '/proc/self'])
      rejects(() => parseMounts([`data:${t}`]), /needs/);
    assert.equal(parseMounts(['data:/home/coder/projects'])[0]?.target, '/home/coder/projects', 'a sibling is fine');
  });

  it('refuses host paths and GPUs on Swarm hosts, named volumes pass', () => {
    rejects(() => validateInstanceOptions({ mounts: ['/srv:/mnt/srv'] }, swarmHost), /any node/);
    rejects(() => validateInstanceOptions({ gpus: 'all' }, swarmHost), /not offered on Swarm/);
    assert.equal(validateInstanceOptions({ mounts: ['v:/mnt/v'] }, swarmHost).mounts.length, 1);
    assert.equal(validateInstanceOptions({ gpus: '2', mounts: ['/srv:/mnt/srv'] }, docker).gpus, 2);
  });
});

describe('instance options: --gpus', () => {
  it('takes all or a count from 1 to 64', () => {
    assert.equal(parseGpus('all'), 'all');
    assert.equal(parseGpus('1'), 1);
    assert.equal(parseGpus('64'), 64);
    for (const bad of ['', '0', '65', '-1', '1.5', 'ALL', 'all;id', ' 1', '0x2', '1e1']) rejects(() => parseGpus(bad), /--gpus/);
  });
});

describe('instance options: fuzzed', () => {
  it('any string in any option is parsed into safe values or refused with one line', () => {
    const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
    fc.assert(
      fc.property(fc.constantFrom('env', 'tags', 'mounts', 'gpus'), anyString, (field, value) => {
        let parsed;
        try {
          parsed = validateInstanceOptions(field === 'gpus' ? { gpus: value } : { [field]: [value] }, docker);
        } catch (e) {
          rejects(() => {
            throw e;
          });
          return;
        }
        for (const v of [...Object.values(parsed.env), ...Object.values(parsed.tags)]) assert.doesNotMatch(v, /[\0\n\r]/);
        for (const k of [...Object.keys(parsed.env), ...Object.keys(parsed.tags)]) assert.match(k, /^[A-Za-z0-9_.-]+$/);
        for (const m of parsed.mounts) {
          assert.match(m.target, /^\/[^\0\n]*$/);
          assert.ok(!m.target.split('/').includes('..'));
        }
      }),
      { numRuns: 500 },
    );
  });
});
