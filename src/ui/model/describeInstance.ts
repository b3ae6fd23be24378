import type { Health, InstanceState } from '../../shared/model.js';
import type { InstanceUsage } from '../../core/swarm.js';
import type { HostReachability, InstanceView } from '../../core/views.js';
import { instanceContextValue, type InstanceContextValue } from './contextValues.js';
import { usageLines, usageShort } from './describeUsage.js';
import { formatIdleTimeout } from '../../core/idleTimeout.js';
import { tagsText } from './instanceFilter.js';

import { codeSpan, escapeMarkdown, formatBytes, formatDuration, formatTimestamp, plural } from './format.js';

export interface InstanceLook {
  readonly label: string;
  readonly description: string;
  /** A codicon id (`vm-running`, `loading~spin`, ...). */
  readonly iconId: string;
  /** A theme color id, or undefined for the default foreground. */
  readonly colorId: string | undefined;
  readonly contextValue: InstanceContextValue;
  /** Markdown. */
  readonly tooltip: string;
}

export interface InstanceLookContext {
  readonly now: number;
  readonly hostReachability?: HostReachability;
  /** Local port of an open tunnel to this instance, if any. */
  readonly tunnelPort?: number;
  /** Its last resource figures, if a stats round read them. */
  readonly usage?: InstanceUsage;
}

export interface InstanceIcon {
  readonly iconId: string;
  readonly colorId: string | undefined;
}

const PASSED = 'testing.iconPassed';
const FAILED = 'testing.iconFailed';
const WARNING = 'list.warningForeground';

/** The icon tells state and health at a glance; an unreachable host wins over both. */
export function instanceIcon(state: InstanceState, health: Health, hostDown = false): InstanceIcon {
  if (hostDown || health === 'unreachable') return { iconId: 'debug-disconnect', colorId: WARNING };
  switch (state) {
    case 'failed':
    case 'missing':
      return { iconId: 'error', colorId: FAILED };
    case 'starting':
      return { iconId: 'loading~spin', colorId: undefined };
    case 'stopped':
    case 'created':
      return { iconId: 'vm-outline', colorId: undefined };
    case 'running':
      if (health === 'healthy') return { iconId: 'vm-running', colorId: PASSED };
      if (health === 'starting') return { iconId: 'loading~spin', colorId: undefined };
      if (health === 'unhealthy') return { iconId: 'error', colorId: FAILED };
      return { iconId: 'vm-running', colorId: undefined };
  }
}

/** `running · healthy · up 5m`, `stopped`, `stopped: idle for 30 min`, `failed`, `stopped · host unreachable`. */
export function instanceStatusText(view: InstanceView, now: number, hostDown = false): string {
  const parts: string[] = [stateText(view)];
  if (view.state === 'running' || view.state === 'starting') {
    if (hostDown) parts.push('unreachable');
    else if (view.health !== 'unknown' && view.health !== view.state) parts.push(view.health);
    if (view.state === 'running' && view.startedAt !== undefined) {
      const since = Date.parse(view.startedAt);
      if (!Number.isNaN(since)) parts.push(`up ${formatDuration(now - since)}`);
    }
    const countdown = idleCountdown(view, now);
    if (countdown !== undefined && !hostDown) parts.push(countdown);
  } else if (hostDown) {
    parts.push('host unreachable');
  }
  return parts.join(' · ');
}

/** The state, and why it stopped where that is worth a word. */
function stateText(view: InstanceView): string {
  if (view.state === 'stopped' && view.stoppedReason === 'idle' && view.idleTimeoutSeconds !== undefined) {
    return `stopped: idle for ${formatIdleTimeout(view.idleTimeoutSeconds)}`;
  }
  return view.state;
}

/** `active` while something keeps it alive, `idle, stops in 12m` while it counts down. */
export function idleCountdown(view: InstanceView, now: number): string | undefined {
  const idle = view.idle;
  if (view.idleTimeoutSeconds === undefined || idle === undefined) return undefined;
  if (idle.active) return 'active';
  if (idle.stopsAt === undefined) return undefined;
  const left = Date.parse(idle.stopsAt) - now;
  return left > 0 ? `idle, stops in ${formatDuration(left)}` : 'idle, stopping';
}

/** The tooltip's lines about the idle timeout: what it is, who applies it, what kept it alive, why it stopped. */
function idleLines(view: InstanceView, now: number): string[] {
  if (view.idleTimeoutSeconds === undefined) return view.state === 'running' ? ['- Idle timeout: off'] : [];
  const by =
    view.idleEnforcedBy === 'code-swarm'
      ? ' (applied by Code Swarm while VS Code or the CLI runs)'
      : view.idleEnforcedBy === 'code-server'
        ? ' (applied by code-server, also with VS Code closed)'
        : '';
  const lines = [`- Idle timeout: ${formatIdleTimeout(view.idleTimeoutSeconds)}${by}`];
  const idle = view.state === 'running' ? view.idle : undefined;
  if (idle) {
    const last =
      idle.lastActivityAt === undefined ? 'none since it started' : `${formatDuration(now - Date.parse(idle.lastActivityAt))} ago`;
    lines.push(`- Last activity: ${last}`);
    if (idle.active) {
      lines.push(
        idle.keptAliveBy === 'tunnel'
          ? "- Kept alive by: an open tab through this window's tunnel"
          : '- Kept alive by: a connection from elsewhere (a tab or tunnel of another window or the CLI)',
      );
    } else if (idle.stopsAt !== undefined) {
      lines.push(`- Stops at ${formatTimestamp(idle.stopsAt)} unless a tab or tunnel opens`);
    }
  }
  if (view.state === 'stopped' && view.stoppedReason !== undefined) {
    const why = { idle: 'its idle timeout', user: 'a Stop', external: 'something outside Code Swarm (a stop by hand, its host)' };
    const at = view.stoppedAt !== undefined ? ` at ${formatTimestamp(view.stoppedAt)}` : '';
    lines.push(`- Stopped by ${why[view.stoppedReason]}${at}; Open starts it again`);
  }
  return lines;
}

export function describeInstance(view: InstanceView, ctx: InstanceLookContext): InstanceLook {
  const hostDown = ctx.hostReachability === 'down';
  const { iconId, colorId } = instanceIcon(view.state, view.health, hostDown);
  const status = instanceStatusText(view, ctx.now, hostDown);
  const usage = view.state === 'running' && !hostDown ? ctx.usage : undefined;
  return {
    label: view.name,
    // On a Swarm host the cluster chose the node: the row says which.
    description: [
      status,
      ...(view.node !== undefined ? [`on ${view.node}`] : []),
      ...(usage ? [usageShort(usage)] : []),
      // Tags last: they are what a filter picks rows by, so the row shows them.
      ...(view.tags && Object.keys(view.tags).length > 0 ? [tagsText(view.tags)] : []),
    ].join(' · '),
    iconId,
    colorId,
    contextValue: instanceContextValue(view.state),
    tooltip: instanceTooltip(view, status, ctx, usage),
  };
}

function instanceTooltip(view: InstanceView, status: string, ctx: InstanceLookContext, usage: InstanceUsage | undefined): string {
  const lines = [`**${escapeMarkdown(view.name)}** on ${escapeMarkdown(view.host)} — ${escapeMarkdown(status)}`, ''];
  // The tunnel URL's token is a credential: show the bare address only.
  if (ctx.tunnelPort !== undefined) lines.push(`- URL: ${codeSpan(`http://127.0.0.1:${ctx.tunnelPort}/`)} (tunnel open)`);
  else if (view.state === 'running') lines.push('- URL: opened through a Code Swarm tunnel by *Open*');
  if (view.node !== undefined) lines.push(`- Node: ${escapeMarkdown(view.node)} (Swarm)`);
  lines.push(`- Image: ${codeSpan(view.image)}`);
  const disk = view.diskBytes !== undefined ? ` · disk quota ${formatBytes(view.diskBytes)}` : '';
  lines.push(`- Resources: ${plural(view.cpus, 'CPU')} · ${formatBytes(view.memoryBytes)}${disk}`);
  if (usage) lines.push(...usageLines(usage));
  lines.push(...optionLines(view));
  lines.push(`- Created: ${formatTimestamp(view.createdAt)}`);
  if (view.port !== undefined) lines.push(`- Port: ${codeSpan(`127.0.0.1:${view.port}`)} on ${escapeMarkdown(view.host)}`);
  if (view.healthLatencyMs !== undefined) lines.push(`- Health check: ${Math.round(view.healthLatencyMs)} ms`);
  lines.push(...idleLines(view, ctx.now));
  if (view.state === 'missing') lines.push('- Its container is gone from the host; delete it here to forget it');
  if (view.error !== undefined && view.error !== '') lines.push(`- Error: ${escapeMarkdown(view.error)}`);
  return lines.join('\n');
}

/** Tags, mounts, GPUs and the names of its environment variables; never their values (they may be secrets). */
function optionLines(view: InstanceView): string[] {
  const lines: string[] = [];
  const tags = Object.entries(view.tags ?? {});
  if (tags.length > 0) lines.push(`- Tags: ${tags.map(([k, v]) => codeSpan(v === '' ? k : `${k}=${v}`)).join(' ')}`);
  for (const m of view.mounts ?? [])
    lines.push(`- Mount: ${codeSpan(m.source)} → ${codeSpan(m.target)}${m.readOnly ? ' (read-only)' : ''}`);
  if (view.gpus !== undefined) lines.push(`- GPUs: ${view.gpus === 'all' ? 'all' : String(view.gpus)}`);
  if (view.envNames && view.envNames.length > 0) lines.push(`- Environment: ${view.envNames.map(codeSpan).join(' ')} (values not shown)`);
  return lines;
}
