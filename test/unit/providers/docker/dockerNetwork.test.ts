import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerOptions } from '../../../../src/providers/docker/containerOptions.js';
import { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import {
  DockerNetwork,
  ICC_OPTION,
  isIsolatedNetwork,
  NETWORK_LABEL,
  networkOptions,
} from '../../../../src/providers/docker/dockerNetwork.js';
import type { InstanceSpec } from '../../../../src/providers/provider.js';
import { SwarmError } from '../../../../src/shared/errors.js';
import { LocalHostLink } from '../../../../src/transport/localHostLink.js';

interface FakeNetwork {
  Id: string;
  Name: string;
  Created: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
}

/**
 * Just enough of Docker's /networks for the isolated network: a list, a
 * create that (like Docker's own duplicate check under a race) does not
 * refuse a name that exists, and a remove. The first `waiting` lists are
 * answered together, so racing callers all see the same empty host.
 */
class FakeEngine {
  readonly networks: FakeNetwork[] = [];
  readonly calls: string[] = [];
  private readonly held: Array<() => void> = [];
  private server: Server | undefined;

  /** How many lists are still to be held back until all of them have come. */
  constructor(private waiting = 0) {}

  listen(path: string): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    return new Promise((resolve) => this.server!.listen(path, resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://engine');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      this.calls.push(`${req.method} ${url.pathname}`);
      if (req.method === 'GET' && url.pathname === '/networks') {
        const answer = () => send(200, this.networks);
        if (this.waiting === 0) return answer();
        this.held.push(answer);
        if (--this.waiting === 0) this.held.splice(0).forEach((a) => a());
        return undefined;
      }
      if (req.method === 'POST' && url.pathname === '/networks/create') {
        const o = JSON.parse(body) as { Name: string; Labels: Record<string, string>; Options: Record<string, string> };
        const n = this.networks.length + 1;
        const id = `${n}`.repeat(12);
        this.networks.push({ Id: id, Name: o.Name, Created: `2026-12-06T01:00:0${n}.5Z`, Labels: o.Labels, Options: o.Options });
        return send(201, { Id: id, Warning: '' });
      }
      const del = /^\/networks\/(\w+)$/.exec(url.pathname);
      if (req.method === 'DELETE' && del) {
        const i = this.networks.findIndex((x) => x.Id === del[1]);
        if (i >= 0) this.networks.splice(i, 1);
        return send(204, {});
      }
      return send(404, { message: 'not here' });
    });
  }
}

describe('the isolated Docker network', () => {
  let dir: string;
  let engine: FakeEngine | undefined;
  const link = new LocalHostLink('fake');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csw-net-'));
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function network(racers = 0): Promise<{ sock: string; fake: FakeEngine }> {
    const fake = new FakeEngine(racers);
    engine = fake;
    const sock = join(dir, 'docker.sock');
    await fake.listen(sock);
    return { sock, fake };
  }

  it('is a bridge of ours with traffic between its containers off, and containers join it by id', () => {
    const o = networkOptions('code-swarm');
    assert.equal(o.Driver, 'bridge');
    assert.equal(o.Options?.[ICC_OPTION], 'false');
    assert.equal(o.Labels?.[NETWORK_LABEL], 'isolated');
    assert.equal(isIsolatedNetwork({ Labels: o.Labels, Options: o.Options }), true);
    assert.equal(isIsolatedNetwork({ Labels: {}, Options: o.Options }), false, 'not ours');
    assert.equal(isIsolatedNetwork({ Labels: o.Labels, Options: { [ICC_OPTION]: 'true' } }), false, 'ours, but ICC turned back on');
    const spec: InstanceSpec = {
      id: 'i',
      name: 'n',
      image: 'img',
      cpus: 1,
      memoryBytes: 1,
      pidsLimit: 1,
      cookieSuffix: 'c',
      hashedPassword: 'h',
      storeId: 's',
    };
    assert.equal(
      containerOptions(spec, { name: 'c', image: 'img', user: 'u', volume: 'v', network: 'abc123' }).HostConfig?.NetworkMode,
      'abc123',
    );
  });

  it('is made once for ten creates at once in one process', async () => {
    const { sock, fake } = await network();
    const net = new DockerNetwork(new DockerEngine(link, sock, 2_000), 'code-swarm');
    const ids = await Promise.all(Array.from({ length: 10 }, () => net.ensure()));
    assert.equal(new Set(ids).size, 1);
    assert.equal(fake.networks.length, 1);
    assert.deepEqual(fake.calls, ['GET /networks', 'POST /networks/create', 'GET /networks']);
    // Later creates find it.
    assert.equal(await net.ensure(), ids[0]);
    assert.equal(fake.calls.filter((c) => c.startsWith('POST')).length, 1);
  });

  it('settles two processes that both made it on the oldest, and the other one is removed', async () => {
    const { sock, fake } = await network(2);
    const first = new DockerNetwork(new DockerEngine(link, sock, 2_000), 'code-swarm');
    const second = new DockerNetwork(new DockerEngine(link, sock, 2_000), 'code-swarm');
    const [a, b] = await Promise.all([first.ensure(), second.ensure()]);
    assert.equal(fake.calls.filter((c) => c.startsWith('POST')).length, 2, 'both created one: the race happened');
    assert.equal(a, b);
    assert.deepEqual(
      fake.networks.map((n) => n.Id),
      [a],
    );
  });

  it("starts again a container refused as ambiguous once a racing process's network is gone, and only then", async () => {
    const { sock, fake } = await network();
    const net = new DockerNetwork(new DockerEngine(link, sock, 2_000), 'code-swarm');
    await net.ensure();
    const theirs = { ...fake.networks[0]!, Id: '9'.repeat(12), Created: '2026-12-06T02:00:00Z' };
    fake.networks.push(theirs);
    setTimeout(() => fake.networks.splice(fake.networks.indexOf(theirs), 1), 300);
    const tries: number[] = [];
    await net.start(async () => {
      tries.push(fake.networks.length);
      if (fake.networks.length > 1) throw new Error('network code-swarm is ambiguous (2 matches found on name)');
    });
    assert.deepEqual(tries, [2, 1], 'refused while two shared the name, started when one was left');

    let calls = 0;
    const other = new Error('No such image');
    await assert.rejects(
      net.start(() => {
        calls++;
        return Promise.reject(other);
      }),
      (e: unknown) => e === other,
    );
    assert.equal(calls, 1, 'any other refusal is not tried again');
  });

  it("refuses to join a stranger's network of that name, and ignores names that only contain it", async () => {
    const { sock, fake } = await network();
    fake.networks.push({ Id: 'f'.repeat(12), Name: 'code-swarm-lab', Created: '2026-12-06T00:00:00Z', Labels: {}, Options: {} });
    const net = new DockerNetwork(new DockerEngine(link, sock, 2_000), 'code-swarm');
    const id = await net.ensure();
    assert.notEqual(id, 'f'.repeat(12));
    fake.networks.splice(0, fake.networks.length, {
      Id: 'e'.repeat(12),
      Name: 'code-swarm',
      Created: '2026-12-06T00:00:00Z',
      Labels: {},
      Options: {},
    });
    await assert.rejects(
      net.ensure(),
      (e: unknown) => e instanceof SwarmError && e.code === 'conflict' && /Code Swarm did not make it/.test(e.message),
    );
  });
});
