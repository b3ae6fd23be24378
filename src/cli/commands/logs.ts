import { defineCommand, invalidInput } from '../command.js';

const DEFAULT_TAIL = 200;

function tailOf(text: string | undefined): number {
  return text === undefined ? DEFAULT_TAIL : Number(text);
}

export const logs = defineCommand({
  name: 'logs',
  usage: 'logs NAME [--tail N] [--follow]',
  args: 1,
  options: { tail: { type: 'string' }, follow: { type: 'boolean' } },
  check(v) {
    const tail = tailOf(v.tail);
    if (!Number.isInteger(tail) || tail < 0) throw invalidInput(`--tail must be a whole number, not "${v.tail}"`);
  },
  async run({ swarm, out, args: [name], values }) {
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    try {
      const stream = await swarm.logs(name, { tail: tailOf(values.tail), follow: values.follow === true, signal: abort.signal });
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (c: Buffer) => out.raw(c));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
    } finally {
      process.off('SIGINT', stop);
    }
  },
});
