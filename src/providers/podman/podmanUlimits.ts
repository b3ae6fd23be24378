import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { asRoot } from '../common/hostFacts.js';
import { engineInfo } from '../docker/dockerChecks.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { messageOf } from '../docker/dockerErrors.js';
import { type CheckContext, error, type Finding, NotChecked, ok, warning } from '../hostCheck.js';

export const ULIMITS_CODE = 'podman.ulimits';

/** Where the fix puts Podman's default ulimits: a drop-in of its own, read when the service starts. */
export const DROP_IN_DIR = '/etc/containers/containers.conf.d';
export const DROP_IN = `${DROP_IN_DIR}/90-code-swarm.conf`;
const ROOTLESS_DROP_IN = '~/.config/containers/containers.conf.d/90-code-swarm.conf';

/** The limits the fix gives containers, measured to work on a host that refuses Podman's own (TESTBED-FACTS). */
export const SAFE_ULIMITS = { nofile: 16384, nproc: 4096 } as const;
export type Ulimits = { readonly nofile: number; readonly nproc: number };

/** The login's hard limits (`ulimit -Hn; ulimit -Hu`): a drop-in above them would be refused in turn. */
export function parseHardLimits(stdout: string): { nofile: number; nproc: number } {
  const [n, u] = stdout.trim().split('\n');
  const num = (s: string | undefined) => (s?.trim() === 'unlimited' ? Infinity : Number(s));
  const nofile = num(n);
  const nproc = num(u);
  if (!(nofile > 0) || !(nproc > 0)) throw new Error(`unexpected output of ulimit: ${JSON.stringify(stdout.slice(0, 80))}`);
  return { nofile, nproc };
}

/** The fix's limits: the safe ones, lowered to the host's hard limits. */
export function fixUlimits(hard: Ulimits): Ulimits {
  return { nofile: Math.min(SAFE_ULIMITS.nofile, hard.nofile), nproc: Math.min(SAFE_ULIMITS.nproc, hard.nproc) };
}

/** The drop-in's lines. */
export function dropInLines(u: Ulimits): string[] {
  return [
    '# Written by code-swarm hosts doctor: this host refuses the rlimits Podman raises by default.',
    '[containers]',
    `default_ulimits = ["nofile=${u.nofile}:${u.nofile}", "nproc=${u.nproc}:${u.nproc}"]`,
  ];
}

// set -C: the write fails rather than overwrite a file that is there by then.
export const WRITE_NEW = 'f=$1; shift; set -C; printf "%s\\n" "$@" >"$f"';

/** The argv that write the drop-in as a new file (never over an existing one); the caller adds sudo. */
export function dropInCommands(u: Ulimits): string[][] {
  return [
    ['mkdir', '-p', DROP_IN_DIR],
    ['sh', '-c', WRITE_NEW, 'sh', DROP_IN, ...dropInLines(u)],
  ];
}

/** Podman's (the OCI runtime's) refusal of a container's rlimits: "error setting rlimit type 7: operation not permitted", crun's "setrlimit `RLIMIT_NOFILE`". */
export function isRlimitRefusal(message: string): boolean {
  return /rlimit/i.test(message) && /not permitted|permission denied/i.test(message);
}

const UlimitsSchema = z.array(z.object({ Name: z.string(), Soft: z.number(), Hard: z.number() })).nullish();

/** A container's rlimits from its inspect (`RLIMIT_NOFILE` or `nofile`), as `nofile=S:H, nproc=S:H`. */
export function describeUlimits(raw: unknown): string {
  const parsed = UlimitsSchema.safeParse(raw);
  if (!parsed.success || !parsed.data?.length) return '';
  return parsed.data.map((u) => `${u.Name.toLowerCase().replace(/^rlimit_/, '')}=${u.Soft}:${u.Hard}`).join(', ');
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 240);

/**
 * Whether containers start with Podman's default ulimits. Nothing cheaper
 * tells: the service's containers.conf (its own CONTAINERS_CONF, drop-ins) is
 * root's, and whether the host lets the runtime raise the limits depends on
 * capabilities /info does not show. So one tiny container is created from an
 * image already on the host, started (its command is `true`) and removed.
 */
export async function ulimitsFinding(ctx: CheckContext, engine: DockerEngine, rootless: boolean): Promise<Finding> {
  await engineInfo(ctx, engine);
  const image = await probeImage(ctx, engine);
  const container = await engine.api.createContainer({
    name: `code-swarm-doctor-${randomBytes(4).toString('hex')}`,
    Image: image,
    Entrypoint: ['true'],
    Cmd: [],
    Labels: { 'code-swarm.doctor': 'ulimits' },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const inspect = z
      .object({ HostConfig: z.object({ Ulimits: z.unknown() }).partial() })
      .partial()
      .parse(await container.inspect());
    const limits = describeUlimits(inspect.HostConfig?.Ulimits);
    const shown = limits ? ` (${limits})` : '';
    const refused = await container.start().then(
      () => undefined,
      (e: unknown) => oneLine(messageOf(e)),
    );
    if (refused === undefined) {
      // Its command is `true`: wait for the exit, else Podman may refuse the removal below mid-stop.
      await container.wait();
      return ok(ULIMITS_CODE, `Podman starts containers with its default ulimits${shown}`);
    }
    if (!isRlimitRefusal(refused)) return warning(ULIMITS_CODE, `a test container from ${image} did not start: ${refused}`);
    return refusal(ctx, `Podman cannot start containers: this host refuses its default ulimits${shown}: ${refused}`, rootless);
  } finally {
    await removeTestContainer(container);
  }
}

/** Removes the test container; Podman refuses a removal while the container is still stopping, so it retries briefly. */
async function removeTestContainer(container: { remove(o: { force: boolean }): Promise<unknown> }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await container.remove({ force: true });
      return;
    } catch (e) {
      if (/no such container|404/i.test(messageOf(e))) return;
      if (attempt >= 10) throw new Error(`the doctor's test container was not removed: ${oneLine(messageOf(e))}`, { cause: e });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The user's image when the host has it, else any image there (the test only runs `true`). */
async function probeImage(ctx: CheckContext, engine: DockerEngine): Promise<string> {
  const has = await engine.api
    .getImage(ctx.image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (has) return ctx.image;
  const first = (await engine.api.listImages()).find((i) => i.Id);
  if (!first) throw new NotChecked(`no image on the host to start a test container from (${ULIMITS_CODE})`);
  return first.Id;
}

async function refusal(ctx: CheckContext, text: string, rootless: boolean): Promise<Finding> {
  if (rootless) return error(ULIMITS_CODE, `${text}; give it default_ulimits in ${ROOTLESS_DROP_IN}, then restart its service`);
  const exists = (await ctx.exec(['test', '-e', DROP_IN])).code === 0;
  if (exists) return error(ULIMITS_CODE, `${text}; ${DROP_IN} is there: check its default_ulimits, then restart Podman's service`);
  const hard = await ctx.exec(['sh', '-c', 'ulimit -Hn; ulimit -Hu']);
  const u = fixUlimits(hard.code === 0 ? parseHardLimits(hard.stdout) : SAFE_ULIMITS);
  const write = await Promise.all(dropInCommands(u).map((argv) => asRoot(ctx, argv)));
  // Socket-activated podman.service reads the drop-in when it next starts; restart it if it runs.
  const systemd = (await ctx.exec(['test', '-d', '/run/systemd/system'])).code === 0;
  const restart = systemd ? [await asRoot(ctx, ['systemctl', 'try-restart', 'podman.service'])] : [];
  const then = systemd ? '' : ", then restart Podman's service";
  return error(ULIMITS_CODE, `${text}; --fix writes default_ulimits to ${DROP_IN}${then}`, [...write, ...restart]);
}
