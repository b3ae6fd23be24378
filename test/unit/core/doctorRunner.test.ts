import assert from 'node:assert/strict';
import { checkContext, fixesOf, hasError, runChecks } from '../../../src/core/doctorRunner.js';
import { planLines } from '../../../src/core/hostDoctor.js';
import { reportJson } from '../../../src/cli/commands/hostsDoctor.js';
import { error, type HostCheck, NotChecked, ok, warning } from '../../../src/providers/hostCheck.js';
import type { HostLink } from '../../../src/transport/hostLink.js';

const host = { name: 'h', kind: 'ssh' as const, provider: 'docker' as const, address: 'u@h:22', addedAt: '2026-01-01T00:00:00Z' };
let execs = 0;
const link: HostLink = {
  label: 'h',
  kind: 'ssh',
  connectMs: undefined,
  openUnixSocket: () => Promise.reject(new Error('no')),
  openTcp: () => Promise.reject(new Error('no')),
  exec: () => {
    execs += 1;
    return Promise.resolve({ code: 0, stdout: 'x', stderr: '' });
  },
  onStateChange: () => () => undefined,
  dispose: () => undefined,
};

const check = (id: string, run: HostCheck['run'], late = false): HostCheck => ({ id, run, ...(late ? { late } : {}) });

describe('doctor runner', () => {
  it('collects every finding, in the checks order, whatever fails on the way', async () => {
    const checks = [
      check('a', () => Promise.resolve([error('a.one', 'broken'), ok('a.two', 'fine')])),
      check('b', () => Promise.reject(new Error('boom\nsecond line'))),
      check('c', () => Promise.reject(new NotChecked('needs a'))),
      check('d', () => Promise.resolve([warning('d', 'meh')])),
    ];
    const findings = await runChecks(checks, checkContext(host, link, 'img'));
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.message]),
      [
        ['a.one', 'error', 'broken'],
        ['a.two', 'ok', 'fine'],
        ['b', 'warning', 'could not check: boom second line'],
        ['c', 'warning', 'not checked: needs a'],
        ['d', 'warning', 'meh'],
      ],
    );
    assert.equal(hasError(findings), true);
    assert.equal(hasError(findings.filter((f) => f.severity !== 'error')), false);
  });

  it('runs the late checks after the others, with their findings', async () => {
    const seen: string[] = [];
    const checks = [
      check('late', (_ctx, earlier) => (seen.push(...earlier.map((f) => f.code)), Promise.resolve([ok('late', 'x')])), true),
      check('first', () => Promise.resolve([ok('first', 'x')])),
    ];
    const findings = await runChecks(checks, checkContext(host, link, 'img'));
    assert.deepEqual(seen, ['first']);
    assert.deepEqual(
      findings.map((f) => f.code),
      ['first', 'late'],
    );
  });

  it('runs a fact once however many checks ask for it', async () => {
    execs = 0;
    const ctx = checkContext(host, link, 'img');
    const fact = () => ctx.fact('k', () => ctx.exec(['id']));
    await Promise.all([fact(), fact(), fact()]);
    assert.equal(execs, 1);
  });

  it('plans the fixes of non-ok findings, commands quoted for a shell, reconnect noted', () => {
    const findings = [
      { ...error('docker.socket', 'x', [['sudo', '-n', 'usermod', '-aG', 'docker', 'd']]), reconnect: true },
      ok('fine', 'x'),
      warning('docker.image', 'x', [['docker', 'pull', "it's"]]),
    ];
    assert.deepEqual(
      fixesOf(findings).map((f) => f.code),
      ['docker.socket', 'docker.image'],
    );
    assert.deepEqual(planLines(findings), [
      'docker.socket: sudo -n usermod -aG docker d',
      'docker.socket: (reopen the SSH connection, so the new login gets the new groups)',
      "docker.image: docker pull 'it'\\''s'",
    ]);
  });

  it('prints the documented --json shape: fix only where there is one', () => {
    const json = reportJson({ name: 'h', findings: [{ ...error('a', 'm', [['x', 'y']]), reconnect: true }, ok('b', 'n')] });
    assert.deepEqual(json, {
      name: 'h',
      findings: [
        { code: 'a', severity: 'error', message: 'm', fix: [['x', 'y']] },
        { code: 'b', severity: 'ok', message: 'n' },
      ],
    });
  });
});
