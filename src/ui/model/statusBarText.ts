import type { InstanceView } from '../../core/views.js';
import { instanceIcon, instanceStatusText } from './describeInstance.js';
import { escapeMarkdown } from './format.js';

export interface StatusBarText {
  /** With codicons: `$(server-environment) 3/4`. */
  readonly text: string;
  /** True when any instance needs attention: the item gets the warning background. */
  readonly warning: boolean;
  /** Markdown with codicons. */
  readonly tooltip: string;
  readonly ariaLabel: string;
}

const ICON = '$(server-environment)';

export function needsAttention(v: InstanceView): boolean {
  return v.health === 'unhealthy' || v.health === 'unreachable' || v.state === 'failed' || v.state === 'missing';
}

/** Swarm health at a glance: healthy / total of the running or starting instances. */
export function statusBarText(views: readonly InstanceView[], now: number): StatusBarText {
  const live = views.filter((v) => v.state === 'running' || v.state === 'starting');
  const healthy = live.filter((v) => v.health === 'healthy').length;
  const warning = views.some(needsAttention);
  const text = live.length === 0 ? `${ICON} 0` : `${ICON} ${healthy}/${live.length}`;
  const summary = live.length === 0 ? 'no running instances' : `${healthy} of ${live.length} running instances healthy`;
  const lines = [`**Code Swarm**: ${summary}`, ''];
  if (views.length === 0) lines.push('No instances yet. Click to open Code Swarm.');
  for (const v of views) {
    const { iconId } = instanceIcon(v.state, v.health);
    lines.push(`- $(${iconId}) **${escapeMarkdown(v.name)}** on ${escapeMarkdown(v.host)}: ${escapeMarkdown(instanceStatusText(v, now))}`);
  }
  return { text, warning, tooltip: lines.join('\n'), ariaLabel: `Code Swarm: ${summary}${warning ? ', some need attention' : ''}` };
}
