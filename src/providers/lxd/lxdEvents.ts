import { z } from 'zod';
import { ownName } from '../common/instanceName.js';
import type { EngineChange, EngineEvents } from '../provider.js';
import type { LxdDaemon } from './lxdDaemon.js';

/** Lifecycle actions that can change what a list shows; not file, log or exec traffic. */
const WATCHED_ACTIONS = new Set([
  'instance-created',
  'instance-started',
  'instance-stopped',
  'instance-shutdown',
  'instance-restarted',
  'instance-deleted',
  'instance-renamed',
  'instance-paused',
  'instance-resumed',
  'instance-restored',
  'instance-updated',
]);
const LifecycleSchema = z.object({
  type: z.literal('lifecycle'),
  metadata: z.object({ action: z.string(), source: z.string() }),
});

/**
 * The change a lifecycle event reports, if it is about one of our instances
 * ("/1.0/instances/code-swarm-web?project=default" is web's).
 */
export function lxdChangeOf(text: string): EngineChange | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { id: undefined, name: undefined, action: 'unknown' };
  }
  const e = LifecycleSchema.safeParse(json);
  if (!e.success || !WATCHED_ACTIONS.has(e.data.metadata.action)) return undefined;
  const m = /^\/1\.0\/instances\/([^/?]+)/.exec(e.data.metadata.source);
  let instance: string | undefined;
  try {
    instance = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  } catch {
    // A malformed escape is not a name of ours (ours are [a-z0-9-]); it must not throw in the message handler.
    return undefined;
  }
  const name = instance === undefined ? undefined : ownName(instance);
  return name === undefined ? undefined : { id: undefined, name, action: e.data.metadata.action };
}

/**
 * LXD's lifecycle events (/1.0/events, a websocket on the daemon's socket),
 * filtered here to our instances: LXD cannot filter by name or key.
 */
export function watchLxd(daemon: LxdDaemon, onChange: (change: EngineChange) => void): Promise<EngineEvents> {
  return daemon.call('watch instance events', (api) =>
    api.subscribe('/1.0/events?type=lifecycle', (text) => {
      const change = lxdChangeOf(text);
      if (change) onChange(change);
    }),
  );
}
