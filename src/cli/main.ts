import { hashOnCallingThread } from '../core/password.js';
import { runCli } from './runCli.js';

// One command per process: nothing else needs the event loop while a create hashes its password.
hashOnCallingThread();
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
