import type { ClientChannel } from 'ssh2';
import { SwarmError } from '../shared/errors.js';
import type { ExecOptions, ExecResult } from './execTypes.js';

/** Reads an exec channel to its end: stdout and stderr capped at maxBytes, the exit code, an optional deadline. */
export function collectExec(channel: ClientChannel, label: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const max = options.maxBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let code = -1;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          channel.close();
          reject(new SwarmError(`"${argv[0] ?? ''}" on ${label} did not finish within ${options.timeoutMs} ms`, { code: 'timeout' }));
        }, options.timeoutMs)
      : undefined;
    const add = (bucket: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) bucket.push(chunk);
    };
    channel.on('data', add(out));
    channel.stderr.on('data', add(err));
    channel.on('exit', (c: number | null) => {
      code = c ?? -1;
    });
    channel.on('close', (closeCode?: number | null) => {
      if (timer) clearTimeout(timer);
      // A fast command's exit status can arrive with the channel's confirmation,
      // before 'exit' has a listener; ssh2 repeats it on 'close'.
      if (code === -1 && typeof closeCode === 'number') code = closeCode;
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (options.stdin !== undefined) channel.end(options.stdin);
    else channel.end();
  });
}
