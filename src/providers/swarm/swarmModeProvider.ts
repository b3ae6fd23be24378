import type { Readable } from 'node:stream';
import { z } from 'zod';
import { SwarmError, toSwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';
import { LABEL } from '../common/labels.js';
import { throwIfAborted } from '../common/providerErrors.js';
import { DockerEngine } from '../docker/dockerEngine.js';
import { messageOf, statusOf } from '../docker/dockerErrors.js';
import type {
  ClusterNode,
  CreateOptions,
  EngineChange,
  EngineEvents,
  EngineInfo,
  InstanceRef,
  InstanceSpec,
  InstanceStats,
  LogOptions,
  ObservedInstance,
  Provider,
} from '../provider.js';
import { watchSwarmMode } from './swarmModeEvents.js';
import { startGateway } from './swarmModeGateway.js';
import { imageEntry } from './swarmModeImage.js';
import { readServiceLogs } from './swarmModeLogs.js';
import { settled, untilTasksDown } from './swarmModeTasks.js';
import { listClusterNodes, setClusterNodeAvailability, type NodeAvailability } from './swarmModeNodes.js';
import { gatewayName, overlayName, passwordSecretName, POOL_LABEL, serviceName, swarmVolumeName } from './swarmModeNames.js';
import { requireServiceHardened } from './swarmModeReadBack.js';
import { serviceParts } from './swarmModeServiceParts.js';
import { refillSlots, removeClaims, removeIdleSlots, removeNetwork, takeSlot, type SlotRecipe } from './swarmModeSlots.js';
import { GATEWAY_LABEL, gatewayOptions, instanceGateway, overlayOptions, serviceSpec } from './swarmModeSpec.js';
import { GatewayListSchema, NodeListSchema, nodeViews, observedFromSwarm, ServiceListSchema, TaskListSchema } from './swarmModeState.js';
import { purgeVolumes } from './swarmModeVolumes.js';

/** How long a create waits for Swarm to choose a node before leaving the instance unpinned. */
const PIN_WAIT_MS = 5_000;
const VersionSchema = z.object({ Version: z.string(), ApiVersion: z.string() });
const InfoSchema = z.object({
  Swarm: z.object({ LocalNodeState: z.string().optional(), ControlAvailable: z.boolean().optional() }).optional(),
});
const ServiceInspectSchema = z.object({
  ID: z.string(),
  Version: z.object({ Index: z.number() }),
  Spec: z.record(z.string(), z.unknown()),
});

/**
 * A Docker Swarm-mode cluster, reached through its manager's engine (issue #18).
 * Each instance is a one-replica service on its own encrypted overlay; a
 * gateway container on the manager publishes it on the manager's loopback,
 * so the host's one SSH connection reaches every instance wherever Swarm
 * placed it, and nothing is published on any node's other addresses.
 * (Named SwarmMode… because "Swarm" is the core's facade.)
 */
export class SwarmModeProvider implements Provider {
  readonly kind = 'swarm';
  private readonly engine: DockerEngine;
  /** This provider's refill under way: one at a time, so creates at once do not each make a slot. */
  private refilling: Promise<void> | undefined;

  /** `encryptOverlay`: IPsec between nodes on each instance's overlay (off only for a kernel without ESP). */
  constructor(
    link: HostLink,
    socketPath: string,
    private readonly encryptOverlay = true,
    requestTimeoutMs?: number,
  ) {
    this.engine = new DockerEngine(link, socketPath, requestTimeoutMs);
  }

  async engineInfo(): Promise<EngineInfo> {
    const [version, info] = await Promise.all([
      this.engine.call('reach the Docker engine', () => this.engine.api.version()),
      this.engine.call('read the engine info', () => this.engine.api.info()),
    ]);
    const v = this.engine.checked(VersionSchema, version, 'version');
    const swarm = this.engine.checked(InfoSchema, info, 'info').Swarm;
    if (swarm?.LocalNodeState !== 'active' || swarm.ControlAvailable !== true) {
      throw new SwarmError(
        `The Docker engine on ${this.engine.link.label} is not a Swarm manager (swarm state: ${swarm?.LocalNodeState ?? 'unknown'})`,
        {
          code: 'engine-missing',
          hint: 'Add a manager node of the swarm (docker node ls works there), or make this one a manager: docker swarm init',
        },
      );
    }
    const nodes = this.engine.checked(
      NodeListSchema,
      await this.engine.call('list the nodes', () => this.engine.api.listNodes()),
      'node list',
    );
    return {
      provider: 'swarm',
      engineVersion: `Docker ${v.Version} (API ${v.ApiVersion}), Swarm manager of ${nodes.length} node(s)`,
      nodes: nodeViews(nodes),
    };
  }

  async list(): Promise<ObservedInstance[]> {
    const api = this.engine.api;
    const [services, tasks, nodes, gateways, slotGateways] = await Promise.all([
      this.engine.call('list services', () => api.listServices({ filters: { label: [LABEL.instance] } })),
      this.engine.call('list tasks', () => api.listTasks()),
      this.engine.call('list the nodes', () => api.listNodes()),
      this.engine.call('list the gateways', () => api.listContainers({ all: true, filters: { label: [GATEWAY_LABEL] } })),
      // Gateways that were ready slots: their labels name no instance, their (renamed) names do.
      this.engine.call('list the gateways', () => api.listContainers({ all: true, filters: { label: [POOL_LABEL] } })),
    ]);
    return observedFromSwarm({
      services: this.engine.checked(ServiceListSchema, services, 'service list'),
      tasks: this.engine.checked(TaskListSchema, tasks, 'task list'),
      nodes: this.engine.checked(NodeListSchema, nodes, 'node list'),
      gateways: this.engine.checked(GatewayListSchema, [...gateways, ...slotGateways], 'container list'),
    });
  }

  watch(onChange: (change: EngineChange) => void): Promise<EngineEvents> {
    return watchSwarmMode(this.engine, onChange);
  }

  /** Each node makes a workspace volume where its task lands, as a plain local volume: no size holds there. */
  diskQuotaProblem(): Promise<string | undefined> {
    return Promise.resolve(
      'a Swarm-mode cluster makes each workspace volume on the node its task lands on, and those volumes take no size',
    );
  }

  async create(spec: InstanceSpec, options: CreateOptions = {}): Promise<ObservedInstance> {
    const progress = options.onProgress ?? (() => undefined);
    const made: Made = {};
    try {
      progress('Reading the image; taking a ready overlay and gateway; creating the password secret');
      const secretName = passwordSecretName(spec.name, spec.id);
      // Ours on everything made for the instance: the claim, the secret, an overlay of its own.
      const labels = { [LABEL.instance]: spec.id, [LABEL.name]: spec.name, [LABEL.store]: spec.storeId };
      // Round trips to the manager that need nothing of each other, asked at
      // once (each records what it made, for the undo); a bad image's error
      // wins over the others'.
      const [{ entry, user }, slot] = await allOrFirstError([
        imageEntry(this.engine, spec.image),
        takeSlot(this.engine, labels).then((taken) => {
          if (taken) Object.assign(made, { network: taken.networkId, gateway: taken.gatewayId, claim: taken.claimId });
          return taken;
        }),
        this.engine
          .call('create the password secret', () =>
            this.engine.api.createSecret({
              Name: secretName,
              Labels: labels,
              Data: Buffer.from(spec.hashedPassword).toString('base64'),
            }),
          )
          .then((secret) => void (made.secret = (secret as { id: string }).id)),
      ] as const);
      throwIfAborted(options.signal);
      let gateway: Promise<void> = Promise.resolve();
      if (!slot) {
        // No slot ready: the instance's own overlay and gateway, as before the pool.
        const net = await this.engine.call('create the overlay network', () =>
          this.engine.api.createNetwork(overlayOptions(overlayName(spec.name), labels, this.encryptOverlay)),
        );
        made.network = net.id;
        // The gateway's attach to the overlay is the slowest step (seconds: Swarm
        // allocates an attachment for a plain container); it needs only the
        // overlay, so it runs while the service is made, placed and pinned.
        progress('Starting the gateway on the manager; creating the service');
        gateway = this.startGateway(spec, made, user);
        gateway.catch(() => undefined);
      }
      const svc = await this.engine.call('create the service', () =>
        this.engine.api.createService(
          serviceSpec(spec, {
            entry,
            user,
            secretId: made.secret as string,
            secretName,
            network: made.network as string,
            ...(spec.placement ? { placement: spec.placement } : {}),
            ...(slot ? { gateway: slot.slot } : {}),
          }),
        ),
      );
      made.service = (svc as unknown as { id: string }).id;
      // What the manager stored is read back while the task is placed: no wait of its own.
      const readBack = requireServiceHardened(this.engine, made.service, spec);
      readBack.catch(() => undefined);
      if (spec.placement?.node === undefined) await this.pinToFirstNode(made.service, options.signal);
      await readBack;
      await gateway;
      progress('Waiting for Swarm to place and start the task');
      return await settled(() => this.observe(spec.id), options.signal);
    } catch (e) {
      // A gateway still being made is waited for, so undo finds it.
      await made.gatewayStarting?.catch(() => undefined);
      await this.undo(made);
      throw toSwarmError(e);
    }
  }

  /**
   * Tops this store's ready slots up (a gateway of this image, as the
   * image's user). The core calls it once a create's instance is healthy;
   * one at a time in a process, so creates at once do not each make a slot.
   */
  topUp(storeId: string, image: string): Promise<void> {
    this.refilling ??= (async () => {
      const { user } = await imageEntry(this.engine, image);
      const recipe: SlotRecipe = { image, user, storeId, encrypted: this.encryptOverlay };
      await refillSlots(this.engine, recipe);
    })().finally(() => (this.refilling = undefined));
    return this.refilling;
  }

  /** Removes this store's idle ready slots (a host's removal). */
  releaseIdle(storeId: string): Promise<void> {
    return removeIdleSlots(this.engine, storeId);
  }

  /** Creates and starts the instance's gateway on the manager; `made` learns its id as soon as it exists. */
  private startGateway(spec: InstanceSpec, made: Made, user: string): Promise<void> {
    made.gatewayStarting = (async () => {
      // Many attaches at once can outlast the engine's wait for Swarm's
      // allocator ("attaching to network failed … context deadline
      // exceeded"); the container is then made again, twice at most.
      for (let attempt = 1; ; attempt++) {
        const gw = await this.engine.call('create the gateway', () =>
          this.engine.api.createContainer(gatewayOptions(instanceGateway(spec, gatewayName(spec.name)), made.network as string, user)),
        );
        made.gateway = gw.id;
        try {
          return await gw.start();
        } catch (e) {
          if (attempt >= 3 || !/attaching to network failed/.test(messageOf(e))) throw this.engine.wrap(e, 'start the gateway');
          await gw.remove({ force: true }).catch(() => undefined);
        }
      }
    })();
    return made.gatewayStarting;
  }

  async start(ref: InstanceRef): Promise<void> {
    await this.scale(ref, 1);
    await startGateway(this.engine, await this.gatewayOf(ref));
  }

  async stop(ref: InstanceRef): Promise<void> {
    await this.scale(ref, 0);
    await untilTasksDown(this.engine, ref.containerId ?? serviceName(ref.name));
    // The gateway keeps running (~13 MiB): a stopped one can lose its overlay
    // attachment when the task leaves the manager, and then forwards nowhere
    // after a start (seen on a one-node swarm). A stopped instance reports no port.
  }

  /** A new task for the same spec (Swarm's `--force` update); it stays on its node when pinned. */
  async restart(ref: InstanceRef): Promise<void> {
    await this.updateSpec(ref, 'restart', (spec) => {
      const tt = (spec['TaskTemplate'] ?? {}) as { ForceUpdate?: number };
      spec['TaskTemplate'] = { ...tt, ForceUpdate: (tt.ForceUpdate ?? 0) + 1 };
      const mode = spec['Mode'] as { Replicated?: { Replicas?: number } } | undefined;
      spec['Mode'] = { Replicated: { Replicas: Math.max(1, mode?.Replicated?.Replicas ?? 1) } };
    });
    await startGateway(this.engine, await this.gatewayOf(ref));
  }

  async remove(ref: InstanceRef, options: { purge: boolean }): Promise<void> {
    const svcKey = ref.containerId ?? serviceName(ref.name);
    const tasks = this.engine.checked(
      TaskListSchema,
      await this.engine.call('list its tasks', () => this.engine.api.listTasks({ filters: { service: [serviceName(ref.name)] } })),
      'task list',
    );
    const { image, networks, gateway } = await serviceParts(this.engine, svcKey);
    await this.engine.call(
      'remove the gateway',
      () => this.engine.api.getContainer(gateway ?? gatewayName(ref.name)).remove({ force: true }),
      undefined,
      [404],
    );
    await this.engine.call('remove the service', () => this.engine.api.getService(svcKey).remove(), undefined, [404]);
    await this.removeLeftovers(ref, networks);
    await removeClaims(this.engine, ref.id);
    if (!options.purge) return;
    const nodeIds = [...new Set(tasks.flatMap((t) => (t.NodeID ? [t.NodeID] : [])))];
    if (nodeIds.length > 0 && image) await purgeVolumes(this.engine, { name: ref.name, image, volume: swarmVolumeName(ref.name), nodeIds });
  }

  clusterNodes(): Promise<ClusterNode[]> {
    return listClusterNodes(this.engine);
  }

  setNodeAvailability(node: string, availability: NodeAvailability): Promise<void> {
    return setClusterNodeAvailability(this.engine, node, availability);
  }

  logs(ref: InstanceRef, options: LogOptions): Promise<Readable> {
    return readServiceLogs(this.engine, ref, options);
  }

  stats(ref: InstanceRef): Promise<InstanceStats> {
    return Promise.reject(
      new SwarmError(`Stats of ${ref.name} are not supported on a Swarm host yet`, {
        code: 'invalid-input',
        hint: 'Run docker stats on the node that runs it (code-swarm list shows the node)',
      }),
    );
  }

  /**
   * The workspace volume lives on the node the task first runs on, so the
   * instance stays there: as soon as Swarm has chosen a node (before the
   * container starts, so the replaced task costs little), that node becomes a
   * constraint. A task Swarm cannot place yet is left unpinned (its reason shows).
   */
  private async pinToFirstNode(serviceId: string, signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + PIN_WAIT_MS;
    for (;;) {
      const raw = await this.engine.call('list its tasks', () => this.engine.api.listTasks({ filters: { service: [serviceId] } }));
      const nodeId = this.engine.checked(TaskListSchema, raw, 'task list').find((t) => t.NodeID)?.NodeID;
      if (nodeId) {
        await this.updateSpec({ id: serviceId, name: serviceId, containerId: serviceId }, 'pin it to its node', (spec) => {
          const tt = (spec['TaskTemplate'] ?? {}) as { Placement?: { Constraints?: string[] } };
          const constraints = [...(tt.Placement?.Constraints ?? []), `node.id==${nodeId}`];
          spec['TaskTemplate'] = { ...tt, Placement: { ...tt.Placement, Constraints: constraints } };
        });
        return;
      }
      if (Date.now() > deadline) return;
      throwIfAborted(signal);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One instance as a list shows it. */
  private async observe(id: string): Promise<ObservedInstance> {
    const found = (await this.list()).find((o) => o.id === id);
    if (!found) throw new SwarmError(`The service of instance ${id} vanished right after it was made`, { code: 'internal' });
    return found;
  }

  private async scale(ref: InstanceRef, replicas: number): Promise<void> {
    await this.updateSpec(ref, replicas === 0 ? 'stop' : 'start', (spec) => {
      spec['Mode'] = { Replicated: { Replicas: replicas } };
    });
  }

  /** Reads the service, changes its spec, writes it back at the version read (Swarm refuses a stale one). */
  private async updateSpec(ref: InstanceRef, what: string, change: (spec: Record<string, unknown>) => void): Promise<void> {
    const svc = this.engine.api.getService(ref.containerId ?? serviceName(ref.name));
    const info = this.engine.checked(
      ServiceInspectSchema,
      await this.engine.call('inspect the service', () => svc.inspect(), ref),
      'service',
    );
    const spec = { ...info.Spec };
    change(spec);
    await this.engine.call(what, () => svc.update({ ...spec, version: info.Version.Index }), ref);
  }

  /** The gateway's container name: a taken slot's, as its service names it, or the instance's own. */
  private async gatewayOf(ref: InstanceRef): Promise<string> {
    return (await serviceParts(this.engine, ref.containerId ?? serviceName(ref.name))).gateway ?? gatewayName(ref.name);
  }

  /**
   * The overlay and the secret: Swarm frees them a moment after the service
   * is gone. The overlay by its name (made with the instance) or, taken from
   * a slot, by the id the service named, if it is a slot's (labelled ours).
   */
  private async removeLeftovers(ref: InstanceRef, serviceNetworks: readonly string[]): Promise<void> {
    const slotNets = (await this.engine.call('list networks', () =>
      this.engine.api.listNetworks({ filters: { label: [POOL_LABEL] } }),
    )) as { Id: string }[];
    for (const n of slotNets) if (serviceNetworks.includes(n.Id)) await removeNetwork(this.engine, n.Id);
    const secrets = (await this.engine.call('list secrets', () =>
      this.engine.api.listSecrets({ filters: { label: [`${LABEL.instance}=${ref.id}`] } }),
    )) as { ID: string }[];
    const nets = await this.engine.call('list networks', () =>
      this.engine.api.listNetworks({ filters: { name: [overlayName(ref.name)] } }),
    );
    for (let attempt = 0; ; attempt++) {
      try {
        for (const s of secrets)
          await this.engine.call('remove the password secret', () => this.engine.api.getSecret(s.ID).remove(), undefined, [404]);
        for (const n of nets) {
          if (n.Name === overlayName(ref.name))
            await this.engine.call('remove the overlay', () => this.engine.api.getNetwork(n.Id).remove(), undefined, [404]);
        }
        return;
      } catch (e) {
        // In use by the service's last task, or the gateway, for a moment longer.
        if (attempt >= 40) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private async undo(made: Made): Promise<void> {
    const quietly = (p: () => Promise<unknown>) => p().catch(() => undefined);
    if (made.gateway) await quietly(() => this.engine.api.getContainer(made.gateway as string).remove({ force: true }));
    if (made.service) await quietly(() => this.engine.api.getService(made.service as string).remove());
    for (let i = 0; i < 20 && made.network; i++) {
      if (
        await this.engine.api
          .getNetwork(made.network)
          .remove()
          .then(
            () => true,
            (e: unknown) => statusOf(e) === 404,
          )
      )
        break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (made.secret) await quietly(() => this.engine.api.getSecret(made.secret as string).remove());
    if (made.claim) await quietly(() => this.engine.api.getConfig(made.claim as string).remove());
  }
}

/** What a create made so far, undone in reverse when a later step fails. */
interface Made {
  secret?: string;
  network?: string;
  service?: string;
  gateway?: string;
  /** A taken slot's claim. */
  claim?: string;
  /** The gateway's create and start, under way beside the service's. */
  gatewayStarting?: Promise<void>;
}

/** Like Promise.all, but every promise has settled before it returns or throws (so each has recorded what it made); the first in order's error wins. */
async function allOrFirstError<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
