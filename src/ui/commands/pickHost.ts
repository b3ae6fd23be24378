import * as vscode from 'vscode';
import { SwarmError } from '../../shared/errors.js';
import type { HostResources } from '../../core/swarm.js';
import type { HostView } from '../../core/views.js';
import { cancelled } from '../cancelled.js';
import { describeHost } from '../model/describeHost.js';
import { capacityText } from '../model/describeUsage.js';
import type { Services } from '../services.js';
import { HostNode } from '../tree/hostNode.js';
import type { NodeArg } from './commandHandler.js';

/** The host a command acts on: the clicked row, a name given by a script, or a pick. */
export async function pickHost(services: Services, node: NodeArg, verb: string): Promise<HostView> {
  const hosts = await services.swarm.hosts();
  const wanted = node instanceof HostNode ? node.name : typeof node === 'string' ? node : undefined;
  if (wanted !== undefined) {
    const host = hosts.find((h) => h.name === wanted);
    if (!host)
      throw new SwarmError(`Unknown host "${wanted}"`, { code: 'not-found', hint: 'Refresh the Code Swarm view to see the hosts' });
    return host;
  }
  if (hosts.length === 0) throw noHosts();
  const items = hosts.map((h) => hostItem(h));
  const picked = await vscode.window.showQuickPick(items, { title: `Code Swarm: ${verb}`, placeHolder: 'Host', matchOnDescription: true });
  if (!picked) throw cancelled();
  return picked.host;
}

/** A host in a picker; with its figures, the detail line says how much room it has (and whether it is the proposed one). */
export function hostItem(h: HostView, resources?: HostResources, proposed = false): vscode.QuickPickItem & { host: HostView } {
  const look = describeHost(h, h.instanceCount);
  const room = resources && h.reachability !== 'down' ? capacityText(resources) : undefined;
  const detail = room === undefined ? undefined : proposed ? `$(star-full) most room: ${room}` : room;
  return {
    label: h.name,
    description: `${h.kind === 'local' ? 'this machine' : h.address} · ${look.description}`,
    ...(detail !== undefined ? { detail } : {}),
    iconPath: new vscode.ThemeIcon(look.iconId, look.colorId === undefined ? undefined : new vscode.ThemeColor(look.colorId)),
    host: h,
  };
}

export function noHosts(): SwarmError {
  return new SwarmError('There is no host yet', {
    code: 'not-found',
    hint: 'Add one first: Code Swarm: Add SSH Host, or Code Swarm: Use Local Docker',
  });
}
