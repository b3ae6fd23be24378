/** The `code-swarm` command line. Returns the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write('usage: code-swarm <command> [--json] [--state-dir DIR]\n');
    return 0;
  }
  process.stderr.write(`code-swarm: unknown command "${argv[0]}" — run "code-swarm --help" for the list\n`);
  return 2;
}
