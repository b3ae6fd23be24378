import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { quoteArg } from '../src/transport/shellQuote.js';
import { labSshOptions, type LabSshFiles } from './labSshOptions.js';

export interface SshWrapper {
  /** Environment for a child `docker` CLI: the wrapper first on PATH, a private DOCKER_CONFIG. */
  readonly env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

export interface SshWrapperOptions extends LabSshFiles {
  readonly realSsh?: string;
}

/**
 * The docker CLI runs whatever `ssh` is first on PATH. This puts a wrapper
 * there that pins the lab's config, known_hosts and key, so `docker -H ssh://`
 * authenticates and checks the host key without reading or writing ~/.ssh
 * (or ~/.docker: DOCKER_CONFIG points into the same temp dir).
 */
export async function createSshWrapper(options: SshWrapperOptions): Promise<SshWrapper> {
  const dir = await mkdtemp(join(tmpdir(), 'code-swarm-bench-ssh-'));
  try {
    const args = [options.realSsh ?? '/usr/bin/ssh', ...labSshOptions(options)];
    const binDir = join(dir, 'bin');
    await mkdir(binDir);
    await mkdir(join(dir, 'docker-config'));
    await writeFile(join(binDir, 'ssh'), `#!/bin/sh\nexec ${args.map(quoteArg).join(' ')} "$@"\n`);
    await chmod(join(binDir, 'ssh'), 0o755);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      // Nothing of the caller's docker or ssh-agent setup may leak into the measurement.
      if (k.startsWith('DOCKER_') || k === 'SSH_AUTH_SOCK') continue;
      env[k] = v;
    }
    env['PATH'] = [binDir, process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter);
    env['DOCKER_CONFIG'] = join(dir, 'docker-config');
    return { env, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
