import type Docker from 'dockerode';
import { z } from 'zod';
import { SwarmError } from '../../shared/errors.js';
import type { DockerEngine } from './dockerEngine.js';

/**
 * Why one network per host with inter-container traffic off, and not one
 * network per instance: both make a container unable to reach the others
 * (Docker drops bridge-to-bridge traffic as it drops in-bridge traffic when
 * ICC is off; both rules are iptables rules of the engine), but each
 * user-defined network takes a subnet from the engine's address pools, and
 * the default pools hold about 30: a host with more instances than that could
 * not create any more. One shared network also has no life cycle to get
 * wrong (nothing to remove with an instance, or after a failed create).
 */
export const NETWORK_NAME = 'code-swarm';
/** Marks the network as Code Swarm's; its value says what it is for. */
export const NETWORK_LABEL = 'code-swarm.network';
const NETWORK_PURPOSE = 'isolated';
/** The bridge driver's switch for traffic between containers of one network. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';
/** Where containers made before isolation run (and where `docker run` puts any container). */
const DEFAULT_BRIDGE = 'bridge';
/** How long the winner of a create race waits for the losers' networks to go. */
const ALONE_WAIT_MS = 3_000;
/** How long a start refused as ambiguous waits for a racing process to remove its network. */
const AMBIGUOUS_WAIT_MS = 15_000;

const NetworkListSchema = z.array(
  z.object({
    Id: z.string(),
    Name: z.string(),
    Created: z.string().optional(),
    Labels: z.record(z.string(), z.string()).nullish(),
    Options: z.record(z.string(), z.string()).nullish(),
  }),
);
type NetworkRow = z.infer<typeof NetworkListSchema>[number];

/** The options of the network Code Swarm makes: what `docker network inspect` shows for it. */
export function networkOptions(name: string): Docker.NetworkCreateOptions {
  return {
    Name: name,
    // Refused when the name exists already; a create racing it is sorted out after (see ensure).
    CheckDuplicate: true,
    Driver: 'bridge',
    // Outbound traffic (NAT) stays on: extensions, git and package managers need it.
    Options: { [ICC_OPTION]: 'false' },
    Labels: { [NETWORK_LABEL]: NETWORK_PURPOSE },
  };
}

/** Whether a network is one Code Swarm made, with inter-container traffic off. */
export function isIsolatedNetwork(row: Pick<NetworkRow, 'Labels' | 'Options'>): boolean {
  return row.Labels?.[NETWORK_LABEL] === NETWORK_PURPOSE && row.Options?.[ICC_OPTION] === 'false';
}

/** The host's isolated network: found or made, and joined by containers made before it existed. */
export class DockerNetwork {
  private pending: Promise<string> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    readonly name: string = NETWORK_NAME,
  ) {}

  /**
   * The network's id, made if it is missing. Creates at once in this process
   * share one lookup; another process creating it at the same moment may
   * win the name race too (Docker's duplicate check is not atomic), so after
   * a create everyone settles on the oldest such network and a loser removes
   * its own, still empty, one.
   */
  ensure(): Promise<string> {
    // An engine whose containers each get their own network stack needs no shared network.
    const own = this.engine.dialect.ownNetworkMode;
    if (own !== undefined) return Promise.resolve(own);
    if (!this.pending) {
      this.pending = this.findOrCreate().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  /**
   * Moves a container made before isolation off the default bridge onto the
   * isolated network. Only while it is stopped: ports are published on the
   * network a container starts on. Answers whether it moved anything.
   */
  async migrate(info: Docker.ContainerInspectInfo): Promise<boolean> {
    if (!this.needsMigration(info)) return false;
    const networks = info.NetworkSettings.Networks ?? {};
    const id = await this.ensure();
    if (!Object.values(networks).some((n) => n.NetworkID === id)) {
      await this.engine.call('connect the container to the isolated network', () =>
        this.engine.api.getNetwork(id).connect({ Container: info.Id }),
      );
    }
    await this.engine.call(
      'disconnect the container from the default bridge',
      () => this.engine.api.getNetwork(DEFAULT_BRIDGE).disconnect({ Container: info.Id, Force: true }),
      undefined,
      [404],
    );
    return true;
  }

  /**
   * Runs a container's start. A process that lost a create race may still
   * hold its network of the same name for a moment (it saw ours only after
   * making its own); Docker then refuses any start on the name as
   * "ambiguous". That start is tried once more when the loser's is gone.
   */
  async start(start: () => Promise<unknown>): Promise<void> {
    try {
      await start();
    } catch (e) {
      if (!isAmbiguous(e)) throw e;
      await this.alone(AMBIGUOUS_WAIT_MS);
      await start();
    }
  }

  /** A container on the default bridge can reach, and be reached by, every other container there. */
  needsMigration(info: Docker.ContainerInspectInfo): boolean {
    if (this.engine.dialect.ownNetworkMode !== undefined) return false;
    return DEFAULT_BRIDGE in (info.NetworkSettings.Networks ?? {});
  }

  private async findOrCreate(): Promise<string> {
    const found = await this.find();
    if (found) return found.others === 0 ? found.id : this.whenAlone(found.id);
    const made = (await this.engine.call(
      'create the isolated network',
      () => this.engine.api.createNetwork(networkOptions(this.name)),
      undefined,
      [409],
    )) as Docker.Network | undefined;
    const after = await this.find();
    const settled = after?.id;
    if (!settled) {
      throw new SwarmError(`Docker on ${this.engine.link.label} did not keep the network ${this.name} it was asked to create`, {
        code: 'internal',
        hint: 'Check the engine (docker network ls), then try again',
      });
    }
    if (made && made.id !== settled) {
      await made.remove().catch(() => undefined);
      return settled;
    }
    return after.others === 0 ? settled : this.whenAlone(settled);
  }

  /**
   * The winner of a create race waits (briefly) for the losers to remove
   * their networks: while two share the name, Docker refuses to start a
   * container on it ("network … is ambiguous"). A loser that died leaves its
   * network behind; after the wait it is the engine's problem, not ours.
   */
  private async whenAlone(id: string): Promise<string> {
    await this.alone(ALONE_WAIT_MS);
    return id;
  }

  /** Until our network of this name is the only one (a racing process removed its own), at most `waitMs`. */
  private async alone(waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await this.find();
      if (!now || now.others === 0) return;
    }
  }

  /**
   * The oldest network of ours with this name, and how many more of ours
   * share it; a stranger's of this name is an error, not something to join.
   */
  private async find(): Promise<{ id: string; others: number } | undefined> {
    const rows = await this.engine.call('list networks', () => this.engine.api.listNetworks({ filters: { name: [this.name] } }));
    // The name filter matches parts of names too.
    const named = this.engine.checked(NetworkListSchema, rows, 'network list').filter((n) => n.Name === this.name);
    if (named.length === 0) return undefined;
    const ours = named.filter(isIsolatedNetwork).sort((a, b) => createdMs(a) - createdMs(b) || a.Id.localeCompare(b.Id));
    if (ours[0]) return { id: ours[0].Id, others: ours.length - 1 };
    throw new SwarmError(
      `A network named ${this.name} exists on ${this.engine.link.label}, but Code Swarm did not make it, or it lets containers reach each other`,
      {
        code: 'conflict',
        hint: `Remove or rename it there (docker network rm ${this.name}); Code Swarm then makes its own, with traffic between instances off`,
      },
    );
  }
}

/** Docker's refusal to start on a name that two networks share. */
function isAmbiguous(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) if (/\bis ambiguous\b/.test(c.message)) return true;
  return false;
}

/** Docker trims trailing zeros of its nanoseconds, so the text does not sort; the time does. */
function createdMs(row: NetworkRow): number {
  const t = Date.parse(row.Created ?? '');
  return Number.isNaN(t) ? 0 : t;
}
