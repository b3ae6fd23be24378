import { SwarmError } from '../shared/errors.js';
import { IDLE_TIMEOUT_MAX_SECONDS, IDLE_TIMEOUT_MIN_SECONDS } from '../shared/model.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** `90s`, `30m`, `2h`, `1h30m`, `1d`: one or more number-unit pairs, largest first not required. */
const DURATION = /^(?:\d+[smhd])+$/;
const PAIR = /(\d+)([smhd])/g;
const HINT = `Use a duration such as 30m, 2h or 1h30m (more than 60s, at most 30d), or off`;

/**
 * An idle timeout as typed (`--idle-timeout`, the setting, the `idle` command):
 * seconds, or undefined for `off`. code-server refuses 60 s or less, so that
 * is the floor here too, with the reason, rather than a failed start later.
 */
export function parseIdleTimeout(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (s === 'off' || s === 'never' || s === '0') return undefined;
  if (!DURATION.test(s)) throw invalid(`Idle timeout ${show(text)} is not a duration.`);
  let seconds = 0;
  for (const m of s.matchAll(PAIR)) seconds += Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
  if (seconds < IDLE_TIMEOUT_MIN_SECONDS) {
    throw invalid(`Idle timeout ${show(text)} is too short: code-server's own minimum is more than 60s.`);
  }
  if (seconds > IDLE_TIMEOUT_MAX_SECONDS) throw invalid(`Idle timeout ${show(text)} is too long.`);
  return seconds;
}

/** For as-you-type validation: the message to show, or undefined when fine. */
export function idleTimeoutProblem(text: string): string | undefined {
  try {
    parseIdleTimeout(text);
    return undefined;
  } catch (e) {
    return (e as SwarmError).oneLine();
  }
}

/** `30 min`, `2 h`, `1 h 30 min`, `61 s`: how the tree and the CLI say a timeout. */
export function formatIdleTimeout(seconds: number): string {
  if (seconds % 60 !== 0) return seconds < 3600 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  if (minutes % 60 === 0) return h % 24 === 0 ? `${h / 24} d` : `${h} h`;
  return `${h} h ${minutes % 60} min`;
}

function invalid(message: string): SwarmError {
  return new SwarmError(message, { code: 'invalid-input', hint: HINT });
}

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** code-server's heart counts as alive this long after a beat (heart.ts `heartbeatInterval`). */
export const HEART_ALIVE_MS = 60_000;

export interface IdleClock {
  /** code-server saw a request or an open connection within the last minute. */
  readonly active: boolean;
  /** Its last heartbeat, when it had one since it started. */
  readonly lastActivityAt: string | undefined;
  /** When it stops if nothing happens (undefined while active or when its start is unknown). */
  readonly stopsAt: string | undefined;
}

/**
 * When code-server's own timer fires: it starts at code-server's start and
 * again each time the heart goes from alive to expired, which is a minute
 * after the last beat with no connection open (main.js, heart.ts).
 */
export function idleClock(
  timeoutSeconds: number,
  beat: { readonly status: string; readonly lastHeartbeat: number },
  startedAtMs: number | undefined,
): IdleClock {
  const lastActivityAt = beat.lastHeartbeat > 0 ? new Date(beat.lastHeartbeat).toISOString() : undefined;
  if (beat.status === 'alive') return { active: true, lastActivityAt, stopsAt: undefined };
  const idleSince = beat.lastHeartbeat > 0 ? beat.lastHeartbeat + HEART_ALIVE_MS : startedAtMs;
  return {
    active: false,
    lastActivityAt,
    stopsAt: idleSince === undefined || Number.isNaN(idleSince) ? undefined : new Date(idleSince + timeoutSeconds * 1000).toISOString(),
  };
}
