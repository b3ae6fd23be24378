import { formatIdleTimeout } from '../core/idleTimeout.js';
import type { HealthReport, HostTestResult, HostView, InstanceView } from '../core/views.js';

/** The CLI's only door to stdout/stderr: everything printed goes through here. */
export interface Output {
  readonly json: boolean;
  line(text: string): void;
  error(text: string): void;
  data(value: unknown, human: () => string): void;
  /** Bytes as they come (log streams). */
  raw(chunk: Buffer | string): void;
}

export function createOutput(
  json: boolean,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Output {
  return {
    json,
    line: (text) => void out.write(text + '\n'),
    error: (text) => void err.write(text + '\n'),
    data(value, human) {
      out.write((json ? JSON.stringify(value) : human()) + '\n');
    },
    raw: (chunk) => void out.write(chunk),
  };
}

/** The documented --json shape of an instance (ARCHITECTURE.md); extra fields are additive. */
export function instanceJson(v: InstanceView): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    host: v.host,
    provider: v.provider,
    state: v.state,
    health: v.health,
    image: v.image,
    createdAt: v.createdAt,
    cpus: v.cpus,
    memoryBytes: v.memoryBytes,
    ...(v.diskBytes !== undefined ? { diskBytes: v.diskBytes } : {}),
    port: v.port ?? null,
    error: v.error ?? null,
    ...(v.node !== undefined ? { node: v.node } : {}),
    tags: v.tags ?? {},
    ...(v.envNames !== undefined ? { env: v.envNames } : {}),
    ...(v.mounts !== undefined ? { mounts: v.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly })) } : {}),
    ...(v.gpus !== undefined ? { gpus: v.gpus } : {}),
    ...(v.buildLogTail !== undefined ? { buildLogTail: v.buildLogTail } : {}),
    ...(v.forwardPorts !== undefined ? { forwardPorts: v.forwardPorts } : {}),
    ...(v.unsupported !== undefined ? { unsupported: v.unsupported } : {}),
    ...idleJson(v),
  };
}

/** Idle auto-stop's fields (docs/IDLE.md), each only where it applies. */
function idleJson(v: InstanceView): Record<string, unknown> {
  return {
    ...(v.idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds: v.idleTimeoutSeconds } : {}),
    ...(v.idleEnforcedBy !== undefined ? { idleEnforcedBy: v.idleEnforcedBy } : {}),
    ...(v.stoppedReason !== undefined ? { stoppedReason: v.stoppedReason } : {}),
    ...(v.stoppedAt !== undefined ? { stoppedAt: v.stoppedAt } : {}),
    ...(v.idle?.lastActivityAt !== undefined ? { lastActivityAt: v.idle.lastActivityAt } : {}),
    ...(v.idle?.stopsAt !== undefined ? { idleStopsAt: v.idle.stopsAt } : {}),
  };
}

export function hostJson(h: HostView): Record<string, unknown> {
  return {
    name: h.name,
    kind: h.kind,
    provider: h.provider,
    address: h.address,
    reachability: h.reachability,
    engineVersion: h.engineVersion ?? null,
    instances: h.instanceCount,
    ...(h.note !== undefined ? { note: h.note } : {}),
  };
}

export function hostTestJson(t: HostTestResult): Record<string, unknown> {
  return {
    name: t.name,
    ok: t.ok,
    provider: t.provider,
    engineVersion: t.engineVersion ?? null,
    latencyMs: t.latencyMs ?? null,
    ...(t.error ? { error: t.error } : {}),
    ...(t.nodes ? { nodes: t.nodes.map((n) => ({ name: n.name, role: n.role, state: n.state, availability: n.availability })) } : {}),
  };
}

export function healthJson(h: HealthReport): Record<string, unknown> {
  return { name: h.name, health: h.health, httpStatus: h.httpStatus ?? null, latencyMs: h.latencyMs };
}

export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n');
}

export function formatBytes(n: number): string {
  const gib = n / 1024 ** 3;
  return gib >= 1 ? `${+gib.toFixed(2)}g` : `${Math.round(n / 1024 ** 2)}m`;
}

export function instanceLine(v: InstanceView): string {
  const idle =
    v.stoppedReason === 'idle' && v.idleTimeoutSeconds !== undefined ? ` (idle for ${formatIdleTimeout(v.idleTimeoutSeconds)})` : '';
  return `${v.name} on ${v.host}: ${v.state}${idle}, ${v.health}${v.error ? ` (${v.error})` : ''}`;
}

export function instancesTable(list: readonly InstanceView[]): string {
  if (list.length === 0) return 'No instances. Create one: code-swarm create NAME --host HOST';
  return table([
    ['NAME', 'HOST', 'STATE', 'HEALTH', 'IMAGE', 'CPUS', 'MEMORY'],
    ...list.map((v) => [v.name, v.host, v.state, v.health, v.image, String(v.cpus), formatBytes(v.memoryBytes)]),
  ]);
}

export function hostsTable(list: readonly HostView[]): string {
  if (list.length === 0) return 'No hosts. Add one: code-swarm hosts add NAME --local (or --ssh USER@HOST)';
  return table([
    ['NAME', 'KIND', 'PROVIDER', 'ADDRESS', 'INSTANCES'],
    ...list.map((h) => [h.name, h.kind, h.provider, h.address, String(h.instanceCount)]),
  ]);
}
