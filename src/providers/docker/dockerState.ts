import type Docker from 'dockerode';
import { z } from 'zod';
import type { InstanceState } from '../../shared/model.js';
import { CODE_SERVER_PORT } from '../common/codeServer.js';
import { ownName } from '../common/instanceName.js';
import { IDLE_LABEL, LABEL, parseIdleLabel, parseSpecLabel, tagsFromLabels, type SpecLabel } from '../common/labels.js';

import type { ObservedInstance } from '../provider.js';
import { PROJECT_DIR } from './containerOptions.js';
import { mountsFromEngine } from './instanceOptions.js';

/** Exit codes of a container that was asked to stop (SIGTERM/SIGKILL/^C). */
const CLEAN_EXIT = new Set([0, 130, 137, 143]);

/** The fields of a container list we read: checked, since the engine's JSON is an edge like any other. */
export const ContainerListSchema = z.array(
  z.object({
    Id: z.string(),
    State: z.string(),
    Created: z.number(),
    Image: z.string(),
    Labels: z.record(z.string(), z.string()).nullable().optional(),
    Ports: z
      .array(z.object({ PrivatePort: z.number(), PublicPort: z.number().optional(), IP: z.string().optional() }))
      .nullable()
      .optional(),
    Mounts: z
      .array(
        z.object({
          Type: z.string().optional(),
          Name: z.string().optional(),
          Source: z.string().optional(),
          Destination: z.string().optional(),
        }),
      )
      .nullable()
      .optional(),
  }),
);

/** Docker's words for a container, in ours. */
export function mapDockerState(state: string, exitCode: number | undefined, error?: string): { state: InstanceState; error?: string } {
  switch (state) {
    case 'created':
      return { state: 'created' };
    case 'running':
      return { state: 'running' };
    case 'restarting':
      return { state: 'starting' };
    case 'paused':
    case 'removing':
      return { state: 'stopped' };
    case 'exited':
      if (exitCode === undefined || CLEAN_EXIT.has(exitCode)) return { state: 'stopped' };
      return { state: 'failed', error: error || `code-server exited with code ${exitCode}` };
    case 'dead':
      return { state: 'failed', error: error || 'the container is dead' };
    default:
      return { state: 'failed', error: `unknown container state "${state}"` };
  }
}

/**
 * A list's rows share one clock, and most share their status ("Up 5
 * minutes"), their spec label and often their creation second: each distinct
 * one is parsed or formatted once per list, not once per row. On a 500-row
 * refresh that was ~4 ms of CPU (docs/PERFORMANCE.md).
 */
export function observedFromList(rows: readonly Docker.ContainerInfo[], now: number): ObservedInstance[] {
  const started = memo((status: string) => startedFromStatus(status, now));
  const stopped = memo((status: string) => stoppedFromStatus(status, now));
  const created = memo((seconds: number) => new Date(seconds * 1000).toISOString());
  const spec = memo((label: string) => parseSpecLabel(label));
  return rows.map((c) => ({
    ...fromListRow(c, spec(c.Labels?.[LABEL.spec] ?? ''), created(c.Created), started(c.Status ?? '')),
    ...idleFields(c.Labels?.[IDLE_LABEL], c.State === 'exited' ? stopped(c.Status ?? '') : undefined),
  }));
}

/** The optional fields of idle auto-stop, left out when there is nothing to say. */
function idleFields(label: string | undefined, stoppedAt: string | undefined): Pick<ObservedInstance, 'idleTimeoutSeconds' | 'stoppedAt'> {
  const seconds = parseIdleLabel(label);
  return { ...(seconds !== undefined ? { idleTimeoutSeconds: seconds } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
}

function memo<K, V>(f: (k: K) => V): (k: K) => V {
  const seen = new Map<K, V>();
  return (k) => {
    if (seen.has(k)) return seen.get(k) as V;
    const v = f(k);
    seen.set(k, v);
    return v;
  };
}

function fromListRow(
  c: Docker.ContainerInfo,
  spec: Partial<SpecLabel>,
  createdAt: string,
  startedAt: string | undefined,
): ObservedInstance {
  const exit = /Exited \((\d+)\)/.exec(c.Status ?? '');
  const mapped = mapDockerState(c.State, exit ? Number(exit[1]) : undefined);
  const port = c.Ports?.find((p) => p.PrivatePort === CODE_SERVER_PORT && p.PublicPort && p.IP === '127.0.0.1')?.PublicPort;
  return {
    id: c.Labels?.[LABEL.instance] ?? c.Id,
    name: c.Labels?.[LABEL.name] ?? nameOfContainer(c.Names?.[0] ?? ''),
    containerId: c.Id,
    image: spec.image ?? c.Image,
    state: mapped.state,
    port,
    storeId: c.Labels?.[LABEL.store],
    cookieSuffix: c.Labels?.[LABEL.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt,
    startedAt,
    error: mapped.error,
    ...options(c.Labels, c.Mounts),
  };
}

/** Tags and mounts, only when there are any: most instances have neither, and a list of hundreds stays lean. */
function options(labels: Record<string, string> | null | undefined, mounts: readonly EngineMountLike[] | null | undefined) {
  const tags = tagsFromLabels(labels);
  const extra = mountsFromEngine(mounts, PROJECT_DIR);
  return { ...(Object.keys(tags).length > 0 ? { tags } : {}), ...(extra.length > 0 ? { mounts: extra } : {}) };
}

type EngineMountLike = Parameters<typeof mountsFromEngine>[0] extends readonly (infer M)[] | null | undefined ? M : never;

/** One container as its inspect reports it. */
export function observedFromInspect(info: Docker.ContainerInspectInfo): ObservedInstance {
  const labels = info.Config.Labels ?? {};
  const mapped = mapDockerState(info.State.Status, info.State.ExitCode, info.State.OOMKilled ? 'killed: out of memory' : info.State.Error);
  const spec = parseSpecLabel(labels[LABEL.spec]);
  const binding = info.NetworkSettings.Ports?.[`${CODE_SERVER_PORT}/tcp`]?.find((b) => b.HostIp === '127.0.0.1');
  return {
    id: labels[LABEL.instance] ?? info.Id,
    name: labels[LABEL.name] ?? nameOfContainer(info.Name),
    containerId: info.Id,
    image: spec.image ?? info.Config.Image,
    state: mapped.state,
    port: binding ? Number(binding.HostPort) : undefined,
    storeId: labels[LABEL.store],
    cookieSuffix: labels[LABEL.cookieSuffix],
    cpus: spec.cpus,
    memoryBytes: spec.memoryBytes,
    createdAt: info.Created,
    startedAt: info.State.StartedAt,
    error: mapped.error,
    ...idleFields(labels[IDLE_LABEL], info.State.Status === 'exited' ? realTime(info.State.FinishedAt) : undefined),
    ...options(labels, info.Mounts),
  };
}

/** Docker's "never" is year 1. */
function realTime(iso: string | undefined): string | undefined {
  return iso && !iso.startsWith('0001-') ? iso : undefined;
}

/** Docker names a container "/code-swarm-web": the instance is "web" (a stranger's name is kept whole). */
function nameOfContainer(dockerName: string): string {
  const bare = dockerName.replace(/^\//, '');
  return ownName(bare) ?? bare;
}

const UNIT_MS: Record<string, number> = {
  second: 1e3,
  minute: 60e3,
  hour: 3600e3,
  day: 86400e3,
  week: 604800e3,
  month: 2592000e3,
  year: 31536000e3,
};

/**
 * The list call carries no start time, only Docker's "Up 5 minutes"; turning
 * that into an approximate start keeps uptime visible without one inspect
 * call per container.
 */
export function startedFromStatus(status: string | undefined, now: number): string | undefined {
  return timeFromStatus(/^Up (Less than a second|About an? (\w+)|(\d+) (\w+?)s?)\b/.exec(status ?? ''), now);
}

/** "Exited (0) 5 minutes ago": when it stopped, as nearly as the list says. */
export function stoppedFromStatus(status: string | undefined, now: number): string | undefined {
  return timeFromStatus(/^Exited \(\d+\) (Less than a second|About an? (\w+)|(\d+) (\w+?)s?) ago\b/.exec(status ?? ''), now);
}

function timeFromStatus(m: RegExpExecArray | null, now: number): string | undefined {
  if (!m) return undefined;
  let ms = 0;
  if (m[2]) ms = UNIT_MS[m[2]] ?? 0;
  else if (m[3] && m[4]) ms = Number(m[3]) * (UNIT_MS[m[4]] ?? 0);
  return new Date(now - ms).toISOString();
}
