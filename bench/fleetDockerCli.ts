// The fleet bench's baseline: the Docker CLI over ssh:// listing the same hosts.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { lab, type LabHost } from '../test/lab/lab.js';
import { createSshWrapper } from './createSshWrapper.js';

const execFileAsync = promisify(execFile);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** `docker -H ssh://… ps -a` for the same 10 hosts, all at once, as a script watching them would. */
export async function dockerCliRefresh(hosts: readonly { readonly lab: LabHost }[], log: (l: string) => void): Promise<number[]> {
  const env = lab();
  const wrapper = await createSshWrapper({ sshConfig: env.sshConfig, knownHosts: env.knownHosts, identityFile: env.clientKey });
  const samples: number[] = [];
  try {
    const targets = hosts.map(({ lab: l }) => `ssh://${l.user}@${l.address}${l.port === 22 ? '' : `:${l.port}`}`);
    const once = () =>
      Promise.all(
        targets.map(async (t) => {
          const r = await execFileAsync('docker', ['-H', t, 'ps', '-a', '--filter', 'label=code-swarm.instance'], {
            env: wrapper.env,
            timeout: 60_000,
            maxBuffer: 16 * 2 ** 20,
          });
          if (!r.stdout.startsWith('CONTAINER ID')) throw new Error(`docker ps printed no table: ${r.stderr.slice(0, 200)}`);
        }),
      );
    log(`docker -H ssh:// ps -a for the same ${hosts.length} hosts at once: 1 warm-up, then 5 samples`);
    await once();
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await once();
      samples.push(round1(performance.now() - t0));
    }
  } catch (e) {
    log(`docker CLI baseline failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    await wrapper.dispose();
  }
  return samples;
}
