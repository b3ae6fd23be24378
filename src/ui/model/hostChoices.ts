import { rankByRoom, roomOf } from '../../core/hostRoom.js';
import type { HostResources } from '../../core/swarm.js';
import type { HostView } from '../../core/views.js';

export interface HostChoices {
  /** The hosts in the order to offer them: most room first, unknown room next, unreachable last. */
  readonly order: readonly HostView[];
  /** The host to propose: the reachable one with the most room, or the first reachable one when no room is known. */
  readonly proposed: string | undefined;
}

/** Orders the hosts for the Create wizard's host step by what they have room for. */
export function hostChoices(hosts: readonly HostView[], figures: ReadonlyMap<string, HostResources>): HostChoices {
  const up = hosts.filter((h) => h.reachability !== 'down');
  const ranked = rankByRoom(up.flatMap((h) => figures.get(h.name) ?? []));
  const rank = (h: HostView) => {
    if (h.reachability === 'down') return Number.MAX_SAFE_INTEGER;
    const i = ranked.indexOf(h.name);
    return i === -1 ? ranked.length : i;
  };
  const order = [...hosts].sort((a, b) => rank(a) - rank(b));
  const withRoom = order.find((h) => {
    const f = figures.get(h.name);
    return h.reachability !== 'down' && f !== undefined && (roomOf(f) ?? 0) > 0;
  });
  return { order, proposed: (withRoom ?? up[0])?.name };
}
