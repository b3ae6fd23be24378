import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { quoteArg, quoteArgv } from '../../../src/transport/shellQuote.js';
import { SwarmError } from '../../../src/shared/errors.js';

const isInvalidInput = (err: unknown): boolean => err instanceof SwarmError && err.code === 'invalid-input';

const SHELLS = ['/bin/sh', '/usr/bin/bash', '/usr/bin/zsh'].filter((s) => existsSync(s));

const SPECIALS = [
  "'",
  '"',
  '\\',
  '$',
  '(',
  ')',
  '`',
  ';',
  '|',
  '&',
  '<',
  '>',
  '\n',
  '\r',
  '\t',
  ' ',
  '*',
  '?',
  '[',
  ']',
  '~',
  '#',
  '!',
  '=',
  '{',
  '}',
  '%',
  '-',
  '^',
];

// Any code point but NUL and lone surrogates (which do not survive UTF-8).
const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));
const char = fc.oneof(fc.constantFrom(...SPECIALS), fc.constantFrom('a', 'Z', '0', '_', '.'), codePoint);
const arg = fc.string({ unit: char, maxLength: 24 });

function echoThroughShell(shell: string, args: readonly string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoteArgv(args)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain safe words bare', () => {
    assert.equal(quoteArg('abc-1.2_x/y:z@h%+,'), 'abc-1.2_x/y:z@h%+,');
  });

  it('quotes an empty string as two single quotes', () => {
    assert.equal(quoteArg(''), "''");
  });

  it('escapes single quotes by closing, escaping and reopening', () => {
    assert.equal(quoteArg("it's"), "'it'\\''s'");
  });

  it('quotes a leading = so zsh does not expand it to a command path', () => {
    assert.equal(quoteArg('=ls'), "'=ls'");
  });

  it('joins quoted arguments with spaces', () => {
    assert.equal(quoteArgv(['docker', 'ps', '--format', '{{json .}}']), "docker ps --format '{{json .}}'");
  });

  it('rejects a NUL byte', () => {
    assert.throws(() => quoteArg('a\0b'), isInvalidInput);
  });

  for (const shell of SHELLS) {
    it(`round-trips arbitrary arguments through ${shell}`, () => {
      fc.assert(
        fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), (args) => {
          assert.deepEqual(echoThroughShell(shell, args), args);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('does not run command substitutions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shellquote-'));
    try {
      const marker = join(dir, 'x');
      for (const payload of [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`]) {
        execFileSync('/bin/sh', ['-c', `echo ${quoteArg(payload)}`], { stdio: 'ignore' });
      }
      assert.equal(existsSync(marker), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
