import type { Readable } from 'node:stream';
import { SwarmError } from '../../shared/errors.js';
import type { EngineChange, EngineEvents } from '../provider.js';

/** A line longer than this is not an event; it is dropped (a list will tell what changed). */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Reads a stream of newline-delimited JSON events (Docker's /events) into
 * changes. A line that does not parse still reports an unknown change, so a
 * format we do not know makes the tree refresh rather than go stale.
 */
export function readEventLines(
  stream: Readable,
  abort: AbortController,
  what: string,
  parse: (line: string) => EngineChange,
  onChange: (change: EngineChange) => void,
): EngineEvents {
  let pending = '';
  const emit = (line: string) => {
    if (line.trim() === '') return;
    let change: EngineChange;
    try {
      change = parse(line);
    } catch {
      change = { id: undefined, name: undefined, action: 'unknown' };
    }
    onChange(change);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      emit(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE_BYTES) {
      pending = '';
      onChange({ id: undefined, name: undefined, action: 'unknown' });
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (cause?: unknown) => {
      if (settled) return;
      settled = true;
      if (abort.signal.aborted) resolve();
      else reject(new SwarmError(`${what} stopped${cause instanceof Error ? `: ${cause.message}` : ''}`, { code: 'unreachable', cause }));
    };
    stream.once('end', () => settle());
    stream.once('close', () => settle());
    stream.once('error', (e) => settle(e));
  });
  return {
    ended,
    close: () => {
      abort.abort();
      stream.destroy();
    },
  };
}
