import { parseArgs } from 'node:util';
import { GLOBAL_OPTIONS, invalidInput, type Command, type Invocation, type OptionTable } from './command.js';
import { COMMANDS } from './commandTable.js';

export type CommandLine = { readonly help: true } | ({ readonly help: false } & Invocation);

const GLOBAL_NAMES = Object.keys(GLOBAL_OPTIONS).filter((n) => n !== 'help');

/**
 * Finds the command in an argv (global options may come before or after it)
 * and parses the rest with that command's own options: an option another
 * command takes is refused here, naming the option and this command's usage.
 * Throws a SwarmError with code invalid-input (exit 2).
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[] = COMMANDS): CommandLine {
  // Every option any command takes, so that option values are not mistaken for command words.
  const all: OptionTable = Object.assign({}, GLOBAL_OPTIONS, ...commands.map((c) => c.options));
  const { positionals, tokens } = parseArgs({ args: [...argv], options: all, allowPositionals: true, strict: false, tokens: true });
  const options = tokens.flatMap((t) => (t.kind === 'option' ? [t] : []));
  if (positionals.length === 0) {
    try {
      parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, strict: true });
    } catch (e) {
      throw invalidInput((e as Error).message.split('\n')[0] ?? 'Bad command line', 'run "code-swarm --help"');
    }
    return { help: true };
  }
  const command = findCommand(commands, positionals);
  if (!command) throw invalidInput(`unknown command "${positionals.join(' ')}"`, 'run "code-swarm --help" for the list');
  for (const o of options) {
    if (o.name in GLOBAL_OPTIONS || o.name in command.options) continue;
    throw invalidInput(
      `${command.name} does not take ${o.rawName}`,
      `usage: code-swarm ${command.usage} (every command also takes ${GLOBAL_NAMES.map((n) => `--${n}`).join(', ')})`,
    );
  }
  if (options.some((o) => o.name === 'help')) return { help: true };
  return { help: false, ...command.parse(argv) };
}

function findCommand(commands: readonly Command[], words: readonly string[]): Command | undefined {
  const two = `${words[0]} ${words[1] ?? ''}`;
  return commands.find((c) => c.name === two) ?? commands.find((c) => c.name === words[0]);
}
