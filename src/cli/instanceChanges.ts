import type { InstanceState } from '../shared/model.js';
import type { InstanceView } from '../core/views.js';

/** One instance whose state, port or existence differs between two lists of a host. */
export interface InstanceChange {
  readonly name: string;
  readonly host: string;
  /** null: it was not there before. */
  readonly from: InstanceState | null;
  /** null: it is not there any more. */
  readonly to: InstanceState | null;
  readonly port: number | null;
}

/** What changed from `before` to `after` (views of the same hosts), in name order. */
export function instanceChanges(before: readonly InstanceView[], after: readonly InstanceView[]): InstanceChange[] {
  const was = new Map(before.map((v) => [v.name, v]));
  const is = new Map(after.map((v) => [v.name, v]));
  const changes: InstanceChange[] = [];
  for (const name of [...new Set([...was.keys(), ...is.keys()])].sort()) {
    const a = was.get(name);
    const b = is.get(name);
    if (a && b && a.state === b.state && a.port === b.port) continue;
    const host = (b ?? a)?.host ?? '';
    changes.push({ name, host, from: a?.state ?? null, to: b?.state ?? null, port: b?.port ?? null });
  }
  return changes;
}

/** `web on alpha: running → stopped`, `web on alpha: new, running`, `web on alpha: gone`. */
export function changeLine(c: InstanceChange): string {
  if (c.from === null) return `${c.name} on ${c.host}: new, ${c.to ?? 'unknown'}`;
  if (c.to === null) return `${c.name} on ${c.host}: gone`;
  if (c.from === c.to) return `${c.name} on ${c.host}: ${c.to}, now on port ${c.port ?? 'none'}`;
  return `${c.name} on ${c.host}: ${c.from} → ${c.to}`;
}
