import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectProvider } from '../../../src/core/hostAdmin.js';
import { SwarmError } from '../../../src/shared/errors.js';
import type { HostRecord } from '../../../src/shared/model.js';
import { LocalHostLink } from '../../../src/transport/localHostLink.js';

/** Real unix sockets in a temp dir stand for the host's engines; the probe runs in a real shell. */
describe('hosts add: which engine a host offers, when no provider is given', () => {
  let dir: string;
  const servers: Server[] = [];
  const link = new LocalHostLink('here');
  const socket = (name: string) =>
    new Promise<string>((resolve) => {
      const path = join(dir, name);
      const s = createServer();
      servers.push(s);
      s.listen(path, () => resolve(path));
    });
  const record = (over: Partial<HostRecord>): HostRecord => ({
    name: 'h',
    kind: 'ssh',
    provider: 'docker',
    address: 'u@h:22',
    addedAt: '2026-12-06T00:00:00.000Z',
    dockerSocket: join(dir, 'docker.sock'),
    podmanSocket: join(dir, 'podman.sock'),
    lxdSocket: join(dir, 'lxd.sock'),
    ...over,
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csw-detect-'));
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });
  after(() => link.dispose());

  it('finds Podman by its socket, and keeps a socket path that is not the default', async () => {
    const path = await socket('podman.sock');
    await socket('lxd.sock');
    assert.deepEqual(await detectProvider(link, record({})), { provider: 'podman', podmanSocket: path });
  });

  it('keeps preferring Docker, and LXD when it is all there is', async () => {
    await socket('docker.sock');
    await socket('podman.sock');
    assert.deepEqual(await detectProvider(link, record({})), { provider: 'docker' });
    rmSync(join(dir, 'docker.sock'));
    rmSync(join(dir, 'podman.sock'));
    await socket('lxd.sock');
    assert.deepEqual(await detectProvider(link, record({})), { provider: 'lxd' });
  });

  it('names all three engines when none is there', async () => {
    await assert.rejects(detectProvider(link, record({})), (e: unknown) => {
      assert.ok(e instanceof SwarmError);
      assert.equal(e.code, 'engine-missing');
      assert.match(e.oneLine(), /Neither Docker, Podman nor LXD was found on h.*podman\.socket/);
      return true;
    });
  });
});
