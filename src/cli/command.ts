import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Swarm } from '../core/swarm.js';
import { SwarmError } from '../shared/errors.js';
import type { Output } from './output.js';

export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes: they say where the swarm lives, how to trust hosts and how to print, not what to do. */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  'state-dir': { type: 'string' },
  'accept-new-host-key': { type: 'boolean' },
  'known-hosts': { type: 'string', multiple: true },
  'ssh-config': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

type Parsed<O extends OptionTable> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];

export type GlobalValues = Parsed<typeof GLOBAL_OPTIONS>;

/** A command's option values, the global ones included. */
export type CommandValues<O extends OptionTable> = Parsed<O & typeof GLOBAL_OPTIONS>;

export interface CommandContext<O extends OptionTable> {
  readonly swarm: Swarm;
  readonly out: Output;
  /** The positionals after the command words, exactly as many as the command declares. */
  readonly args: readonly string[];
  readonly values: CommandValues<O>;
}

export interface CommandSpec<O extends OptionTable> {
  /** The command words: `list`, `hosts add`. */
  readonly name: string;
  /** What follows `code-swarm` in a message about this command: `list [--host HOST]`. */
  readonly usage: string;
  /** How many positionals follow the command words. */
  readonly args: number;
  /** How many more may follow and may be left out (`stats [NAME]`). */
  readonly optionalArgs?: number;
  /** The options this command takes besides GLOBAL_OPTIONS. */
  readonly options: O;
  /** Checks of option values that need no service, so bad input fails before a host is touched; throws invalid-input. */
  readonly check?: (values: CommandValues<O>) => void;
  readonly run: (ctx: CommandContext<O>) => Promise<void>;
}

/** One command line, parsed for its command and ready to run. */
export interface Invocation {
  readonly command: string;
  readonly globals: GlobalValues;
  run(swarm: Swarm, out: Output): Promise<void>;
}

/** A command with its option types erased, for the registration table. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly options: OptionTable;
  /** Parses a whole argv (global options anywhere) whose command words are this command's; throws invalid-input. */
  parse(argv: readonly string[]): Invocation;
}

export function invalidInput(message: string, hint?: string): SwarmError {
  return new SwarmError(message, { code: 'invalid-input', ...(hint !== undefined ? { hint } : {}) });
}

export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): Command {
  const table: OptionTable = { ...GLOBAL_OPTIONS, ...spec.options };
  return {
    name: spec.name,
    usage: spec.usage,
    options: spec.options,
    parse(argv) {
      let parsed;
      try {
        parsed = parseArgs({ args: [...argv], options: table, allowPositionals: true, strict: true });
      } catch (e) {
        throw invalidInput((e as Error).message.split('\n')[0] ?? 'Bad command line', 'run "code-swarm --help"');
      }
      const args = parsed.positionals.slice(spec.name.split(' ').length);
      if (args.length < spec.args || args.length > spec.args + (spec.optionalArgs ?? 0))
        throw invalidInput(`Expected ${spec.usage}`, 'Run "code-swarm --help" for the usage');
      // parseArgs checked every value against `table`, which is exactly O plus the global options.
      const values = parsed.values as unknown as CommandValues<O>;
      spec.check?.(values);
      return {
        command: spec.name,
        globals: values as GlobalValues,
        run: (swarm, out) => spec.run({ swarm, out, args, values }),
      };
    },
  };
}
