import type Docker from 'dockerode';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { messageOf, statusOf } from '../docker/dockerErrors.js';

/**
 * Starts an instance's gateway (by its container's name). When nothing on the manager used the
 * instance's overlay while it was stopped (its task ran there too, as on a
 * one-node swarm), Swarm took the network off the node, and the stopped
 * container cannot start again ("network … not found"): it is then made anew
 * from its own configuration, which attaches it to the overlay afresh (its
 * loopback port is chosen anew; the next list reads it).
 */
export async function startGateway(engine: DockerEngine, gateway: string): Promise<void> {
  const container = engine.api.getContainer(gateway);
  try {
    await container.start();
    return;
  } catch (e) {
    if (statusOf(e) === 304) return;
    if (statusOf(e) !== 404 || !/network .* not found/.test(messageOf(e))) throw engine.wrap(e, 'start the gateway');
  }
  const info = await engine.call('inspect the gateway', () => container.inspect());
  await engine.call('remove the gateway', () => container.remove({ force: true }), undefined, [404]);
  const fresh = await engine.call('create the gateway', () => engine.api.createContainer(recreateOptions(info)));
  await engine.call('start the gateway', () => fresh.start());
}

/** A container's create options, as it was created (inspect's Config and HostConfig). */
function recreateOptions(info: Docker.ContainerInspectInfo): Docker.ContainerCreateOptions {
  const c = info.Config;
  return {
    name: info.Name.replace(/^\//, ''),
    Image: c.Image,
    User: c.User,
    Entrypoint: c.Entrypoint ?? undefined,
    Cmd: c.Cmd ?? [],
    Labels: c.Labels,
    ExposedPorts: c.ExposedPorts,
    HostConfig: info.HostConfig,
  } as Docker.ContainerCreateOptions;
}
