import assert from 'node:assert/strict';
import { parseDisk } from '../../../src/core/validate.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIdleTimeout } from '../../../src/core/idleTimeout.js';
import { parseBuildArgs } from '../../../src/core/validateBuild.js';
import { parseEnv, parseTags, validateInstanceOptions } from '../../../src/core/validateOptions.js';
import {
  defaultMoreOptions,
  fieldProblem,
  fieldSummary,
  fieldText,
  joinList,
  moreOptionFields,
  moreOptionsInput,
  moreOptionsProblem,
  splitList,
  withField,
  type MoreOptionsContext,
} from '../../../src/ui/model/moreOptions.js';
import { validationProblem } from '../../../src/ui/model/validationProblem.js';

const docker: MoreOptionsContext = { host: { name: 'alpha', provider: 'docker' } };
const swarm: MoreOptionsContext = { host: { name: 'cluster', provider: 'swarm' } };

describe('the Create wizard’s More options page (model)', () => {
  let dir: string;
  let dockerfile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'more-options-'));
    dockerfile = join(dir, 'app', 'Dockerfile');
    mkdirSync(join(dir, 'app'));
    writeFileSync(dockerfile, 'FROM debian:12\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('splits a list box on ";", keeps "\\;" inside an entry, drops empties, and joins it back the same', () => {
    assert.deepEqual(splitList(' A=1 ;B=x\\;y;; '), ['A=1', 'B=x;y']);
    assert.deepEqual(splitList(''), []);
    assert.deepEqual(splitList('   '), []);
    const items = ['A=1', 'URL=http://h/?a=1;b=2', 'C= spaced value'];
    assert.deepEqual(splitList(joinList(items)), items);
  });

  it('untouched, it adds just the defaults: the idle timeout setting, and for a Dockerfile a build from its folder', () => {
    const d = defaultMoreOptions('2h');
    assert.deepEqual(moreOptionsInput(d, undefined), { idleTimeout: '2h' });
    assert.deepEqual(moreOptionsInput(d, dockerfile), { idleTimeout: '2h', build: { dockerfile } });
  });

  it('what is typed reaches create’s input in the CLI’s form (K=V, SRC:DST[:ro], all|N)', () => {
    let o = defaultMoreOptions('off');
    o = withField(o, 'env', 'NODE_ENV=development; DEBUG=1');
    o = withField(o, 'mounts', 'data:/home/coder/data:ro');
    o = withField(o, 'tags', 'team=web');
    o = withField(o, 'gpus', ' all ');
    o = withField(o, 'idleTimeout', '30m');
    o = withField(o, 'context', dir);
    o = withField(o, 'buildArgs', 'V=1;W=2');
    assert.deepEqual(moreOptionsInput(o, dockerfile), {
      env: ['NODE_ENV=development', 'DEBUG=1'],
      mounts: ['data:/home/coder/data:ro'],
      tags: ['team=web'],
      gpus: 'all',
      idleTimeout: '30m',
      build: { dockerfile, context: dir, buildArgs: ['V=1', 'W=2'] },
    });
    assert.equal(fieldText(o, 'env'), 'NODE_ENV=development; DEBUG=1');
    assert.equal(fieldSummary(o, 'env'), '2 set');
    assert.equal(fieldSummary(o, 'gpus'), 'all');
    assert.equal(fieldSummary(defaultMoreOptions('off'), 'mounts'), 'none');
    assert.equal(moreOptionsProblem(o, { ...docker, dockerfile }), undefined);
  });

  it('offers the build fields only for a Dockerfile', () => {
    assert.deepEqual(
      moreOptionFields(docker).map((f) => f.key),
      ['env', 'mounts', 'tags', 'gpus', 'idleTimeout', 'disk'],
    );
    assert.ok(moreOptionFields({ ...docker, dockerfile }).some((f) => f.key === 'context'));
    assert.ok(moreOptionFields({ ...docker, dockerfile }).some((f) => f.key === 'buildArgs'));
  });

  it('refuses what the CLI refuses, with the core’s own message (no second copy of the rules)', () => {
    const cases: [Parameters<typeof fieldProblem>[0], string, () => unknown][] = [
      ['env', 'PASSWORD=x', () => parseEnv(['PASSWORD=x'])],
      ['env', 'NOEQUALS', () => parseEnv(['NOEQUALS'])],
      ['env', 'A=1;A=2', () => parseEnv(['A=1', 'A=2'])],
      ['tags', 'code-swarm.owner=me', () => parseTags(['code-swarm.owner=me'])],
      ['mounts', 'x:/home/coder/project', () => validateInstanceOptions({ mounts: ['x:/home/coder/project'] }, docker.host)],
      ['mounts', 'code-swarm-other:/mnt/o', () => validateInstanceOptions({ mounts: ['code-swarm-other:/mnt/o'] }, docker.host)],
      ['gpus', '0', () => validateInstanceOptions({ gpus: '0' }, docker.host)],
      ['idleTimeout', '30s', () => parseIdleTimeout('30s')],
      ['idleTimeout', '', () => parseIdleTimeout('')],
      ['disk', '100m', () => parseDisk('100m')],
      ['disk', '10x', () => parseDisk('10x')],
      ['buildArgs', '1BAD=x', () => parseBuildArgs(['1BAD=x'])],
    ];
    for (const [key, text, core] of cases) {
      const expected = validationProblem(core);
      assert.ok(expected, `${key} ${text}: the core refuses it`);
      assert.equal(fieldProblem(key, text, docker), expected, `${key} ${text}`);
    }
    for (const [key, text] of [
      ['env', ''],
      ['env', 'A=1; B=two words'],
      ['mounts', '/srv/data:/mnt/data:ro'],
      ['tags', 'team=web'],
      ['gpus', ''],
      ['gpus', '2'],
      ['idleTimeout', 'off'],
      ['disk', ''],
      ['disk', '10g'],
      ['buildArgs', 'A=1'],
    ] as const) {
      assert.equal(fieldProblem(key, text, docker), undefined, `${key} ${text}`);
    }
  });

  it('checks the host too: a Swarm host refuses host paths and GPUs, as create would', () => {
    assert.match(fieldProblem('mounts', '/srv/data:/mnt/data', swarm) ?? '', /not offered on Swarm hosts like cluster/);
    assert.match(fieldProblem('gpus', 'all', swarm) ?? '', /not offered on Swarm hosts/);
    assert.equal(fieldProblem('mounts', 'data:/mnt/data', swarm), undefined, 'a named volume is fine');
    // A value typed for one host, then a Swarm host picked: Create says which option and why.
    const o = withField(defaultMoreOptions('off'), 'gpus', '1');
    assert.equal(moreOptionsProblem(o, docker), undefined);
    assert.match(moreOptionsProblem(o, swarm) ?? '', /^GPUs: .*Swarm/);
  });

  it('checks the build context against the Dockerfile: a folder that holds it', () => {
    const ctx = { ...docker, dockerfile };
    assert.equal(fieldProblem('context', '', ctx), undefined, "empty: the Dockerfile's folder");
    assert.equal(fieldProblem('context', dir, ctx), undefined);
    assert.match(fieldProblem('context', join(dir, 'missing'), ctx) ?? '', /is not a folder/);
    const other = mkdtempSync(join(tmpdir(), 'more-options-other-'));
    try {
      assert.match(fieldProblem('context', other, ctx) ?? '', /outside its build context/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
