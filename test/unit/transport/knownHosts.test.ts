import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostLine,
  hostMatches,
  loadKnownHostsFiles,
  parseKnownHosts,
} from '../../../src/transport/knownHosts.js';
import { SwarmError } from '../../../src/shared/errors.js';

const isInvalidInput = (err: unknown): boolean => err instanceof SwarmError && err.code === 'invalid-input';

interface TestKey {
  type: string;
  base64: string;
  blob: Buffer;
  pubFile: string;
}

describe('knownHosts', () => {
  let dir: string;
  let ed1: TestKey;
  let ed2: TestKey;
  let rsa: TestKey;

  function makeKey(name: string, type: string): TestKey {
    const file = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
    const [keyType, base64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
    assert.ok(keyType && base64);
    return { type: keyType, base64, blob: Buffer.from(base64, 'base64'), pubFile: `${file}.pub` };
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'knownhosts-'));
    ed1 = makeKey('ed1', 'ed25519');
    ed2 = makeKey('ed2', 'ed25519');
    rsa = makeKey('rsa', 'rsa');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('parseKnownHosts', () => {
    it('reads entries and skips comments, blank and malformed lines', () => {
      const text = [
        '# a comment',
        '',
        '   ',
        `host1,10.0.0.1 ${ed1.type} ${ed1.base64} a comment`,
        `@revoked * ${ed2.type} ${ed2.base64}`,
        `@cert-authority *.corp ${rsa.type} ${rsa.base64}`,
        `@bogus host ${ed1.type} ${ed1.base64}`,
        'only-one-field',
        `host ${ed1.type} not*base64`,
        `|1|c2FsdA==|aGFzaA== ${ed1.type} ${ed1.base64}`,
      ].join('\r\n');
      assert.deepEqual(parseKnownHosts(text), [
        { hosts: ['host1', '10.0.0.1'], keyType: ed1.type, key: ed1.base64 },
        { marker: '@revoked', hosts: ['*'], keyType: ed2.type, key: ed2.base64 },
        { marker: '@cert-authority', hosts: ['*.corp'], keyType: rsa.type, key: rsa.base64 },
        { hosts: ['|1|c2FsdA==|aGFzaA=='], keyType: ed1.type, key: ed1.base64 },
      ]);
    });
  });

  describe('hostMatches', () => {
    it('matches plain names case-insensitively', () => {
      assert.ok(hostMatches('example.com', 'EXAMPLE.com', 22));
      assert.ok(!hostMatches('example.com', 'example.org', 22));
    });

    it('uses [host]:port for non-default ports and the bare host for 22', () => {
      assert.ok(hostMatches('[example.com]:2222', 'example.com', 2222));
      assert.ok(!hostMatches('example.com', 'example.com', 2222));
      assert.ok(!hostMatches('[example.com]:22', 'example.com', 22));
      assert.ok(hostMatches('[::1]:2222', '::1', 2222));
    });

    it('supports comma lists, wildcards and negation', () => {
      assert.ok(hostMatches('a,b,c', 'b', 22));
      assert.ok(hostMatches('*.example.com', 'web.example.com', 22));
      assert.ok(hostMatches('web?', 'web1', 22));
      assert.ok(hostMatches('[*.lan]:*', 'box.lan', 2200));
      assert.ok(!hostMatches('*.example.com,!db.example.com', 'db.example.com', 22));
      assert.ok(hostMatches('*.example.com,!db.example.com', 'www.example.com', 22));
    });

    it('matches the hashed names ssh-keygen -H writes', () => {
      const file = join(dir, 'hash_me');
      writeFileSync(file, `plain.example ${ed1.type} ${ed1.base64}\n[port.example]:2222 ${ed1.type} ${ed1.base64}\n`);
      execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
      const [plain, ported] = parseKnownHosts(readFileSync(file, 'utf8'));
      assert.ok(plain && ported);
      assert.match(plain.hosts[0] ?? '', /^\|1\|/);
      assert.ok(hostMatches(plain.hosts[0] ?? '', 'plain.example', 22));
      assert.ok(!hostMatches(plain.hosts[0] ?? '', 'plain.example', 2222));
      assert.ok(!hostMatches(plain.hosts[0] ?? '', 'other.example', 22));
      assert.ok(hostMatches(ported.hosts[0] ?? '', 'port.example', 2222));
      assert.ok(!hostMatches(ported.hosts[0] ?? '', 'port.example', 22));
    });

    it('rejects malformed hashed fields', () => {
      assert.ok(!hostMatches('|1|onlysalt', 'h', 22));
      assert.ok(!hostMatches('|1|a|b|c', 'h', 22));
    });
  });

  describe('fingerprintSha256', () => {
    for (const name of ['ed1', 'rsa'] as const) {
      it(`equals ssh-keygen -lf for the ${name} key`, () => {
        const key = name === 'ed1' ? ed1 : rsa;
        const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.pubFile], { encoding: 'utf8' });
        assert.equal(fingerprintSha256(key.base64), printed.split(/\s+/)[1]);
      });
    }
  });

  describe('checkHostKey', () => {
    it('finds a recorded key', () => {
      const entries = parseKnownHosts(`h1,h2 ${ed1.type} ${ed1.base64}`);
      assert.deepEqual(checkHostKey(entries, 'h2', 22, ed1.blob), { kind: 'match' });
    });

    it('reports an unknown host with the key type and fingerprint', () => {
      const entries = parseKnownHosts(`other ${ed1.type} ${ed1.base64}`);
      assert.deepEqual(checkHostKey(entries, 'h1', 22, ed1.blob), {
        kind: 'unknown',
        fingerprint: fingerprintSha256(ed1.base64),
        keyType: 'ssh-ed25519',
      });
    });

    it('reports a different key of a known type as changed, with both fingerprints', () => {
      const entries = parseKnownHosts(`h1 ${ed1.type} ${ed1.base64}\nh1 ${rsa.type} ${rsa.base64}`);
      assert.deepEqual(checkHostKey(entries, 'h1', 22, ed2.blob), {
        kind: 'changed',
        fingerprint: fingerprintSha256(ed2.base64),
        knownFingerprints: [fingerprintSha256(ed1.base64)],
        keyType: 'ssh-ed25519',
      });
    });

    it('treats a key whose type is not recorded for the host as unknown', () => {
      const entries = parseKnownHosts(`h1 ${rsa.type} ${rsa.base64}`);
      assert.equal(checkHostKey(entries, 'h1', 22, ed1.blob).kind, 'unknown');
    });

    it('keeps ports apart', () => {
      const entries = parseKnownHosts(`[h1]:2222 ${ed1.type} ${ed1.base64}`);
      assert.equal(checkHostKey(entries, 'h1', 2222, ed1.blob).kind, 'match');
      assert.equal(checkHostKey(entries, 'h1', 22, ed1.blob).kind, 'unknown');
      assert.equal(checkHostKey(entries, 'h1', 2222, ed2.blob).kind, 'changed');
    });

    it('puts revocation above a match', () => {
      const entries = parseKnownHosts(`h1 ${ed1.type} ${ed1.base64}\n@revoked * ${ed1.type} ${ed1.base64}`);
      assert.deepEqual(checkHostKey(entries, 'h1', 22, ed1.blob), {
        kind: 'revoked',
        fingerprint: fingerprintSha256(ed1.base64),
      });
    });

    it('ignores @cert-authority lines', () => {
      const entries = parseKnownHosts(`@cert-authority h1 ${ed1.type} ${ed1.base64}`);
      assert.equal(checkHostKey(entries, 'h1', 22, ed1.blob).kind, 'unknown');
    });

    it('works with the blob ssh2 produces', () => {
      // ssh2's generator drops a leading zero byte from about 1 in 300
      // ed25519 public keys and then cannot parse its own output; skip those.
      let parsed = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
      for (let i = 0; i < 20 && parsed instanceof Error; i++) parsed = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
      assert.ok(!(parsed instanceof Error));
      const blob = parsed.getPublicSSH();
      const entries = parseKnownHosts(formatKnownHostLine('h1', 22, blob));
      assert.deepEqual(checkHostKey(entries, 'h1', 22, blob), { kind: 'match' });
      assert.equal(entries[0]?.keyType, 'ssh-ed25519');
    });

    it('rejects a malformed key blob', () => {
      assert.throws(() => checkHostKey([], 'h1', 22, Buffer.from([0, 0, 0, 9, 1])), isInvalidInput);
    });
  });

  describe('formatKnownHostLine', () => {
    it('writes the plain OpenSSH form', () => {
      assert.equal(formatKnownHostLine('Host.Example', 22, ed1.blob), `host.example ssh-ed25519 ${ed1.base64}`);
      assert.equal(formatKnownHostLine('h', 2222, ed1.blob), `[h]:2222 ssh-ed25519 ${ed1.base64}`);
    });

    it('writes hashed lines that ssh-keygen -F finds', () => {
      const file = join(dir, 'hashed_out');
      const line = formatKnownHostLine('box.lan', 2222, rsa.blob, true);
      assert.match(line, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-rsa /);
      writeFileSync(file, `${line}\n`);
      const found = spawnSync('ssh-keygen', ['-F', '[box.lan]:2222', '-f', file], { encoding: 'utf8' });
      assert.equal(found.status, 0, found.stdout + found.stderr);
      const missing = spawnSync('ssh-keygen', ['-F', 'box.lan', '-f', file], { encoding: 'utf8' });
      assert.notEqual(missing.status, 0);
      const entries = parseKnownHosts(line);
      assert.equal(checkHostKey(entries, 'box.lan', 2222, rsa.blob).kind, 'match');
    });
  });

  describe('files', () => {
    it('loads several files and treats missing ones as empty', async () => {
      const a = join(dir, 'kh_a');
      writeFileSync(a, `h1 ${ed1.type} ${ed1.base64}\n`);
      const entries = await loadKnownHostsFiles([join(dir, 'nope'), a, join(dir, 'nope', 'deeper')]);
      assert.equal(entries.length, 1);
    });

    it('creates the directory 0700 and the file 0600, one line per entry', async () => {
      const file = join(dir, 'fresh', '.ssh', 'known_hosts');
      await appendKnownHost(file, formatKnownHostLine('h1', 22, ed1.blob));
      await appendKnownHost(file, formatKnownHostLine('h2', 22, ed2.blob));
      assert.equal(statSync(join(dir, 'fresh', '.ssh')).mode & 0o777, 0o700);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const entries = await loadKnownHostsFiles([file]);
      assert.deepEqual(
        entries.map((e) => e.hosts),
        [['h1'], ['h2']],
      );
    });

    it('starts a new line when the file does not end with one', async () => {
      const file = join(dir, 'no_newline');
      writeFileSync(file, `h1 ${ed1.type} ${ed1.base64}`);
      await appendKnownHost(file, formatKnownHostLine('h2', 22, ed2.blob));
      assert.equal(readFileSync(file, 'utf8').split('\n').length, 3);
      assert.equal(parseKnownHosts(readFileSync(file, 'utf8')).length, 2);
    });

    it('refuses a line with a line break in it', async () => {
      await assert.rejects(appendKnownHost(join(dir, 'x'), 'a b c\nd e f'), isInvalidInput);
    });
  });
});
