import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmError } from '../../../src/shared/errors.js';
import { FileSecretStore } from '../../../src/core/fileSecretStore.js';

describe('FileSecretStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarm-secrets-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, reads and deletes secrets across instances', async () => {
    const secrets = await FileSecretStore.open(dir);
    assert.equal(await secrets.get('instance/a/password'), undefined);
    await secrets.set('instance/a/password', 'hunter2');
    await secrets.set('instance/b/password', 'p@ss "quoted"\nline');
    const reopened = await FileSecretStore.open(dir);
    assert.equal(await reopened.get('instance/a/password'), 'hunter2');
    assert.equal(await reopened.get('instance/b/password'), 'p@ss "quoted"\nline');
    await reopened.delete('instance/a/password');
    await reopened.delete('instance/never/password');
    assert.equal(await secrets.get('instance/a/password'), undefined);
    assert.equal(await secrets.get('instance/b/password'), 'p@ss "quoted"\nline');
  });

  it('keeps the file at mode 0600 even if it was wider before', async () => {
    const secrets = await FileSecretStore.open(dir);
    await secrets.set('instance/a/password', 'one');
    const path = join(dir, 'secrets.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await chmod(path, 0o644);
    await secrets.set('instance/a/password', 'two');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dir)).sort(), ['secrets.json']);
  });

  it('does not lose concurrent writes', async () => {
    const a = await FileSecretStore.open(dir);
    const b = await FileSecretStore.open(dir);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).set(`instance/i${i}/password`, `v${i}`)));
    const map: unknown = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8'));
    assert.ok(typeof map === 'object' && map !== null);
    assert.equal(Object.keys(map).length, 30);
    assert.equal(await a.get('instance/i29/password'), 'v29');
  });

  it('treats a key named __proto__ as an ordinary key', async () => {
    const secrets = await FileSecretStore.open(dir);
    await secrets.set('__proto__', 'value');
    assert.equal(await secrets.get('__proto__'), 'value');
    assert.equal(await secrets.get('constructor'), undefined);
  });

  it('rejects malformed keys without echoing any value', async () => {
    const secrets = await FileSecretStore.open(dir);
    for (const key of ['', '/lead', 'trail/', 'a//b', 'sp ace', 'x'.repeat(201)]) {
      await assert.rejects(secrets.set(key, 'TOPSECRET'), (e: unknown) => {
        assert.ok(e instanceof SwarmError);
        assert.equal(e.code, 'invalid-input');
        assert.ok(!e.oneLine().includes('TOPSECRET'));
        return true;
      });
    }
  });

  it('never puts file content into the error for a corrupt file', async () => {
    await writeFile(join(dir, 'secrets.json'), '{"instance/a/password": "TOPSECRET-123", oops');
    const secrets = await FileSecretStore.open(dir);
    for (const attempt of [secrets.get('instance/a/password'), secrets.set('instance/b/password', 'x')]) {
      await assert.rejects(attempt, (e: unknown) => {
        assert.ok(e instanceof SwarmError);
        assert.equal(e.code, 'store-corrupt');
        assert.equal(e.cause, undefined);
        assert.ok(!`${e.oneLine()} ${e.stack ?? ''}`.includes('TOPSECRET'));
        return true;
      });
    }
    assert.match(await readFile(join(dir, 'secrets.json'), 'utf8'), /TOPSECRET-123/, 'a corrupt file is not overwritten');
  });

  it('rejects a JSON file whose values are not strings', async () => {
    await writeFile(join(dir, 'secrets.json'), JSON.stringify({ 'instance/a/password': 5 }));
    const secrets = await FileSecretStore.open(dir);
    await assert.rejects(secrets.get('instance/a/password'), (e: unknown) => e instanceof SwarmError && e.code === 'store-corrupt');
  });
});
