import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { HostDoctor } from '../../../src/core/hostDoctor.js';
import { Store } from '../../../src/core/store.js';
import { error, ok, warning, type HostCheck } from '../../../src/providers/hostCheck.js';
import type { Provider } from '../../../src/providers/provider.js';
import { SwarmError } from '../../../src/shared/errors.js';
import type { HostRecord } from '../../../src/shared/model.js';
import type { ExecResult } from '../../../src/transport/execTypes.js';
import type { HostLink } from '../../../src/transport/hostLink.js';

/** A link whose exec answers by a function of the argv, and records every command. */
function scriptedLink(answer: (argv: readonly string[]) => ExecResult | Error): HostLink & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    label: 'h',
    kind: 'ssh',
    connectMs: undefined,
    openUnixSocket: () => Promise.reject(new Error('no socket')),
    openTcp: (): Promise<Duplex> => Promise.reject(new Error('Connection refused')),
    exec(argv) {
      ran.push(argv.join(' '));
      const a = answer(argv);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
    onStateChange: () => () => undefined,
    dispose: () => undefined,
  };
}

const done = (code = 0, stdout = ''): ExecResult => ({ code, stdout, stderr: code === 0 ? '' : 'nope' });
const host = (kind: 'ssh' | 'local'): HostRecord => ({
  name: 'h',
  kind,
  provider: 'docker',
  address: 'u@h:22',
  addedAt: '2026-01-01T00:00:00Z',
});

describe('host doctor', () => {
  let dir: string;
  let doctor: HostDoctor;
  let reconnects: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'code-swarm-doctor-'));
    const store = await Store.open(dir);
    doctor = new HostDoctor({
      store,
      accessOf: () => {
        throw new Error('not used');
      },
      openProbe: () => scriptedLink(() => done()),
      reconnect: () => {
        reconnects += 1;
      },
    });
  });
  beforeEach(() => {
    reconnects = 0;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const provider = (checks: readonly HostCheck[]): Provider => ({ kind: 'docker', checks: () => checks }) as unknown as Provider;

  it('stops at an unreachable host with one finding about it, not one per check', async () => {
    let engineChecked = false;
    const link = scriptedLink(() => new SwarmError('h is not answering', { code: 'unreachable', hint: 'check it' }));
    const engine: HostCheck = { id: 'e', run: () => ((engineChecked = true), Promise.resolve([])) };
    const r = await doctor.checkWith(host('ssh'), { link, provider: provider([engine]) }, { image: 'i' });
    assert.deepEqual(
      r.findings.map((f) => [f.code, f.severity]),
      [
        ['ssh.connect', 'error'],
        ['doctor.incomplete', 'warning'],
      ],
    );
    assert.match(r.findings[0]?.message ?? '', /h is not answering — check it/);
    assert.equal(engineChecked, false);
  });

  it("runs the engine's own checks among the others; a local host has no SSH checks", async () => {
    const link = scriptedLink((argv) => (argv[0] === 'sh' && argv[2]?.startsWith('u=$(id -un)') ? done(0, '1000\nu\nu\nu\n') : done(1)));
    const engine: HostCheck = { id: 'engine', run: () => Promise.resolve([ok('engine.one', 'fine')]) };
    const r = await doctor.checkWith(host('local'), { link, provider: provider([engine]) }, { image: 'i' });
    const codes = r.findings.map((f) => f.code);
    assert.ok(codes.includes('engine.one'));
    assert.ok(!codes.includes('ssh.keepalive'));
    assert.equal(codes.at(-1), 'sudo.available', 'the sudo check comes last, after what it weighs');
  });

  it('fixes in report order, skips the rest of a failed fix, and reopens the connection after a group fix', async () => {
    const link = scriptedLink((argv) => (argv[0] === 'broken' ? done(1) : done()));
    const findings = [
      { ...error('group', 'x', [['sudo', '-n', 'usermod', '-aG', 'docker', 'u']]), reconnect: true },
      ok('fine', 'x'),
      warning('two', 'x', [['broken'], ['never']]),
    ];
    const steps = await doctor.fixWith(
      link,
      findings,
      () => undefined,
      () => (reconnects += 1),
    );
    assert.deepEqual(link.ran, ['sudo -n usermod -aG docker u', 'broken']);
    assert.deepEqual(
      steps.map((s) => [s.code, s.argv?.join(' '), s.ok]),
      [
        ['group', 'sudo -n usermod -aG docker u', true],
        ['two', 'broken', false],
        ['ssh.connect', undefined, true],
      ],
    );
    assert.equal(steps[1]?.detail, 'nope');
    assert.equal(reconnects, 1);
  });

  it('does not reopen the connection when the group fix failed', async () => {
    const link = scriptedLink(() => done(1));
    const findings = [{ ...error('group', 'x', [['sudo', '-n', 'usermod', '-aG', 'docker', 'u']]), reconnect: true }];
    const steps = await doctor.fixWith(
      link,
      findings,
      () => undefined,
      () => (reconnects += 1),
    );
    assert.deepEqual(
      steps.map((s) => s.ok),
      [false],
    );
    assert.equal(reconnects, 0);
  });
});
