import type { Swarm } from '../../src/core/swarm.js';
import { recordError, recordTranscript } from './suiteArtifacts.js';

/**
 * The same Swarm, writing every error its methods throw or reject with, and
 * every `error` text in what they return (unreachable hosts, failed
 * instances), to the suite's transcript: the audit then searches the messages
 * the tests saw, including the ones no test asserted on.
 */
export function recordingSwarm(swarm: Swarm, source: string): Swarm {
  const wrappers = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  return new Proxy(swarm, {
    get(target, prop) {
      // Getters (`store`) run on the target: the proxy has none of its state.
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let wrapper = wrappers.get(prop);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        const what = `${source} swarm.${String(prop)}`;
        wrapper = (...args: unknown[]) => {
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (e) {
            recordError(what, e);
            throw e;
          }
          if (result instanceof Promise) {
            return result.then(
              (v: unknown) => {
                noteErrorTexts(what, v);
                return v;
              },
              (e: unknown) => {
                recordError(what, e);
                throw e;
              },
            );
          }
          noteErrorTexts(what, result);
          return result;
        };
        wrappers.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}

function noteErrorTexts(what: string, value: unknown): void {
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const text = (item as { error?: unknown }).error;
    if (typeof text === 'string' && text !== '') recordTranscript(`${what} → error field`, text);
  }
}
