import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePassword } from '../../../src/core/password.js';
import { auditSecrets, collectPasswords, listFiles, mayHoldPasswords } from '../../support/secretAudit.js';
import { SecretScanner } from '../../support/secretScanner.js';

describe('SecretScanner (the secret audit must be able to fail)', () => {
  const pw = generatePassword();
  const other = generatePassword();
  const scanner = new SecretScanner([other, pw]);
  const forms = (data: Buffer | string) =>
    scanner
      .scan(data)
      .filter((f) => f.password === 1)
      .map((f) => f.form);

  it('finds a planted password as it is, in JSON, in a URL and inside binary noise', () => {
    assert.deepEqual(forms(`info: created web password=${pw}\n`), ['plain']);
    assert.deepEqual(forms(JSON.stringify({ env: [`PASSWORD=${pw}`] })), ['plain']);
    assert.deepEqual(forms(`http://127.0.0.1:8080/login?password=${encodeURIComponent(pw)}&to=%2F`), ['plain']);
    const noise = Buffer.concat([randomBytes(100_000), Buffer.from(`xx${pw}yy`), randomBytes(100_000)]);
    const found = scanner.scan(noise).filter((f) => f.password === 1);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.offset, 100_002);
  });

  it('finds it base64-encoded at every alignment, in base64url, hex and UTF-16', () => {
    for (const pad of ['', 'a', 'ab']) {
      const blob = Buffer.from(`{"user":"me","secret":"${pad}${pw}","n":1}`).toString('base64');
      assert.ok(
        forms(`Authorization: Basic ${blob}`).some((f) => f.startsWith('base64@')),
        `base64 with ${pad.length} byte(s) before it`,
      );
    }
    const url = Buffer.from(`>>${pw}<<`).toString('base64url');
    assert.ok(forms(url).some((f) => f.startsWith('base64')));
    assert.ok(forms(`value ${Buffer.from(pw).toString('hex')} end`).includes('hex'));
    assert.ok(forms(`VALUE ${Buffer.from(pw).toString('hex').toUpperCase()}`).includes('HEX'));
    assert.deepEqual(forms(Buffer.concat([randomBytes(33), Buffer.from(`"${pw}"`, 'utf16le'), randomBytes(7)])), ['utf-16le plain']);
  });

  it('does not report near misses', () => {
    const changed = `${pw.slice(0, 20)}${pw[20] === 'a' ? 'b' : 'a'}${pw.slice(21)}`;
    assert.deepEqual(scanner.scan(`${changed} ${pw.slice(0, 31)} ${pw.slice(1)} ${randomBytes(4096).toString('base64')}`), []);
  });

  it('refuses a password it could not search for reliably', () => {
    assert.throws(() => new SecretScanner(['short']), /16\+/);
    assert.throws(() => new SecretScanner(['with spaces and symbols!!']), /letters and digits/);
  });
});

describe('auditSecrets over a state directory with a planted leak', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'csw-audit-unit-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('allows the password in the secret store and the ledger, and reports it in a log, masked', () => {
    const pw = generatePassword();
    const state = join(root, 'csw-swarm-x');
    mkdirSync(join(state, 'logs'), { recursive: true });
    writeFileSync(join(state, 'secrets.json'), JSON.stringify({ 'instance/1/password': pw, 'instance/1/session': '$argon2id$v=19$...' }));
    writeFileSync(join(state, 'swarm.json'), JSON.stringify({ instances: [{ id: '1', name: 'web' }] }));
    writeFileSync(join(root, 'passwords.jsonl'), `${JSON.stringify({ source: 'test', password: pw })}\n`);
    const passwords = collectPasswords(root);
    assert.equal(passwords.length, 1, 'the ledger and the store name the same password once');

    const clean = auditSecrets({ passwords, files: listFiles(root, (p) => mayHoldPasswords(root, p)) });
    assert.deepEqual(clean.leaks, []);
    assert.equal(clean.files, 1, 'only swarm.json is searched');

    writeFileSync(join(state, 'logs', 'Code Swarm.log'), `2026-01-01 [info] [create] web ready, password ${pw}\n`);
    const leaky = auditSecrets({
      passwords,
      files: listFiles(root, (p) => mayHoldPasswords(root, p)),
      texts: [['failure of "a test"', `AssertionError: expected ${Buffer.from(pw).toString('base64')}`]],
    });
    assert.deepEqual(
      leaky.leaks.map((l) => [l.where.replace(root, 'ROOT'), l.form]),
      [
        ['ROOT/csw-swarm-x/logs/Code Swarm.log @47', 'plain'],
        ['failure of "a test" @25', 'base64@0'],
      ],
    );
    for (const l of leaky.leaks) assert.ok(!JSON.stringify(l).includes(pw), 'the report does not repeat the password');
  });

  it('finds passwords the ledger missed in secret stores a test left behind', () => {
    const pw = generatePassword();
    mkdirSync(join(root, 'cli'));
    writeFileSync(join(root, 'cli', 'secrets.json'), JSON.stringify({ [`instance/abc/password`]: pw, other: 'x' }));
    assert.deepEqual(
      collectPasswords(root).map((p) => p.password),
      [pw],
    );
  });
});
