import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSshConfig, parseProxyJump, parseSshConfig } from '../../../src/transport/sshConfig.js';
import { SwarmError } from '../../../src/shared/errors.js';

const isInvalidInput = (err: unknown): boolean => err instanceof SwarmError && err.code === 'invalid-input';

const HOME = '/home/alice';

function resolve(text: string, alias: string, includes: Record<string, string[]> = {}) {
  return parseSshConfig(text, { homeDir: HOME, readInclude: (p) => includes[p] ?? [] }).resolve(alias, 'alice');
}

describe('sshConfig', () => {
  describe('parseSshConfig', () => {
    it('defaults HostName to the alias and Port to 22', () => {
      assert.deepEqual(resolve('', 'box'), { alias: 'box', hostName: 'box', port: 22, identityFiles: [] });
    });

    it('reads the honoured keywords of a matching Host block', () => {
      const text = `
Host box
  HostName 10.0.0.5
  User bob
  Port 2222
  IdentityFile ~/.ssh/id_box
  IdentitiesOnly yes
  ProxyJump jump@gw:2200
  UserKnownHostsFile ~/.ssh/kh1 /etc/kh2
`;
      assert.deepEqual(resolve(text, 'box'), {
        alias: 'box',
        hostName: '10.0.0.5',
        user: 'bob',
        port: 2222,
        identityFiles: [`${HOME}/.ssh/id_box`],
        identitiesOnly: true,
        proxyJump: 'jump@gw:2200',
        userKnownHostsFiles: [`${HOME}/.ssh/kh1`, '/etc/kh2'],
      });
    });

    it('keeps the first obtained value across matching blocks', () => {
      const text = `
Host box
  User first
Host *
  User second
  Port 2200
`;
      const host = resolve(text, 'box');
      assert.equal(host.user, 'first');
      assert.equal(host.port, 2200);
      assert.equal(resolve(text, 'other').user, 'second');
    });

    it('applies lines before the first Host to every host, and first', () => {
      const text = 'User global\nHost box\n  User later\n';
      assert.equal(resolve(text, 'box').user, 'global');
    });

    it('matches wildcard, ?, multiple and negated patterns', () => {
      const text = `
Host *.lan !printer.lan
  User lan
Host web? db
  User svc
`;
      assert.equal(resolve(text, 'nas.lan').user, 'lan');
      assert.equal(resolve(text, 'printer.lan').user, undefined);
      assert.equal(resolve(text, 'web1').user, 'svc');
      assert.equal(resolve(text, 'web10').user, undefined);
      assert.equal(resolve(text, 'db').user, 'svc');
    });

    it('skips Match blocks without evaluating them', () => {
      const text = `
Match all
  User from-match
Host box
  Port 2222
`;
      const host = resolve(text, 'box');
      assert.equal(host.user, undefined);
      assert.equal(host.port, 2222);
    });

    it('treats keywords case-insensitively and accepts key=value forms', () => {
      const text = 'HOST box\n  hostname=10.1.1.1\n  USER = carol\n  pOrT   =2022\n';
      const host = resolve(text, 'box');
      assert.equal(host.hostName, '10.1.1.1');
      assert.equal(host.user, 'carol');
      assert.equal(host.port, 2022);
    });

    it('understands quoted values and trailing comments', () => {
      const text = 'Host "my box"\n  IdentityFile "~/keys/with space" # the key\n';
      assert.deepEqual(resolve(text, 'my box').identityFiles, [`${HOME}/keys/with space`]);
    });

    it('accumulates IdentityFile across blocks, once each', () => {
      const text = `
Host box
  IdentityFile ~/.ssh/a
  IdentityFile ~/.ssh/b
Host *
  IdentityFile ~/.ssh/a
  IdentityFile /keys/c
`;
      assert.deepEqual(resolve(text, 'box').identityFiles, [`${HOME}/.ssh/a`, `${HOME}/.ssh/b`, '/keys/c']);
    });

    it('expands tokens in IdentityFile and HostName', () => {
      const text = `
Host box
  HostName %h.example.com
  Port 2200
  IdentityFile ~/.ssh/%h-%p-%r-%u-%n-%%
  IdentityFile %d/k/%x
`;
      const host = parseSshConfig(text, { homeDir: HOME }).resolve('box', 'alice');
      assert.equal(host.hostName, 'box.example.com');
      assert.deepEqual(host.identityFiles, [`${HOME}/.ssh/box.example.com-2200-alice-alice-box-%`, `${HOME}/k/%x`]);
      const withUser = parseSshConfig(`${text}  User bob\n`, { homeDir: HOME }).resolve('box', 'alice');
      assert.equal(withUser.identityFiles[0], `${HOME}/.ssh/box.example.com-2200-bob-alice-box-%`);
    });

    it('ignores a port that is not a port', () => {
      assert.equal(resolve('Host box\n  Port 99999\nHost *\n  Port 2222\n', 'box').port, 2222);
      assert.equal(resolve('Port ssh\n', 'box').port, 22);
    });

    it('treats ProxyJump none and UserKnownHostsFile none as off', () => {
      const text = 'Host box\n  ProxyJump none\n  UserKnownHostsFile none\nHost *\n  ProxyJump gw\n';
      const host = resolve(text, 'box');
      assert.equal(host.proxyJump, undefined);
      assert.deepEqual(host.userKnownHostsFiles, []);
      assert.equal(resolve(text, 'other').proxyJump, 'gw');
    });

    it('reads IdentitiesOnly, skipping values that are not yes or no', () => {
      assert.equal(resolve('IdentitiesOnly no\n', 'box').identitiesOnly, false);
      assert.equal(resolve('IdentitiesOnly maybe\nIdentitiesOnly YES\n', 'box').identitiesOnly, true);
    });

    it('inlines Include files, conditional on the enclosing Host block', () => {
      const includes = {
        'conf.d/*': ['User included\nHost extra\n  Port 2000\n'],
        'boxonly.conf': ['Port 4444\n'],
      };
      const text = `
Include conf.d/*
Host box
  Include boxonly.conf
Host *
  Port 22
`;
      assert.equal(resolve(text, 'box', includes).port, 4444);
      assert.equal(resolve(text, 'box', includes).user, 'included');
      assert.equal(resolve(text, 'other', includes).port, 22);
      assert.equal(resolve(text, 'extra', includes).port, 2000);
    });

    it('resumes the enclosing block after an included file changes blocks', () => {
      const includes = { 'inc.conf': ['Host elsewhere\n  User x\n'] };
      const text = 'Host box\n  Include inc.conf\n  User boxuser\n';
      assert.equal(resolve(text, 'box', includes).user, 'boxuser');
    });

    it('never applies includes from a skipped Match block', () => {
      const includes = { 'm.conf': ['User m\nHost *\n  Port 9\n'] };
      const host = resolve('Match all\n  Include m.conf\n', 'box', includes);
      assert.equal(host.user, undefined);
      assert.equal(host.port, 22);
    });

    it('refuses an Include loop', () => {
      const readInclude = (): string[] => ['Include self\n'];
      assert.throws(() => parseSshConfig('Include self\n', { readInclude }), isInvalidInput);
    });

    it('lists concrete aliases for a picker, includes too', () => {
      const text = `
Host box web1 *.lan !bad ?x
Host box
Include more
Match host foo
Host db
`;
      const config = parseSshConfig(text, { homeDir: HOME, readInclude: () => ['Host included\n'] });
      assert.deepEqual(config.aliases(), ['box', 'web1', 'included', 'db']);
    });
  });

  describe('parseProxyJump', () => {
    it('parses a list of hops with optional user and port', () => {
      assert.deepEqual(parseProxyJump('user@jump:2222,other'), [
        { user: 'user', host: 'jump', port: 2222 },
        { host: 'other', port: 22 },
      ]);
    });

    it('understands ssh:// URIs and bracketed IPv6', () => {
      assert.deepEqual(parseProxyJump('ssh://me@gw:2022, [fe80::1]:23,fe80::2'), [
        { user: 'me', host: 'gw', port: 2022 },
        { host: 'fe80::1', port: 23 },
        { host: 'fe80::2', port: 22 },
      ]);
    });

    it('keeps @ in user names by splitting at the last one', () => {
      assert.deepEqual(parseProxyJump('me@corp@gw'), [{ user: 'me@corp', host: 'gw', port: 22 }]);
    });

    it('returns no hops for none or empty', () => {
      assert.deepEqual(parseProxyJump('none'), []);
      assert.deepEqual(parseProxyJump(' '), []);
    });

    it('rejects bad hops', () => {
      for (const bad of ['gw:0', 'gw:abc', '@gw', 'a,,b', 'user@']) {
        assert.throws(() => parseProxyJump(bad), isInvalidInput, bad);
      }
    });
  });

  describe('loadSshConfig', () => {
    let home: string;
    let savedHome: string | undefined;

    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), 'sshconfig-'));
      savedHome = process.env.HOME;
      process.env.HOME = home;
    });

    afterEach(() => {
      if (savedHome === undefined) delete process.env.HOME;
      else process.env.HOME = savedHome;
      rmSync(home, { recursive: true, force: true });
    });

    it('returns an empty config when the file is missing', async () => {
      const config = await loadSshConfig();
      assert.deepEqual(config.aliases(), []);
      assert.equal(config.resolve('x', 'alice').hostName, 'x');
    });

    it('reads ~/.ssh/config and globbed Includes relative to ~/.ssh, in name order', async () => {
      const ssh = join(home, '.ssh');
      mkdirSync(join(ssh, 'config.d'), { recursive: true });
      writeFileSync(join(ssh, 'config'), 'Include config.d/*.conf ~/extra.conf missing.conf\nHost main\n');
      writeFileSync(join(ssh, 'config.d', 'b.conf'), 'Host b\n  User fromb\n');
      writeFileSync(join(ssh, 'config.d', 'a.conf'), 'Host a b\n  User froma\n  IdentityFile ~/.ssh/id_a\n');
      writeFileSync(join(ssh, 'config.d', 'skip.txt'), 'Host skipped\n');
      writeFileSync(join(home, 'extra.conf'), 'Host extra\n');
      const config = await loadSshConfig();
      assert.deepEqual(config.aliases(), ['a', 'b', 'extra', 'main']);
      const b = config.resolve('b', 'alice');
      assert.equal(b.user, 'froma');
      assert.deepEqual(config.resolve('a', 'alice').identityFiles, [join(ssh, 'id_a')]);
    });

    it('reads an explicit path', async () => {
      const file = join(home, 'custom_config');
      writeFileSync(file, 'Host custom\n  Port 2\n');
      assert.equal((await loadSshConfig(file)).resolve('custom').port, 2);
    });
  });
});
