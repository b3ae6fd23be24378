import type { Readable } from 'node:stream';
import { z } from 'zod';
import { LABEL } from '../common/labels.js';
import { readEventLines } from '../common/readEventLines.js';
import type { EngineChange, EngineEvents } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';

/** Events that can change what a list shows (state, port, existence, name); not exec or health noise. */
const WATCHED_ACTIONS = ['create', 'start', 'restart', 'stop', 'die', 'destroy', 'pause', 'unpause', 'rename', 'oom'];
const EventSchema = z.object({
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).nullish() }).nullish(),
});

/** One line of Docker's /events; a line we cannot read still says "something changed" (a list will tell what). */
export function dockerChangeOf(line: string): EngineChange {
  const e = EventSchema.safeParse(JSON.parse(line));
  const labels = e.success ? e.data.Actor?.Attributes : undefined;
  const action = e.success ? e.data.Action : 'unknown';
  return { id: labels?.[LABEL.instance], name: labels?.[LABEL.name], action, ...(action === 'die' ? { settling: true } : {}) };
}

/**
 * Docker's /events, filtered by the engine to our containers' lifecycle:
 * one idle stream on the host's connection, silent until something changes.
 */
export async function watchDocker(engine: DockerEngine, onChange: (change: EngineChange) => void): Promise<EngineEvents> {
  const abort = new AbortController();
  const stream = (await engine.call('watch container events', () =>
    engine.streams.getEvents({
      filters: { type: ['container'], label: [LABEL.instance], event: WATCHED_ACTIONS },
      abortSignal: abort.signal,
    }),
  )) as unknown as Readable;
  return readEventLines(stream, abort, `Docker events on ${engine.link.label}`, dockerChangeOf, onChange);
}
