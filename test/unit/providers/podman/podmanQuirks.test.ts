import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import { dockerChangeOf } from '../../../../src/providers/docker/dockerEvents.js';
import { DockerProvider } from '../../../../src/providers/docker/dockerProvider.js';
import { DockerSnapshots } from '../../../../src/providers/docker/dockerSnapshots.js';
import { PODMAN_DIALECT } from '../../../../src/providers/podman/podmanDialect.js';
import { PodmanProvider } from '../../../../src/providers/podman/podmanProvider.js';
import type { EngineChange } from '../../../../src/providers/provider.js';
import { LocalHostLink } from '../../../../src/transport/localHostLink.js';
import { FakePodman, json } from './fakePodman.js';

/** Podman 4.3.1's compat event for a container of ours that exited (trimmed, as the lab's engine sent it). */
function podmanEvent(action: string, attributes: Record<string, string>): string {
  return JSON.stringify({
    status: action,
    id: 'c0ffee',
    Type: 'container',
    Action: action,
    Actor: { ID: 'c0ffee', Attributes: attributes },
  });
}
const OURS = { 'code-swarm.instance': 'id-1', 'code-swarm.name': 'web', containerExitCode: '137', name: 'code-swarm-web' };
const STRANGER = { containerExitCode: '0', name: 'someone-else' };
/** The engine's clock, a week off ours: the subscription must start from the engine's time. */
const ENGINE_DATE = 'Tue, 01 Dec 2026 10:00:00 GMT';

function until(check: () => boolean, what: string, ms = 3_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('Podman quirks, handled in the Docker client layer', () => {
  let dir: string;
  let sock: string;
  let fake: FakePodman;
  let link: LocalHostLink;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'csw-podman-'));
    sock = join(dir, 'podman.sock');
    fake = new FakePodman();
    link = new LocalHostLink('eps');
    await fake.listen(sock);
  });
  afterEach(async () => {
    link.dispose();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads an exit as `die`, settling, with the code from containerExitCode', () => {
    assert.deepEqual(dockerChangeOf(podmanEvent('died', OURS), PODMAN_DIALECT), {
      id: 'id-1',
      name: 'web',
      action: 'die',
      settling: true,
      exitCode: 137,
    });
    assert.deepEqual(dockerChangeOf(podmanEvent('die', OURS), PODMAN_DIALECT).exitCode, 137, '4.3 says die in the stream');
  });

  it('takes the event stream as accepted before any header comes, from the engine clock, and keeps only our containers', async () => {
    let stream: ServerResponse | undefined;
    fake.on('GET /_ping', (_req, res) => res.writeHead(200, { Date: ENGINE_DATE, 'Content-Type': 'text/plain' }).end('OK'));
    // Podman: no status line, no headers, until the first event.
    fake.on('GET /events', (_req, res) => (stream = res));
    const changes: EngineChange[] = [];
    const events = await new PodmanProvider(link, sock, 2_000).watch((c) => changes.push(c));
    try {
      await until(() => stream !== undefined, 'the events request');
      const asked = fake.seen.find((r) => r.url.pathname.endsWith('/events'))!;
      assert.equal(asked.url.searchParams.get('since'), String(Date.parse(ENGINE_DATE) / 1000 - 1));
      const filters = JSON.parse(asked.url.searchParams.get('filters') ?? '{}') as Record<string, string[]>;
      assert.equal(filters['label'], undefined, "Podman's label filter wants key=value: a key alone would pass nothing");
      assert.ok(filters['event']?.includes('died'), 'Podman filters exits by `died`');
      stream!.writeHead(200, { 'Content-Type': 'application/json' });
      stream!.write(`${podmanEvent('die', STRANGER)}\n${podmanEvent('died', OURS)}\n`);
      await until(() => changes.length > 0, 'a change');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(changes, [{ id: 'id-1', name: 'web', action: 'die', settling: true, exitCode: 137 }]);
    } finally {
      events.close();
    }
    await events.ended;
  });

  it("ends the subscription when Podman's events request fails after it was handed over", async () => {
    fake.on('GET /_ping', (_req, res) => res.writeHead(200, { Date: ENGINE_DATE }).end('OK'));
    fake.on('GET /events', (_req, res) => json(res, 500, { message: 'events log unreadable' }));
    const events = await new PodmanProvider(link, sock, 2_000).watch(() => undefined);
    await assert.rejects(events.ended, /events on eps stopped/);
  });

  it('still filters Docker events by our label on the engine, and waits for its headers', async () => {
    fake.on('GET /events', (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).write(''));
    const events = await new DockerProvider(link, sock, 2_000).watch(() => undefined);
    events.close();
    const asked = fake.seen.find((r) => r.url.pathname.endsWith('/events'))!;
    assert.deepEqual((JSON.parse(asked.url.searchParams.get('filters') ?? '{}') as Record<string, string[]>)['label'], [
      'code-swarm.instance',
    ]);
    assert.equal(asked.url.searchParams.get('since'), null);
    assert.equal(fake.seen.filter((r) => r.url.pathname.endsWith('/_ping')).length, 0);
  });

  it('follows a log that Podman answers only with its first line, and still fails at once on a missing container', async () => {
    let follow: ServerResponse | undefined;
    fake.on('GET /containers/code-swarm-web/json', (_req, res) => json(res, 200, { Id: 'c0ffee', State: { Running: true } }));
    fake.on('GET /containers/code-swarm-web/logs', (_req, res) => (follow = res));
    const provider = new PodmanProvider(link, sock, 2_000);
    const abort = new AbortController();
    const log = await provider.logs({ id: 'id-1', name: 'web', containerId: undefined }, { follow: true, tail: 0, signal: abort.signal });
    let text = '';
    log.on('data', (c: Buffer) => (text += c.toString()));
    await until(() => follow !== undefined, 'the follow request');
    const line = Buffer.from('code-server listening\n');
    const header = Buffer.from([1, 0, 0, 0, 0, 0, 0, line.length]);
    follow!.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
    follow!.write(Buffer.concat([header, line]));
    await until(() => text.includes('code-server listening'), 'the first line');
    abort.abort();
    await assert.rejects(
      provider.logs({ id: 'id-2', name: 'gone', containerId: undefined }, { follow: true }),
      /gone no longer exists on eps/,
    );
  });

  it('treats a volume that exists (409 from Podman) as made, and still fails on other errors', async () => {
    let status = 409;
    fake.on('POST /volumes/create', (_req, res) =>
      json(res, status, { message: 'volume with name code-swarm-web-project already exists: volume already exists' }),
    );
    const engine = new DockerEngine(link, sock, 2_000, PODMAN_DIALECT);
    await engine.ensureVolume({ Name: 'code-swarm-web-project', Labels: {} }, 'create the workspace volume');
    status = 500;
    await assert.rejects(
      engine.ensureVolume({ Name: 'code-swarm-web-project', Labels: {} }, 'create the workspace volume'),
      /Podman on eps could not create the workspace volume/,
    );
  });

  it('sends /commit a JSON body (Podman decodes one and fails on none) with the options in the query', async () => {
    fake.on('GET /images/json', (_req, res) => json(res, 200, []));
    fake.on('POST /commit', (_req, res) => json(res, 201, { Id: 'sha256:abc' }));
    const snaps = new DockerSnapshots(new DockerEngine(link, sock, 2_000, PODMAN_DIALECT));
    await snaps.take({ id: 'id-1', name: 'web', containerId: 'c0ffee' }, 'before upgrade');
    const commit = fake.seen.find((r) => r.method === 'POST' && r.url.pathname.endsWith('/commit'))!;
    assert.equal(commit.url.searchParams.get('container'), 'c0ffee');
    assert.equal(commit.url.searchParams.get('repo'), 'code-swarm-snapshot/web');
    const body = JSON.parse(commit.body) as unknown;
    assert.ok(
      typeof body === 'object' && body !== null && Object.keys(body).length > 0,
      `a JSON object body, got ${JSON.stringify(commit.body)}`,
    );
  });

  it('names the engine Podman in what it reports and in its errors', async () => {
    fake.on('GET /version', (_req, res) =>
      json(res, 200, { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] }),
    );
    const provider = new PodmanProvider(link, sock, 2_000);
    assert.equal(provider.kind, 'podman');
    assert.deepEqual(await provider.engineInfo(), { provider: 'podman', engineVersion: 'Podman 4.3.1 (API 1.41)' });
    fake.on('GET /containers/json', (_req, res) => json(res, 500, { message: 'database is locked' }));
    await assert.rejects(provider.list(), /^SwarmError: Podman on eps could not list containers: database is locked/);
  });
});
