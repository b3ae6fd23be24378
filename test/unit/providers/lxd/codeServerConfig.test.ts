import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderCodeServerConfig, yamlQuote } from '../../../../src/providers/lxd/codeServerConfig.js';

const CONFIG_KEYS = ['bind-addr', 'auth', 'hashed-password', 'cookie-suffix', 'disable-telemetry', 'disable-update-check'];

/** Splits config.yaml into its top-level `key: value` lines, refusing anything else. */
function configLines(yaml: string): Array<[string, string]> {
  assert.ok(yaml.endsWith('\n'));
  return yaml
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = /^([a-z-]+): (.*)$/.exec(line);
      assert.ok(m, `not a key line: ${JSON.stringify(line)}`);
      return [m[1] as string, m[2] as string];
    });
}

/**
 * Our quoted scalars use only the escapes YAML double quotes and JSON share
 * (\" \\ \uXXXX), so JSON.parse reads them exactly as a YAML parser would.
 */
function decodeQuoted(value: string): string {
  assert.match(value, /^"(?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\]|\\u[0-9a-f]{4})*"$/);
  return JSON.parse(value) as string;
}

describe('renderCodeServerConfig', () => {
  it('writes the six keys code-server needs', () => {
    const yaml = renderCodeServerConfig('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', '0a1b2c');
    assert.equal(
      yaml,
      [
        'bind-addr: 127.0.0.1:8080',
        'auth: password',
        'hashed-password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"',
        'cookie-suffix: "0a1b2c"',
        'disable-telemetry: true',
        'disable-update-check: true',
        '',
      ].join('\n'),
    );
  });

  it('cannot be made to add or change keys by a hostile password hash or suffix', () => {
    const hostile = [
      'x"\nauth: none',
      "x'\nbind-addr: 0.0.0.0:80",
      'x\r\nauth: none\r\n',
      'x\u2028auth: none',
      'x\u0085auth: none',
      '"\\"\nauth: none #',
      '{auth: none}',
      '&a *a !!js/function >-',
    ];
    for (const h of hostile) {
      const lines = configLines(renderCodeServerConfig(h, h));
      assert.deepEqual(
        lines.map(([k]) => k),
        CONFIG_KEYS,
      );
      assert.equal(decodeQuoted(lines[2]?.[1] ?? ''), h);
      assert.equal(decodeQuoted(lines[3]?.[1] ?? ''), h);
      assert.equal(lines[1]?.[1], 'password');
    }
  });

  it('round-trips any string exactly, line structure intact', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (hash, suffix) => {
        const lines = configLines(renderCodeServerConfig(hash, suffix));
        assert.deepEqual(
          lines.map(([k]) => k),
          CONFIG_KEYS,
        );
        assert.equal(decodeQuoted(lines[2]?.[1] ?? ''), hash);
        assert.equal(decodeQuoted(lines[3]?.[1] ?? ''), suffix);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes lone surrogates and astral characters as \\u escapes', () => {
    assert.equal(yamlQuote('\ud800'), '"\\ud800"');
    assert.equal(yamlQuote('😀'), '"\\ud83d\\ude00"');
    assert.equal(yamlQuote('a"b\\c'), '"a\\"b\\\\c"');
  });
});
