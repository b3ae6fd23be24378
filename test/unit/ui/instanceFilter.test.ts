import assert from 'node:assert/strict';
import { describeInstance } from '../../../src/ui/model/describeInstance.js';
import { hostMatchesFilter, matchesFilter, parseInstanceFilter, type InstanceFilter } from '../../../src/ui/model/instanceFilter.js';
import { instanceView, NOW } from './fixtures.js';

function filter(text: string): InstanceFilter | undefined {
  const parsed = parseInstanceFilter(text);
  assert.ok('filter' in parsed, `${text}: ${'problem' in parsed ? parsed.problem : ''}`);
  return parsed.filter;
}

describe('tree filter', () => {
  const web = instanceView({ tags: { team: 'web', env: 'prod' } });
  const db = instanceView({ id: 'id-db', name: 'db', host: 'beta', state: 'stopped', tags: { team: 'data' } });
  const bare = instanceView({ id: 'id-x', name: 'x', host: 'gamma' });

  it('an empty line is no filter and shows everything', () => {
    assert.equal(filter('  '), undefined);
    for (const v of [web, db, bare]) assert.ok(matchesFilter(v, undefined));
  });

  it('filters by tag (KEY=VALUE, tag:KEY=VALUE or tag:KEY), host and state; alternatives within a kind, all kinds together', () => {
    const names = (text: string) => [web, db, bare].filter((v) => matchesFilter(v, filter(text))).map((v) => v.name);
    assert.deepEqual(names('team=web'), ['web']);
    assert.deepEqual(names('tag:team=data'), ['db']);
    assert.deepEqual(names('tag:team'), ['web', 'db']);
    assert.deepEqual(names('team=web team=data'), ['web', 'db']);
    assert.deepEqual(names('host:beta'), ['db']);
    assert.deepEqual(names('host:alpha host:gamma'), ['web', 'x']);
    assert.deepEqual(names('state:running'), ['web', 'x']);
    assert.deepEqual(names('state:running tag:team'), ['web']);
    assert.deepEqual(names('url=http://x'), [], 'a value with a colon is still a tag');
    assert.equal(filter('  team=web   host:alpha ')?.text, 'team=web host:alpha');
  });

  it('refuses unknown kinds and states with the syntax to use', () => {
    for (const bad of ['color:red', 'state:sleeping', 'host:']) assert.ok('problem' in parseInstanceFilter(bad), bad);
  });

  it('keeps a host row only when a host term names it (or there is none)', () => {
    assert.ok(hostMatchesFilter('alpha', filter('team=web')));
    assert.ok(!hostMatchesFilter('beta', filter('host:alpha')));
  });

  it('the row shows its tags; the tooltip its tags, mounts, GPUs and env names, never env values', () => {
    const look = describeInstance(
      {
        ...web,
        envNames: ['API_TOKEN'],
        mounts: [{ type: 'bind', source: '/srv/ref', target: '/mnt/ref', readOnly: true }],
        gpus: 'all',
      },
      { now: NOW },
    );
    assert.match(look.description, /team=web · env=prod$/);
    assert.match(look.tooltip, /Tags: `team=web` `env=prod`/);
    assert.match(look.tooltip, /Mount: `\/srv\/ref` → `\/mnt\/ref` \(read-only\)/);
    assert.match(look.tooltip, /GPUs: all/);
    assert.match(look.tooltip, /Environment: `API_TOKEN` \(values not shown\)/);
    assert.doesNotMatch(describeInstance(bare, { now: NOW }).description, /=/);
  });
});
