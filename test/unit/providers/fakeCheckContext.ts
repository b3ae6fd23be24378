import type { Duplex } from 'node:stream';
import type { CheckContext } from '../../../src/providers/hostCheck.js';
import type { ProviderKind } from '../../../src/shared/model.js';
import type { ExecResult } from '../../../src/transport/execTypes.js';
import type { HostLink } from '../../../src/transport/hostLink.js';

/**
 * A doctor check's context whose exec answers from a script keyed by a part
 * of the command (a command no key matches exits `unanswered`); records what ran.
 */
export function fakeCheckContext(
  answers: Record<string, Partial<ExecResult>>,
  opts: { readonly provider: ProviderKind; readonly unanswered: number },
): CheckContext & { ran: string[][] } {
  const facts = new Map<string, Promise<unknown>>();
  const ran: string[][] = [];
  const link: HostLink = {
    label: 'h',
    kind: 'ssh',
    connectMs: undefined,
    openUnixSocket: () => Promise.reject(new Error('no')),
    openTcp: (): Promise<Duplex> => Promise.reject(new Error('no')),
    exec: () => Promise.reject(new Error('no')),
    onStateChange: () => () => undefined,
    dispose: () => undefined,
  };
  return {
    ran,
    host: { name: 'h', kind: 'ssh', provider: opts.provider, address: 'u@h:22', addedAt: '2026-01-01T00:00:00Z' },
    link,
    image: 'img',
    async exec(argv) {
      ran.push([...argv]);
      const key = Object.keys(answers).find((k) => argv.join(' ').includes(k));
      const a = key === undefined ? { code: opts.unanswered } : answers[key];
      return { code: a?.code ?? 0, stdout: a?.stdout ?? '', stderr: a?.stderr ?? '' };
    },
    fact<T>(key: string, get: () => Promise<T>) {
      if (!facts.has(key)) facts.set(key, get());
      return facts.get(key) as Promise<T>;
    },
  };
}
