import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The lab descriptor, env.json, as `scripts/testbed` writes it (cmd_env).
 * Every reader goes through this schema, so a testbed that writes something
 * else fails here with the field's name instead of deep inside a test.
 */
export const LabHostSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  user: z.string(),
  role: z.enum(['docker', 'lxd', 'nodocker', 'podman', 'swarm-manager', 'swarm-worker', 'swarm-solo']),
  /** swarm for the swarm's manager and the one-node swarm (issue #18); the workers are plain Docker engines. */
  provider: z.enum(['docker', 'lxd', 'podman', 'swarm']),
  remoteSocket: z.string(),
  netns: z.string(),
  hostKey: z.string(),
  hostKeyPub: z.string(),
  /** The host's engine socket (Docker's or Podman's) as seen from the lab machine ('' for LXD). */
  engineSocketOnLabMachine: z.string(),
});

export const LabEnvSchema = z.object({
  root: z.string(),
  sharedEngine: z.boolean(),
  clientKey: z.string(),
  wrongKey: z.string(),
  passphraseKey: z.string(),
  passphrase: z.string(),
  knownHosts: z.string(),
  sshConfig: z.string(),
  dockerImage: z.string(),
  lightImage: z.string(),
  /** The light image's tree without code-server's title: Code Swarm brings code-server into it. */
  plainImage: z.string(),
  lxdImage: z.string(),
  codeServerVersion: z.string(),
  codeServerBin: z.string(),
  nodeDir: z.string(),
  local: z.object({ dockerSocket: z.string() }),
  /** An LXD image of gamma's without any engine (sshd, sudo) and the offline apt repository its apt knows, for the doctor's install. */
  engineless: z.object({ image: z.string(), aptRepository: z.string() }),
  hosts: z.object({
    alpha: LabHostSchema,
    beta: LabHostSchema,
    gamma: LabHostSchema,
    delta: LabHostSchema,
    /** Rootful Podman's Docker-compatible socket, reached by its user through group podman. */
    epsilon: LabHostSchema,
    /** The lab's Swarm-mode cluster: swarm1 manages, swarm2 and swarm3 work. */
    swarm1: LabHostSchema,
    swarm2: LabHostSchema,
    swarm3: LabHostSchema,
    /** A one-node swarm of its own: a single machine's engine made a manager. */
    solo: LabHostSchema,
  }),
  /** Only while `scripts/testbed fleet-up` has the fleet up (bench/fleet.ts). */
  fleet: z.record(z.string(), LabHostSchema).optional(),
});

export type LabHost = z.infer<typeof LabHostSchema>;
export type LabEnv = z.infer<typeof LabEnvSchema>;

/** Where `scripts/testbed up` writes env.json (CODE_SWARM_LAB_ROOT, as the testbed reads it). */
export function labEnvFile(): string {
  return join(process.env.CODE_SWARM_LAB_ROOT ?? '/var/lib/code-swarm-lab', 'env.json');
}

/** Reads and checks env.json afresh; a missing or unexpected file throws a one-line error that says what to run. */
export function readLabEnv(file = labEnvFile()): LabEnv {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`The lab is not up (${file} unreadable: ${(e as Error).message}); run "bash scripts/testbed up" first`, { cause: e });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`The lab's descriptor ${file} is not JSON (${(e as Error).message}); run "bash scripts/testbed up" to rewrite it`, {
      cause: e,
    });
  }
  const parsed = LabEnvSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw new Error(
      `The lab's descriptor ${file} does not match the tests' schema at ${where}: ${issue?.message}; run "bash scripts/testbed up" to rewrite it`,
    );
  }
  return parsed.data;
}
