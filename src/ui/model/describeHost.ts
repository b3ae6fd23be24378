import type { HostResources } from '../../core/swarm.js';
import type { HostView } from '../../core/views.js';
import { hostContextValue, type HostContextValue } from './contextValues.js';
import { hostResourceLines } from './describeUsage.js';
import { codeSpan, escapeMarkdown, plural } from './format.js';

export interface HostLook {
  readonly label: string;
  readonly description: string;
  readonly iconId: string;
  readonly colorId: string | undefined;
  readonly contextValue: HostContextValue;
  /** Markdown. */
  readonly tooltip: string;
}

const REACHABILITY_TEXT = { up: 'reachable', down: 'unreachable', unknown: 'not contacted yet' } as const;

/** `docker · 3 instances`, `lxd · no instances · unreachable`. */
export function describeHost(view: HostView, instanceCount: number, resources?: HostResources): HostLook {
  const parts = [view.provider, instanceCount === 0 ? 'no instances' : plural(instanceCount, 'instance')];
  if (view.reachability === 'down') parts.push('unreachable');
  return {
    label: view.name,
    description: parts.join(' · '),
    iconId: view.reachability === 'up' ? 'server-environment' : 'server',
    colorId: view.reachability === 'up' ? 'testing.iconPassed' : view.reachability === 'down' ? 'testing.iconFailed' : undefined,
    contextValue: hostContextValue(view.reachability),
    tooltip: hostTooltip(view, view.reachability === 'down' ? undefined : resources),
  };
}

function hostTooltip(view: HostView, resources: HostResources | undefined): string {
  const lines = [`**${escapeMarkdown(view.name)}** — ${REACHABILITY_TEXT[view.reachability]}`, ''];
  lines.push(view.kind === 'local' ? '- Address: this machine (local Docker socket)' : `- Address: ${codeSpan(view.address)} over SSH`);
  // The core's version text names the engine already ("Docker 20.10.24 (API 1.41)").
  lines.push(`- Engine: ${view.engineVersion ? escapeMarkdown(view.engineVersion) : view.provider}`);
  if (view.latencyMs !== undefined) lines.push(`- Round trip: ${view.latencyMs} ms`);
  if (resources) lines.push(...hostResourceLines(resources).map(escapeFigures));
  if (view.error !== undefined && view.error !== '') lines.push(`- Error: ${escapeMarkdown(view.error)}`);
  if (view.reachability === 'down') lines.push('', '*Test Host* retries the connection; the other hosts are not affected.');
  return lines.join('\n');
}

/** The figures' text is ours, but an error inside it comes from the host: keep it from turning into Markdown. */
function escapeFigures(line: string): string {
  return line.startsWith('- ') ? `- ${escapeMarkdown(line.slice(2))}` : escapeMarkdown(line);
}
