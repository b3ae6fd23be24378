import assert from 'node:assert/strict';
import { readSettings, SETTING_DEFAULTS, SETTING_KEYS } from '../../../src/ui/model/settingsSchema.js';
import { loadPackageJson } from './packageJson.js';

/** A WorkspaceConfiguration stand-in: `get` over a plain object. */
const config = (values: Record<string, unknown>) => ({
  get<T>(section: string): T | undefined {
    return values[section] as T | undefined;
  },
});

describe('readSettings', () => {
  it('uses the defaults when nothing is set', () => {
    const { settings, problems } = readSettings(config({}));
    assert.deepEqual(problems, []);
    assert.equal(settings.defaultImage, 'codercom/code-server:latest');
    assert.equal(settings.defaultCpus, 2);
    assert.equal(settings.defaultMemory, '2g');
    assert.equal(settings.refreshIntervalSeconds, 30);
    assert.equal(settings.healthIntervalSeconds, 15);
    assert.equal(settings.openIn, 'simpleBrowser');
    assert.equal(settings.statusBarEnabled, true);
    assert.equal(settings.watchEngineEvents, true);
    assert.deepEqual(settings.knownHostsFiles, []);
    assert.equal(settings.sshConfigFile, '');
  });

  it('reads valid values, dotted keys included', () => {
    const { settings } = readSettings(
      config({
        defaultImage: 'registry:5000/me/cs:1',
        defaultCpus: 1.5,
        openIn: 'external',
        'statusBar.enabled': false,
        watchEngineEvents: false,
        knownHostsFiles: ['/k'],
      }),
    );
    assert.equal(settings.defaultImage, 'registry:5000/me/cs:1');
    assert.equal(settings.defaultCpus, 1.5);
    assert.equal(settings.openIn, 'external');
    assert.equal(settings.statusBarEnabled, false);
    assert.equal(settings.watchEngineEvents, false);
    assert.deepEqual(settings.knownHostsFiles, ['/k']);
  });

  it('falls back per key on a bad value and says which', () => {
    const { settings, problems } = readSettings(
      config({ defaultMemory: 'lots', refreshIntervalSeconds: 1, openIn: 'tab', defaultCpus: 2 }),
    );
    assert.equal(settings.defaultMemory, '2g');
    assert.equal(settings.refreshIntervalSeconds, 30);
    assert.equal(settings.openIn, 'simpleBrowser');
    assert.equal(settings.defaultCpus, 2);
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /codeSwarm\.defaultMemory/);
  });

  it('allows 0 to turn polling off', () => {
    assert.equal(readSettings(config({ healthIntervalSeconds: 0 })).settings.healthIntervalSeconds, 0);
  });

  it('matches package.json: same keys, same defaults, each described', () => {
    const props = loadPackageJson().contributes.configuration.properties;
    assert.deepEqual(Object.keys(props).sort(), [...SETTING_KEYS].sort());
    for (const key of SETTING_KEYS) {
      assert.deepEqual(props[key]!.default, SETTING_DEFAULTS[key], key);
      assert.ok((props[key]!.description ?? '').length > 20, `${key} needs a description`);
    }
  });
});
