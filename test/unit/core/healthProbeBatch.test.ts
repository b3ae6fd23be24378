import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { SwarmError } from '../../../src/shared/errors.js';
import { curlProbeArgv, parseCurlProbe, probeHealthBatch } from '../../../src/core/healthProbeBatch.js';
import type { HostLink, LinkState } from '../../../src/transport/hostLink.js';
import type { ExecOptions, ExecResult } from '../../../src/transport/execTypes.js';

/** A link whose exec answers what the test says and whose channels answer like a server that is down. */
class ScriptedLink implements HostLink {
  readonly label = 'scripted';
  readonly connectMs = undefined;
  execs: string[][] = [];
  channels = 0;
  constructor(
    readonly kind: 'ssh' | 'local',
    private readonly answer: (argv: readonly string[]) => Promise<ExecResult>,
  ) {}
  openUnixSocket(): Promise<Duplex> {
    return Promise.reject(new Error('not used'));
  }
  openTcp(): Promise<Duplex> {
    this.channels++;
    // sshd's answer for a closed port: the channel cannot be opened.
    return Promise.reject(new SwarmError('connect failed', { code: 'internal' }));
  }
  exec(argv: readonly string[], _options?: ExecOptions): Promise<ExecResult> {
    this.execs.push([...argv]);
    return this.answer(argv);
  }
  onStateChange(_l: (state: LinkState, reason?: Error) => void): () => void {
    return () => undefined;
  }
  dispose(): void {}
}

const line = (port: number, status: string, exit: number, t = '0.001200') => `http://127.0.0.1:${port}/healthz ${status} ${exit} ${t}`;

describe('health probe batch: one remote curl per host', () => {
  it('builds argv of fixed words and numbers only, one output and URL per port', () => {
    const argv = curlProbeArgv([8080, 8081], 3_000);
    assert.equal(argv[0], 'curl');
    assert.equal(argv[1], '-q', '-q must come first or ~/.curlrc is read');
    assert.ok(argv.includes('--noproxy'));
    assert.deepEqual(argv.slice(-6), [
      '--output',
      '/dev/null',
      'http://127.0.0.1:8080/healthz',
      '--output',
      '/dev/null',
      'http://127.0.0.1:8081/healthz',
    ]);
    assert.equal(argv[argv.indexOf('--max-time') + 1], '3.000');
    assert.throws(() => curlProbeArgv([8080, 70_000], 3_000), RangeError);
    assert.throws(() => curlProbeArgv([1.5], 3_000), RangeError);
  });

  it('reads statuses and curl exit codes back in the one-channel probe words', () => {
    const out =
      [
        line(1, '200', 0),
        line(2, '503', 0),
        line(3, '000', 7),
        line(4, '000', 28),
        line(5, '000', 52),
        line(6, '000', 56),
        line(7, '000', 35),
      ].join('\n') + '\n';
    const r = parseCurlProbe(out, [1, 2, 3, 4, 5, 6, 7], 3_000);
    assert.ok(r);
    assert.deepEqual(r.get(1), { health: 'healthy', httpStatus: 200, latencyMs: 1.2 });
    assert.deepEqual(r.get(2), { health: 'unhealthy', httpStatus: 503, latencyMs: 1.2 });
    assert.equal(r.get(3)?.detail, 'nothing is listening');
    assert.equal(r.get(4)?.detail, 'no answer within 3000 ms');
    assert.equal(r.get(5)?.detail, 'connection closed');
    assert.equal(r.get(6)?.detail, 'connection reset');
    assert.match(r.get(7)?.detail ?? '', /curl exit 35/);
    for (const p of [3, 4, 5, 6, 7]) assert.equal(r.get(p)?.health, 'unhealthy');
  });

  it('refuses output it did not ask for: a missing port, a stranger port, an old curl', () => {
    assert.equal(parseCurlProbe(line(1, '200', 0), [1, 2], 3_000), undefined, 'a port without a line');
    assert.equal(parseCurlProbe(line(1, '200', 0) + '\n' + line(9, '200', 0), [1], 3_000), undefined, 'a port not asked for');
    // curl < 7.75 prints nothing for %{url} and %{exitcode}.
    assert.equal(parseCurlProbe(' 200  0.001\n 000  0.001\n', [1, 2], 3_000), undefined);
    assert.equal(parseCurlProbe('', [1], 3_000), undefined);
  });

  it('probes a host with one exec, whatever the number of instances', async () => {
    const link = new ScriptedLink('ssh', async (argv) => {
      const ports = argv.filter((a) => a.startsWith('http://')).map((u) => Number(/:(\d+)\//.exec(u)?.[1]));
      return { code: 7, stdout: ports.map((p) => line(p, p % 2 ? '200' : '000', p % 2 ? 0 : 7)).join('\n') + '\n', stderr: '' };
    });
    const ports = Array.from({ length: 50 }, (_, i) => 20_000 + i);
    const r = await probeHealthBatch(link, [...ports, 20_000], 1_000);
    assert.equal(link.execs.length, 1);
    assert.equal(link.channels, 0);
    assert.equal(r.size, 50, 'a port listed twice is probed once');
    assert.equal(r.get(20_001)?.health, 'healthy');
    assert.equal(r.get(20_000)?.detail, 'nothing is listening');
  });

  it('falls back to one channel per port where curl cannot batch, and does not ask that host again soon', async () => {
    const link = new ScriptedLink('ssh', async () => ({ code: 127, stdout: '', stderr: 'sh: 1: curl: not found' }));
    const first = await probeHealthBatch(link, [1, 2, 3], 1_000);
    assert.equal(link.execs.length, 1);
    assert.equal(link.channels, 3);
    for (const p of [1, 2, 3]) assert.deepEqual([first.get(p)?.health, first.get(p)?.detail], ['unhealthy', 'nothing is listening']);
    await probeHealthBatch(link, [1, 2, 3], 1_000);
    assert.equal(link.execs.length, 1, 'a host without a usable curl is not asked again for a while');
    assert.equal(link.channels, 6);
  });

  it('marks every instance unreachable when the host does not answer, within the deadline', async () => {
    const link = new ScriptedLink('ssh', () =>
      Promise.reject(new SwarmError('alpha is unreachable (EHOSTUNREACH)', { code: 'unreachable' })),
    );
    const r = await probeHealthBatch(link, [1, 2], 1_000);
    assert.deepEqual(
      [...r.values()].map((x) => [x.health, x.detail]),
      [
        ['unreachable', 'alpha is unreachable (EHOSTUNREACH)'],
        ['unreachable', 'alpha is unreachable (EHOSTUNREACH)'],
      ],
    );
    const hung = new ScriptedLink('ssh', () => new Promise<ExecResult>(() => undefined));
    const started = Date.now();
    const h = await probeHealthBatch(hung, [1, 2], 100);
    assert.equal(h.get(1)?.health, 'unreachable');
    assert.ok(Date.now() - started < 5_000);
  });

  it('falls back to channels when the host refuses the session but the link is up', async () => {
    const link = new ScriptedLink('ssh', () =>
      Promise.reject(new SwarmError('Could not open exec curl on alpha: administratively prohibited', { code: 'internal' })),
    );
    const r = await probeHealthBatch(link, [1, 2], 1_000);
    assert.equal(link.channels, 2);
    assert.equal(r.get(1)?.health, 'unhealthy');
  });

  it('never runs a process for this machine or for a single instance', async () => {
    const local = new ScriptedLink('local', () => Promise.reject(new Error('must not exec')));
    await probeHealthBatch(local, [1, 2, 3], 1_000);
    assert.equal(local.execs.length, 0);
    const one = new ScriptedLink('ssh', () => Promise.reject(new Error('must not exec')));
    await probeHealthBatch(one, [1], 1_000);
    assert.equal(one.execs.length, 0);
    assert.equal(one.channels, 1);
  });
});
