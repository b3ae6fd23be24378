import Docker from 'dockerode';
import { FileSecretStore } from '../../src/core/fileSecretStore.js';
import { Store } from '../../src/core/store.js';
import { Swarm, type SwarmOptions } from '../../src/core/swarm.js';
import { demuxBuffer } from '../../src/providers/docker/dockerLogs.js';
import { loadKnownHostsFiles } from '../../src/transport/knownHosts.js';
import { SshConnection } from '../../src/transport/sshConnection.js';
import { type SshConnectionOptions } from '../../src/transport/sshTypes.js';
import { RecordingSecretStore } from '../support/recordingSecretStore.js';
import { recordingSwarm } from '../support/recordingSwarm.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { readLabEnv, type LabEnv } from './labEnv.js';

export type { LabEnv, LabHost } from './labEnv.js';

let cached: LabEnv | undefined;

/** The lab descriptor written by `scripts/testbed up`, read once per process. A missing lab fails the suite. */
export function lab(): LabEnv {
  cached ??= readLabEnv();
  return cached;
}

export type LabHostName = keyof LabEnv['hosts'];

/** A connection to a lab host, checked against the lab's known_hosts. */
export function labConnection(name: LabHostName, overrides: Partial<SshConnectionOptions> = {}): SshConnection {
  const env = lab();
  const h = env.hosts[name];
  return new SshConnection({
    endpoint: { label: name, host: h.address, port: h.port, username: h.user, identityFiles: [env.clientKey], agentSocket: '' },
    hostKeys: { knownHosts: () => loadKnownHostsFiles([env.knownHosts]), onUnknown: () => false },
    connectTimeoutMs: 5_000,
    ...overrides,
  });
}

/**
 * A Swarm on a fresh state directory, trusting the lab's known_hosts. The
 * directory lives under the suite root and outlives the test (the secret
 * audit searches it after the last test); the Swarm notes the passwords it
 * makes and the errors it raises for that audit.
 */
export async function labSwarm(
  stateDir?: string,
  knownHostsFiles = [lab().knownHosts],
  options: Pick<SwarmOptions, 'startingGraceMs' | 'tunnelWorkerScript'> = {},
): Promise<{ swarm: Swarm; dir: string }> {
  const dir = stateDir ?? suiteDir('csw-swarm-');
  const [store, secrets] = await Promise.all([Store.open(dir), FileSecretStore.open(dir)]);
  const swarm = new Swarm({
    store,
    secrets: new RecordingSecretStore(secrets, dir),
    access: { knownHostsFiles, agentSocket: '', connectTimeoutMs: 5_000 },
    defaults: { image: lab().dockerImage, cpus: 1, memory: '1g' },
    ...options,
  });
  return { swarm: recordingSwarm(swarm, dir), dir };
}

/** Adds a lab host (or the local engine) to a swarm under the same name. */
export async function addLabHost(swarm: Swarm, name: LabHostName | 'local'): Promise<void> {
  if (name === 'local') {
    await swarm.addHost({ name: 'local', local: true });
    return;
  }
  const h = lab().hosts[name];
  await swarm.addHost({ name, ssh: `${h.user}@${h.address}:${h.port}`, identityFile: lab().clientKey, provider: h.provider });
}

/** dockerode on a lab host's engine, for checks behind Code Swarm's back. */
export function labDocker(name: LabHostName | 'local'): Docker {
  if (name === 'local') return new Docker({ socketPath: lab().local.dockerSocket });
  return new Docker({ socketPath: lab().hosts[name].engineSocketOnLabMachine });
}

/** Runs a command in a container as its user and returns stdout. */
export async function dockerExec(docker: Docker, containerId: string, cmd: string[]): Promise<string> {
  return (await dockerExecResult(docker, containerId, cmd)).output;
}

/** Runs a command in a container as its user: its exit code, and its output (stdout and stderr). */
export async function dockerExecResult(
  docker: Docker,
  containerId: string,
  cmd: readonly string[],
): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return { code: (await exec.inspect()).ExitCode ?? -1, output: demuxBuffer(Buffer.concat(chunks)).toString('utf8') };
}

/**
 * What holds inside a running container, read from its first process and its
 * pids cgroup (v1 or v2): the numbers the kernel applies, not the engine's words.
 */
export async function hardeningInside(
  docker: Docker,
  containerId: string,
): Promise<{ uid: string; capEff: bigint; capBnd: bigint; noNewPrivs: string; pidsMax: string }> {
  const out = await dockerExec(docker, containerId, [
    'sh',
    '-c',
    'cat /proc/1/status; echo "pids.max: $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)"',
  ]);
  const field = (key: string) => new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(out)?.[1] ?? `(no ${key})`;
  return {
    uid: field('Uid'),
    capEff: BigInt(`0x${field('CapEff')}`),
    capBnd: BigInt(`0x${field('CapBnd')}`),
    noNewPrivs: field('NoNewPrivs'),
    pidsMax: field('pids.max'),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
