import type { HostRecord } from '../shared/model.js';
import type { HostLink } from '../transport/hostLink.js';
import type { HostRegistry } from './hostRegistry.js';

/**
 * A host added without --provider whose Docker engine turns out to be a
 * Swarm manager stays a plain Docker host: the contract makes Docker the
 * default for a Docker engine, a manager runs plain containers as well as
 * any engine, and a swarm host changes where instances run and where their
 * workspaces live (pinned to a node), which the user should choose. This is
 * the one-line note that says the choice exists; undefined for any other engine.
 */
export async function swarmManagerNote(registry: HostRegistry, link: HostLink, record: HostRecord): Promise<string | undefined> {
  if (record.provider !== 'docker') return undefined;
  try {
    // The swarm provider's engineInfo fails unless the engine is an active manager.
    const info = await registry.providerFor(link, { ...record, provider: 'swarm' }).engineInfo();
    const nodes = info.nodes?.length ?? 0;
    return (
      `${record.name} is a Swarm manager (${nodes} node${nodes === 1 ? '' : 's'}): added as a plain Docker host, its instances run on it alone; ` +
      `to let Swarm place them across the nodes, remove it and add it again with --provider swarm`
    );
  } catch {
    return undefined;
  }
}
