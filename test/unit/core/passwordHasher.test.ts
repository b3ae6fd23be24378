import assert from 'node:assert/strict';
import { argon2Verify } from 'hash-wasm';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PasswordHasher } from '../../../src/core/passwordHasher.js';

describe('PasswordHasher', function () {
  this.timeout(30_000);
  const hashers: PasswordHasher[] = [];
  const make = (...args: ConstructorParameters<typeof PasswordHasher>) => {
    const h = new PasswordHasher(...args);
    hashers.push(h);
    return h;
  };
  afterEach(() => {
    for (const h of hashers.splice(0)) h.dispose();
  });

  it('hashes on worker threads, salted, in the PHC form code-server verifies', async () => {
    const h = make(undefined, 2);
    const passwords = ['alpha-pw', 'beta-pw', 'gamma-pw', 'alpha-pw'];
    const hashes = await Promise.all(passwords.map((p) => h.hash(p)));
    assert.equal(h.threadCount, 2, 'two threads for four requests at once');
    for (const [i, hash] of hashes.entries()) {
      assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.ok(await argon2Verify({ password: passwords[i] as string, hash }), `hash ${i} verifies`);
    }
    assert.notEqual(hashes[0], hashes[3], 'the same password gets another salt');
  });

  it('falls back to this thread when the worker script is missing', async () => {
    const h = make(join(__dirname, 'no-such-worker.js'), 2);
    const hash = await h.hash('pw');
    assert.equal(h.threadCount, 0);
    assert.ok(await argon2Verify({ password: 'pw', hash }));
  });

  it('hashes on this thread when told to (no script), starting no thread', async () => {
    const h = make(null);
    const hash = await h.hash('pw');
    assert.equal(h.threadCount, 0);
    assert.ok(await argon2Verify({ password: 'pw', hash }));
  });

  it('dispose fails the requests under way; a later hash starts a fresh thread', async () => {
    const h = make(undefined, 1);
    await h.hash('warm');
    const pending = h.hash('lost');
    h.dispose();
    await assert.rejects(pending, /disposed|ended/);
    const again = await h.hash('next');
    assert.ok(await argon2Verify({ password: 'next', hash: again }));
  });

  it('keeps a process alive while it hashes, and not a moment after (the idle timer is 10 s)', async () => {
    // A process whose only work is one hash: it must wait for the hash, then exit at once.
    const script = `new (require(${JSON.stringify(require.resolve('../../../src/core/passwordHasher.js'))}).PasswordHasher)()
      .hash('pw').then((h) => process.stdout.write(h));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let printedAt = 0;
    child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), (printedAt = Date.now())));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lingered = Date.now() - printedAt;
    assert.equal(code, 0);
    assert.match(stdout, /^\$argon2id\$v=19\$/, 'the process waited for the hash');
    assert.ok(lingered < 5_000, `the process lived on ${lingered} ms after its hash`);
  });
});
