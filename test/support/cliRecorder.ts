import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { parseArgs } from 'node:util';
import { recordPassword, recordReveal, recordTranscript, SUITE_ROOT_ENV } from './suiteArtifacts.js';

/**
 * Preloaded into every Node process the suite starts (NODE_OPTIONS=--require,
 * set by suiteRecording.ts). Inside a run of dist/cli.js, however a test spawned
 * it, it copies the CLI's stdout and stderr to the suite's transcript (stdout
 * of `code-swarm password`, a deliberate reveal, to the reveals file instead)
 * and, at exit, the passwords in its state directory's secrets file to the
 * ledger: the CLI process is the only one that ever sees them.
 * In any other process (code-server, its extension host, npx) it does nothing.
 */

// The CLI's options that take a value (src/cli/command.ts and src/cli/commands/), so that their values are not read as the command.
const VALUE_OPTIONS = [
  'state-dir',
  'known-hosts',
  'ssh-config',
  'ssh',
  'identity',
  'jump',
  'provider',
  'host',
  'image',
  'cpus',
  'memory',
  'tail',
  'port',
  'label',
];

/** The command word of a CLI argv (`password` in `--json --state-dir D password web`). */
export function cliCommand(args: readonly string[]): string | undefined {
  return cliArgs(args).positionals[0];
}

function cliArgs(args: readonly string[]): { positionals: string[]; stateDir: string | undefined } {
  const options = Object.fromEntries(VALUE_OPTIONS.map((o) => [o, { type: 'string' as const, multiple: true }]));
  const { values, positionals } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true });
  const stateDir = values['state-dir'];
  const last = Array.isArray(stateDir) ? stateDir[stateDir.length - 1] : undefined;
  return { positionals, stateDir: typeof last === 'string' ? last : undefined };
}

export function isCodeSwarmCli(script: string | undefined): boolean {
  return script !== undefined && script.endsWith(`${sep}dist${sep}cli.js`);
}

function tee(stream: NodeJS.WriteStream, sink: (text: string) => void): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

function installCliRecorder(): void {
  const args = process.argv.slice(2);
  const label = `cli ${process.pid}: code-swarm ${args.join(' ')}`;
  let parsed: ReturnType<typeof cliArgs>;
  try {
    parsed = cliArgs(args);
  } catch {
    parsed = { positionals: [], stateDir: undefined };
  }
  const reveal = parsed.positionals[0] === 'password';
  tee(process.stdout, (text) => (reveal ? recordReveal(`${label} (stdout)`, text) : recordTranscript(`${label} (stdout)`, text)));
  tee(process.stderr, (text) => recordTranscript(`${label} (stderr)`, text));
  // Only a state directory the test named: never the user's own ~/.code-swarm.
  const stateDir = parsed.stateDir;
  if (stateDir === undefined) return;
  process.once('exit', () => {
    let secrets: unknown;
    try {
      secrets = JSON.parse(readFileSync(`${stateDir}${sep}secrets.json`, 'utf8'));
    } catch {
      return; // no secrets file (yet), or one a test broke on purpose
    }
    if (typeof secrets !== 'object' || secrets === null) return;
    for (const [key, value] of Object.entries(secrets)) {
      if (/^instance\/[^/]+\/password$/.test(key) && typeof value === 'string') recordPassword(`${label} ${key}`, value);
    }
  });
}

if (process.env[SUITE_ROOT_ENV] && isCodeSwarmCli(process.argv[1])) installCliRecorder();
