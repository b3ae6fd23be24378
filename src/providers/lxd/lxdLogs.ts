import { PassThrough, type Readable } from 'node:stream';
import { SwarmError } from '../../shared/errors.js';
import type { InstanceRef, LogOptions } from '../provider.js';
import type { LxdDaemon } from './lxdDaemon.js';
import { LXD_CODE_SERVER_UNIT } from './lxdImageCheck.js';
import { instancePath, lxdNameOf } from './lxdPaths.js';
import { LxdInstanceSchema } from './lxdSchemas.js';

/** code-server's journal in the instance, read with the CLI's exec: LXD's API has no log of a unit. */
export async function readLxdLogs(daemon: LxdDaemon, ref: InstanceRef, options: LogOptions): Promise<Readable> {
  const name = lxdNameOf(ref);
  const link = daemon.link;
  const inst = await daemon.call('read logs', (api) => api.get(instancePath(name), LxdInstanceSchema), ref);
  if (inst.status !== 'Running') {
    throw new SwarmError(
      `${ref.name} is not running on ${link.label}: its code-server log is in the instance's journal, which can be read only while it runs`,
      {
        code: 'conflict',
        hint: 'Start it, then read the logs again',
      },
    );
  }
  const argv = [
    ...(await daemon.cliCommand()),
    'exec',
    name,
    '--',
    'journalctl',
    '-u',
    LXD_CODE_SERVER_UNIT,
    '--no-pager',
    '-n',
    String(options.tail ?? 200),
    ...(options.follow ? ['-f'] : []),
  ];
  const out = new PassThrough();
  if (options.follow && link.execStream) {
    const proc = await link.execStream(argv);
    let stderr = '';
    let closed = false;
    proc.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    proc.stdout.pipe(out, { end: false });
    const stop = () => {
      closed = true;
      proc.close();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    // The reader going away must not leave journalctl -f running in the instance.
    out.on('close', stop);
    void proc.exit.then((code) => {
      options.signal?.removeEventListener('abort', stop);
      if (code !== 0 && !closed && stderr.trim()) out.destroy(daemon.execError(ref, 'read logs', stderr));
      else out.end();
    });
    return out;
  }
  // Without a streaming exec (test doubles), following degrades to the current tail.
  const r = await link.exec(argv, { timeoutMs: 30_000 });
  if (r.code !== 0) throw daemon.execError(ref, 'read logs', r.stderr || r.stdout);
  out.end(r.stdout);
  return out;
}
