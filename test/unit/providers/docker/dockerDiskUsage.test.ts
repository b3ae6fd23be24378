import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sizeRwOf, writableLayerBytes } from '../../../../src/providers/docker/dockerDiskUsage.js';
import { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import { LocalHostLink } from '../../../../src/transport/localHostLink.js';

const REF = { id: 'i1', name: 'web', containerId: 'c0ffee' };

describe("a Docker container's disk use (SizeRw)", () => {
  let dir: string;
  let server: Server | undefined;
  const link = new LocalHostLink('fake');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csw-disk-'));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** An engine whose inspect answers `body`, and the requests it got. */
  async function engineAnswering(status: number, body: unknown): Promise<{ engine: DockerEngine; urls: string[] }> {
    const urls: string[] = [];
    const sock = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      urls.push(`${req.method} ${req.url}`);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(sock, resolve));
    return { engine: new DockerEngine(link, sock, 2_000), urls };
  }

  it('asks the engine to size the container and reads SizeRw', async () => {
    const { engine, urls } = await engineAnswering(200, { Id: 'c0ffee', SizeRw: 314_572_800, SizeRootFs: 1_500_000_000 });
    assert.equal(await writableLayerBytes(engine, REF), 314_572_800);
    assert.equal(urls.length, 1);
    assert.match(urls[0]!, /^GET \/containers\/c0ffee\/json\?size=true$/);
  });

  it('says nothing when the engine could not size it, and fails in one line when the container is gone', async () => {
    const { engine } = await engineAnswering(200, { Id: 'c0ffee' });
    assert.equal(await writableLayerBytes(engine, REF), undefined);
    assert.equal(sizeRwOf({ SizeRw: -1 }), undefined, 'an engine that cannot size says -1');
    assert.equal(sizeRwOf({ SizeRw: null }), undefined);
    assert.equal(sizeRwOf({ SizeRw: 0 }), 0);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const gone = await engineAnswering(404, { message: 'No such container: c0ffee' });
    await assert.rejects(writableLayerBytes(gone.engine, REF), (e: Error) => !e.message.includes('\n'));
  });
});
