import type { Readable } from 'node:stream';
import { z } from 'zod';
import { LABEL } from '../common/labels.js';
import { readEventLines } from '../common/readEventLines.js';
import type { EngineChange, EngineEvents } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';
import { DOCKER_DIALECT, type EngineDialect } from './engineDialect.js';
import { lateStream } from './lateStream.js';

const EventSchema = z.object({
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).nullish() }).nullish(),
});

/** One line of the engine's /events; a line we cannot read still says "something changed" (a list will tell what). */
export function dockerChangeOf(line: string, dialect: EngineDialect = DOCKER_DIALECT): EngineChange {
  const e = EventSchema.safeParse(JSON.parse(line));
  const labels = e.success ? e.data.Actor?.Attributes : undefined;
  const action = e.success ? dialect.actionOf(e.data.Action) : 'unknown';
  const base = { id: labels?.[LABEL.instance], name: labels?.[LABEL.name], action };
  if (action !== 'die') return base;
  // Only an exit has a code worth reporting; Podman repeats containerExitCode on every later event.
  const code = dialect.exitCodeAttributes.map((a) => labels?.[a]).find((v) => v !== undefined && /^\d+$/.test(v));
  return { ...base, settling: true, ...(code !== undefined ? { exitCode: Number(code) } : {}) };
}

/**
 * The engine's /events, filtered by the engine to our containers' lifecycle:
 * one idle stream on the host's connection, silent until something changes.
 */
export async function watchDocker(engine: DockerEngine, onChange: (change: EngineChange) => void): Promise<EngineEvents> {
  const abort = new AbortController();
  const stream = engine.dialect.lateStreamHeaders ? await lateEvents(engine, abort) : await events(engine, abort, undefined);
  const what = `${engine.dialect.engine} events on ${engine.link.label}`;
  const ours = engine.dialect.eventLabelKeyFilter ? onChange : onlyOurs(onChange);
  return readEventLines(stream, abort, what, (line) => dockerChangeOf(line, engine.dialect), ours);
}

/** For an engine that could not filter by our label: a change to a stranger's container is dropped; one we cannot read is kept. */
export function onlyOurs(onChange: (change: EngineChange) => void): (change: EngineChange) => void {
  return (change) => {
    if (change.id !== undefined || change.action === 'unknown') onChange(change);
  };
}

async function events(engine: DockerEngine, abort: AbortController, since: number | undefined): Promise<Readable> {
  return (await engine.call('watch container events', () =>
    engine.streams.getEvents({
      filters: {
        type: ['container'],
        ...(engine.dialect.eventLabelKeyFilter ? { label: [LABEL.instance] } : {}),
        event: [...engine.dialect.eventActions],
      },
      abortSignal: abort.signal,
      ...(since !== undefined ? { since } : {}),
    }),
  )) as unknown as Readable;
}

/**
 * For an engine that answers /events only with its first event: a ping
 * first (the socket works, and its Date header is the engine's clock), then
 * the stream from a second before that time, handed over at once. What
 * happens between asking and the engine listening is replayed from its
 * event log, so nothing after this resolves is missed; a repeat only costs
 * one more list. A stream that fails later ends the subscription as usual.
 */
async function lateEvents(engine: DockerEngine, abort: AbortController): Promise<Readable> {
  const now = await engine.call('reach the engine', () => engineClock(engine));
  return lateStream(
    () => events(engine, abort, Math.floor(now / 1000) - 1),
    (e) => engine.wrap(e, 'watch container events'),
  );
}

/** The engine's time, from the Date header of its answer to /_ping (our clock may be off). */
function engineClock(engine: DockerEngine): Promise<number> {
  return new Promise((resolve, reject) => {
    engine.api.modem.dial(
      { path: '/_ping', method: 'GET', statusCodes: { 200: true }, isStream: true, options: {} },
      (err: unknown, res: unknown) => {
        if (err) return reject(err);
        const response = res as Readable & { headers?: Record<string, string | undefined> };
        response.resume();
        const date = Date.parse(response.headers?.['date'] ?? '');
        resolve(Number.isNaN(date) ? Date.now() : date);
      },
    );
  });
}
