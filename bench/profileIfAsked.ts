import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** With `NAME=N` in the environment, a CPU profile of N more runs of `op` goes to the temp dir (to find where the time goes). */
export async function profileIfAsked(name: string, file: string, op: () => Promise<unknown>): Promise<void> {
  const runs = Number(process.env[name] ?? 0);
  if (!(runs > 0)) return;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    for (let i = 0; i < runs; i++) await op();
    const { profile } = await session.post('Profiler.stop');
    await writeFile(join(tmpdir(), file), JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}
