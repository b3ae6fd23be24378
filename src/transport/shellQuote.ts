import { SwarmError } from '../shared/errors.js';

const SAFE_BARE = /^[A-Za-z0-9_/.,:@%+=-]+$/;
// zsh, a common login shell, expands a word that starts with `=` to a command path.
const ZSH_EQUALS = /^=/;

/**
 * Quotes one argument for a POSIX shell. An SSH exec channel hands its command
 * to the remote user's login shell, so every argv element must survive it as a
 * single literal word.
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    // A C string ends at NUL: the remote side would silently truncate the argument.
    throw new SwarmError('A command argument contains a NUL byte.', {
      code: 'invalid-input',
      hint: 'Remove the NUL character from the value.',
    });
  }
  if (arg === '') return "''";
  if (SAFE_BARE.test(arg) && !ZSH_EQUALS.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
