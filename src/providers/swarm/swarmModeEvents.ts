import type { Readable } from 'node:stream';
import { z } from 'zod';
import { ownName } from '../common/instanceName.js';
import { readEventLines } from '../common/readEventLines.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import type { EngineChange, EngineEvents } from '../provider.js';

const EventSchema = z.object({
  Type: z.string().optional(),
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).nullish() }).nullish(),
});

/** One line of the manager's /events: a service names its instance; a node change concerns them all (a list tells which). */
export function swarmModeChangeOf(line: string): EngineChange {
  const e = EventSchema.safeParse(JSON.parse(line));
  if (!e.success) return { id: undefined, name: undefined, action: 'unknown' };
  const service = e.data.Type === 'service' ? e.data.Actor?.Attributes?.['name'] : undefined;
  return {
    id: undefined,
    name: service !== undefined ? ownName(service) : undefined,
    action: `${e.data.Type ?? 'swarm'}-${e.data.Action}`,
  };
}

/**
 * The manager's service and node events (cluster-wide: a `docker service
 * scale` or `docker node update --availability drain` by hand shows at once).
 * A task that dies on a worker is no manager event: the next refresh sees it.
 * Service events carry no labels, so every service's are read; a stranger's
 * costs one list.
 */
export async function watchSwarmMode(engine: DockerEngine, onChange: (change: EngineChange) => void): Promise<EngineEvents> {
  const abort = new AbortController();
  const stream = (await engine.call('watch swarm events', () =>
    engine.streams.getEvents({ filters: { type: ['service', 'node'] }, abortSignal: abort.signal }),
  )) as unknown as Readable;
  return readEventLines(stream, abort, `Swarm events on ${engine.link.label}`, swarmModeChangeOf, onChange);
}
