import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { probeHealth } from '../../src/core/healthProbe.js';
import { probeHealthBatch } from '../../src/core/healthProbeBatch.js';
import type { HostLink } from '../../src/transport/hostLink.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { CountingLink } from '../lab/countingLink.js';
import { lab, labConnection } from '../lab/lab.js';

/**
 * Servers on alpha's loopback, one per way a /healthz probe can end. They run
 * in alpha's network namespace, started by this suite, and answer only there.
 */
const SERVERS = String.raw`
const net = require('node:net');
const [ok, busy, closing, silent] = process.argv.slice(1).map(Number);
const serve = (port, onConn) => net.createServer(onConn).listen(port, '127.0.0.1');
const answer = (status) => (s) => s.once('data', () => s.end('HTTP/1.1 ' + status + ' X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'));
serve(ok, answer(200));
serve(busy, answer(503));
// Like Docker's proxy before code-server listens: the request is read, the answer is empty.
serve(closing, (s) => s.once('data', () => s.end()));
serve(silent, () => undefined);
setTimeout(() => console.log('ready'), 200);
`;

describe('health probe batch on a real host (alpha, over SSH)', function () {
  this.timeout(60_000);
  const base = 39_000 + (process.pid % 500) * 8;
  const [ok, busy, closing, silent, nothing] = [0, 1, 2, 3, 4].map((i) => base + i) as [number, number, number, number, number];
  const ports = [ok, busy, closing, silent, nothing];
  let servers: ChildProcess | undefined;
  const links: HostLink[] = [];
  const link = () => {
    const l = new CountingLink(new SshHostLink(labConnection('alpha')));
    links.push(l);
    return l;
  };

  before(async () => {
    servers = spawn(
      'ip',
      [
        'netns',
        'exec',
        lab().hosts.alpha.netns,
        process.execPath,
        '-e',
        SERVERS,
        String(ok),
        String(busy),
        String(closing),
        String(silent),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [line] = (await once(servers.stdout!, 'data')) as [Buffer];
    assert.match(line.toString(), /ready/);
  });

  after(() => {
    for (const l of links) l.dispose();
    servers?.kill();
  });

  it('gives each port the answer a channel of its own gives, from one exec and no channel', async () => {
    const batch = await probeHealthBatch(link(), ports, 1_500);
    const single = link();
    const each = await Promise.all(ports.map((p) => probeHealth(single, p, 1_500)));
    const l = links[0] as CountingLink;
    assert.equal(l.execs, 1);
    assert.equal(l.channels, 0, 'the batch opened no direct-tcpip channel');
    assert.deepEqual(
      ports.map((p) => [batch.get(p)?.health, batch.get(p)?.httpStatus]),
      each.map((r) => [r.health, r.httpStatus]),
    );
    assert.deepEqual(
      ports.map((p) => batch.get(p)?.detail),
      [undefined, undefined, 'connection closed', 'no answer within 1500 ms', 'nothing is listening'],
    );
    assert.deepEqual([batch.get(ok)?.health, batch.get(ok)?.httpStatus], ['healthy', 200]);
    assert.deepEqual([batch.get(busy)?.health, batch.get(busy)?.httpStatus], ['unhealthy', 503]);
  });

  it('falls back to one channel per port on a host without the command, with the same answers', async () => {
    const l = link();
    const r = await probeHealthBatch(l, [ok, busy, nothing], 1_500, { command: 'code-swarm-no-such-curl' });
    assert.equal(l.execs, 1);
    assert.equal(l.channels, 3);
    assert.deepEqual(
      [ok, busy, nothing].map((p) => [r.get(p)?.health, r.get(p)?.httpStatus]),
      [
        ['healthy', 200],
        ['unhealthy', 503],
        ['unhealthy', undefined],
      ],
    );
  });

  it('marks every port unreachable when sshd does not answer', async () => {
    const h = lab().hosts.alpha;
    // The lab's own address for alpha, on a port where no sshd listens.
    const dead = new SshHostLink(
      labConnection('alpha', {
        endpoint: { label: 'alpha-dead', host: h.address, port: 1, username: h.user, identityFiles: [lab().clientKey], agentSocket: '' },
      }),
    );
    links.push(dead);
    const r = await probeHealthBatch(dead, [ok, busy], 1_500);
    assert.deepEqual(
      [...r.values()].map((x) => x.health),
      ['unreachable', 'unreachable'],
    );
    assert.match(r.get(ok)?.detail ?? '', /alpha-dead/);
  });
});
