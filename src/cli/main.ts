import { runCli } from './runCli.js';

// argv[1]: the script this process runs (dist/cli.js), which a detached refill runs again.
void runCli(process.argv.slice(2), { self: process.argv[1] }).then((code) => {
  process.exitCode = code;
});
