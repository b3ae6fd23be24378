import * as vscode from 'vscode';
import { SwarmError } from '../../shared/errors.js';
import type { InstanceState } from '../../shared/model.js';
import type { InstanceView } from '../../core/views.js';
import { cancelled } from '../cancelled.js';
import { instanceIcon, instanceStatusText } from '../model/describeInstance.js';
import type { Services } from '../services.js';
import { InstanceNode } from '../tree/instanceNode.js';
import type { TreeNode } from '../tree/treeNode.js';
import type { NodeArg } from './commandHandler.js';

export interface InstanceFilter {
  /** States the command applies to; undefined means any. */
  readonly states?: readonly InstanceState[];
  /** For the picker and messages: "start", "open". */
  readonly verb: string;
}

/**
 * The instances a command acts on: the tree selection when the clicked row is
 * part of it (multi-select), else the clicked row, an instance name passed by
 * a script, or, from the palette, a pick among the instances it applies to.
 */
export async function pickInstances(
  services: Services,
  node: NodeArg,
  nodes: readonly TreeNode[] | undefined,
  filter: InstanceFilter,
): Promise<InstanceView[]> {
  const views = await services.swarm.views();
  const applies = (v: InstanceView) => filter.states === undefined || filter.states.includes(v.state);
  if (node instanceof InstanceNode) {
    const selected = nodes?.includes(node) ? nodes : [node];
    const ids = new Set(selected.filter((n) => n instanceof InstanceNode).map((n) => n.id));
    const chosen = views.filter((v) => ids.has(v.id));
    const usable = chosen.filter(applies);
    if (usable.length === 0) throw notApplicable(filter, chosen);
    if (usable.length < chosen.length) {
      services.log.info(
        `${filter.verb}: skipping ${chosen
          .filter((v) => !applies(v))
          .map((v) => `${v.name} (${v.state})`)
          .join(', ')}`,
      );
    }
    return usable;
  }
  if (typeof node === 'string') {
    const view = views.find((v) => v.name === node);
    if (!view)
      throw new SwarmError(`Unknown instance "${node}"`, { code: 'not-found', hint: 'Refresh the Code Swarm view to see what exists' });
    if (!applies(view)) throw notApplicable(filter, [view]);
    return [view];
  }
  const candidates = views.filter(applies);
  if (candidates.length === 0) throw notApplicable(filter, []);
  const items = candidates.map((v) => {
    const { iconId, colorId } = instanceIcon(v.state, v.health);
    return {
      label: v.name,
      description: `${v.host} · ${instanceStatusText(v, Date.now())}`,
      iconPath: new vscode.ThemeIcon(iconId, colorId === undefined ? undefined : new vscode.ThemeColor(colorId)),
      view: v,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Code Swarm: ${capitalize(filter.verb)}`,
    placeHolder: `Instance to ${filter.verb}`,
    matchOnDescription: true,
  });
  if (!picked) throw cancelled();
  return [picked.view];
}

export async function pickInstance(services: Services, node: NodeArg, filter: InstanceFilter): Promise<InstanceView> {
  const [first] = await pickInstances(services, node, undefined, filter);
  return first!;
}

function notApplicable(filter: InstanceFilter, chosen: readonly InstanceView[]): SwarmError {
  const which = filter.states ? filter.states.join(' or ') : 'any';
  if (chosen.length === 1) {
    const v = chosen[0]!;
    return new SwarmError(`${v.name} is ${v.state}; only ${which} instances can be asked to ${filter.verb}`, { code: 'conflict' });
  }
  return new SwarmError(`No ${which === 'any' ? '' : `${which} `}instance to ${filter.verb}`, {
    code: 'not-found',
    hint: 'Create one with Code Swarm: Create Instance, or refresh the view',
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
