import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SwarmError } from '../../../src/shared/errors.js';
import { withFileLock } from '../../../src/core/fileLock.js';
import { StoreFileSchema } from '../../../src/shared/model.js';
import { Store } from '../../../src/core/store.js';
import { worldReadableBundle } from '../../support/worldReadableBundle.js';
import { hostRecord, instanceRecord } from './fixtures/records.js';

const WORKER = join(__dirname, 'fixtures', 'storeWorker.js');
const STORE_ID = '0b5c2a4e-8f1d-4c3b-9a7e-2d6f1e0c9b8a';

interface WorkerReply {
  ok: boolean;
  code?: string;
  message?: string;
  result?: unknown;
}

function runWorker(args: string[], opts: { uid?: number; gid?: number; script?: string } = {}): Promise<WorkerReply> {
  const { script = WORKER, ...ids } = opts;
  return new Promise((resolve, reject) => {
    // Another user cannot load the suite's preloads from a private checkout (NODE_OPTIONS --require), and
    // this worker is not the CLI whose output they record: it runs without them.
    const env = ids.uid === undefined ? process.env : { ...process.env, NODE_OPTIONS: '' };
    const child = fork(script, args, { ...ids, env, cwd: dirname(script), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reply: WorkerReply | undefined;
    child.on('message', (m: WorkerReply) => {
      reply = m;
      child.disconnect();
    });
    child.on('error', reject);
    child.on('exit', (code) => (reply ? resolve(reply) : reject(new Error(`worker exited with ${code} and no reply`))));
  });
}

function assertSwarmError(code: string): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof SwarmError, `expected SwarmError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  };
}

describe('Store', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarm-store-'));
  });

  afterEach(async () => {
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a private directory and reads an empty store from it', async () => {
    const nested = join(dir, 'a', 'b');
    const store = await Store.open(nested);
    assert.equal((await stat(nested)).mode & 0o777, 0o700);
    const file = await store.read();
    assert.deepEqual({ ...file, storeId: 'x' }, { version: 1, storeId: 'x', hosts: [], instances: [], knownHosts: [] });
    assert.ok(StoreFileSchema.shape.storeId.safeParse(file.storeId).success);
    assert.equal(store.lastRecovery, undefined);
  });

  it('keeps its id when swarm.json is deleted, so it can adopt its own containers again', async () => {
    const store = await Store.open(dir);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    const id = (await store.read()).storeId;
    await rm(join(dir, 'swarm.json'));
    const reopened = await Store.open(dir);
    assert.equal((await reopened.read()).storeId, id);
    assert.equal((await reopened.read()).hosts.length, 0);
  });

  it('persists updates with mode 0600 and returns the callback result', async () => {
    const store = await Store.open(dir);
    const result = await store.update((draft) => {
      draft.hosts.push(hostRecord('box'));
      return 42;
    });
    assert.equal(result, 42);
    const again = await Store.open(dir);
    assert.deepEqual(await again.hosts(), [hostRecord('box')]);
    assert.equal((await stat(join(dir, 'swarm.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['store-id', 'swarm.json'], 'no temp or lock file is left behind');
  });

  it('keeps the storeId stable from the first read through later writes and reopenings', async () => {
    const store = await Store.open(dir);
    const first = (await store.read()).storeId;
    assert.equal((await store.read()).storeId, first);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    assert.equal((await store.read()).storeId, first);
    assert.equal((await (await Store.open(dir)).read()).storeId, first);
    const onDisk: unknown = JSON.parse(await readFile(join(dir, 'swarm.json'), 'utf8'));
    assert.equal(StoreFileSchema.parse(onDisk).storeId, first);
  });

  it('finds hosts and instances by name', async () => {
    const store = await Store.open(dir);
    await store.update((draft) => {
      draft.hosts.push(hostRecord('box'));
      draft.instances.push(instanceRecord('alpha'), instanceRecord('beta'));
    });
    assert.equal((await store.findHost('box'))?.address, 'dev@box:22');
    assert.equal(await store.findHost('nope'), undefined);
    assert.equal((await store.findInstance('beta'))?.id, 'id-beta');
    assert.equal(await store.findInstance('gamma'), undefined);
    assert.deepEqual(
      (await store.instances()).map((i) => i.name),
      ['alpha', 'beta'],
    );
  });

  it('does not let a draft mutation leak when the callback throws', async () => {
    const store = await Store.open(dir);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    await assert.rejects(
      store.update((draft) => {
        draft.hosts.length = 0;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await store.hosts()).length, 1);
  });

  it('refuses to save an invalid draft, duplicate names or a changed storeId', async () => {
    const store = await Store.open(dir);
    await store.update((draft) => void draft.instances.push(instanceRecord('alpha')));
    await assert.rejects(
      store.update((draft) => void draft.instances.push(instanceRecord('Bad Name'))),
      assertSwarmError('internal'),
    );
    await assert.rejects(
      store.update((draft) => void draft.instances.push(instanceRecord('alpha', { id: 'other' }))),
      assertSwarmError('conflict'),
    );
    await assert.rejects(
      store.update((draft) => {
        draft.storeId = STORE_ID;
      }),
      assertSwarmError('internal'),
    );
    assert.deepEqual(
      (await store.instances()).map((i) => i.name),
      ['alpha'],
    );
  });

  it('strips unknown fields on write', async () => {
    await writeFile(
      join(dir, 'swarm.json'),
      JSON.stringify({
        version: 1,
        storeId: STORE_ID,
        hosts: [{ ...hostRecord('box'), junk: 1 }],
        instances: [],
        knownHosts: [],
        extra: true,
      }),
    );
    const store = await Store.open(dir);
    await store.update(() => undefined);
    const text = await readFile(join(dir, 'swarm.json'), 'utf8');
    assert.ok(!text.includes('junk') && !text.includes('extra'), text);
    assert.equal((await store.read()).storeId, STORE_ID);
  });

  it('migrates a version 0 file on the first write and keeps the id it showed before', async () => {
    await writeFile(join(dir, 'swarm.json'), JSON.stringify({ hosts: [hostRecord('box')], instances: [] }));
    const store = await Store.open(dir);
    const before = await store.read();
    assert.equal(before.version, 1);
    assert.equal((await store.read()).storeId, before.storeId);
    await store.update(() => undefined);
    const onDisk = StoreFileSchema.parse(JSON.parse(await readFile(join(dir, 'swarm.json'), 'utf8')));
    assert.equal(onDisk.storeId, before.storeId);
    assert.deepEqual(onDisk.hosts, [hostRecord('box')]);
  });

  it('leaves a file from a newer version in place', async () => {
    const text = JSON.stringify({ version: 2, storeId: STORE_ID, everything: 'different' });
    await writeFile(join(dir, 'swarm.json'), text);
    const store = await Store.open(dir);
    await assert.rejects(store.read(), assertSwarmError('store-corrupt'));
    await assert.rejects(
      store.update(() => undefined),
      assertSwarmError('store-corrupt'),
    );
    assert.equal(await readFile(join(dir, 'swarm.json'), 'utf8'), text);
    assert.equal(store.lastRecovery, undefined);
  });

  it('moves a garbage file aside, starts fresh and reports the recovery', async () => {
    await writeFile(join(dir, 'swarm.json'), '\u0000\u0001 not json at all');
    const store = await Store.open(dir);
    const file = await store.read();
    assert.deepEqual(file.hosts, []);
    const recovery = store.lastRecovery;
    assert.ok(recovery, 'lastRecovery is set');
    assert.match(recovery.backupPath, /swarm\.json\.corrupt-[0-9TZ-]+$/);
    assert.match(recovery.reason, /JSON/);
    assert.equal(await readFile(recovery.backupPath, 'utf8'), '\u0000\u0001 not json at all');
    // The fresh file is written right away, so its id survives the next read.
    assert.equal((await store.read()).storeId, file.storeId);
    assert.equal((await (await Store.open(dir)).read()).storeId, file.storeId);
  });

  it('salvages the storeId from a truncated file', async () => {
    const full = JSON.stringify({ version: 1, storeId: STORE_ID, hosts: [hostRecord('box')], instances: [], knownHosts: [] });
    await writeFile(join(dir, 'swarm.json'), full.slice(0, full.length - 20));
    const store = await Store.open(dir);
    const file = await store.read();
    assert.equal(file.storeId, STORE_ID);
    assert.deepEqual(file.hosts, []);
    assert.ok(store.lastRecovery);
    assert.equal(await readFile(store.lastRecovery.backupPath, 'utf8'), full.slice(0, full.length - 20));
  });

  it('treats a schema-invalid file as corrupt and recovers inside update()', async () => {
    await writeFile(
      join(dir, 'swarm.json'),
      JSON.stringify({ version: 1, storeId: STORE_ID, hosts: 'nope', instances: [], knownHosts: [] }),
    );
    const store = await Store.open(dir);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    assert.ok(store.lastRecovery);
    assert.match(store.lastRecovery.reason, /hosts/);
    const file = await store.read();
    assert.equal(file.storeId, STORE_ID);
    assert.deepEqual(
      file.hosts.map((h) => h.name),
      ['box'],
    );
  });

  it('never overwrites an earlier backup', async () => {
    const store = await Store.open(dir);
    await writeFile(join(dir, 'swarm.json'), 'garbage one');
    await store.read();
    const firstBackup = store.lastRecovery?.backupPath;
    await writeFile(join(dir, 'swarm.json'), 'garbage two');
    await store.read();
    const secondBackup = store.lastRecovery?.backupPath;
    assert.ok(firstBackup && secondBackup);
    assert.notEqual(firstBackup, secondBackup);
    assert.equal(await readFile(firstBackup, 'utf8'), 'garbage one');
    assert.equal(await readFile(secondBackup, 'utf8'), 'garbage two');
  });

  it('reports a state path below a regular file as store-readonly', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(Store.open(join(dir, 'file', 'state')), assertSwarmError('store-readonly'));
    await assert.rejects(Store.open(join(dir, 'file')), assertSwarmError('store-readonly'));
  });

  it('reports a read-only directory as store-readonly and leaves the file untouched', async function () {
    const store = await Store.open(dir);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    const before = await readFile(join(dir, 'swarm.json'), 'utf8');
    if (process.getuid?.() === 0) {
      // Root ignores permission bits, so the writer runs as `nobody` in a folder it may only read.
      await chmod(dir, 0o755);
      await chmod(join(dir, 'swarm.json'), 0o644);
      // The checkout may sit in a folder `nobody` cannot enter: it runs a bundled copy from a public one.
      const worker = worldReadableBundle(WORKER);
      const reply = await runWorker(['touch', dir], { uid: 65534, gid: 65534, script: worker.file }).finally(() => worker.dispose());
      assert.equal(reply.ok, false, JSON.stringify(reply));
      assert.equal(reply.code, 'store-readonly');
      assert.ok(reply.message?.includes(dir), 'the hint names the directory');
    } else {
      await chmod(dir, 0o500);
      await assert.rejects(
        store.update((draft) => void draft.hosts.push(hostRecord('other'))),
        (e: unknown) => assertSwarmError('store-readonly')(e) && e instanceof SwarmError && (e.hint ?? '').includes(dir),
      );
    }
    assert.equal(await readFile(join(dir, 'swarm.json'), 'utf8'), before);
    assert.deepEqual(await readdir(dir), ['store-id', 'swarm.json']);
  });

  it('serializes concurrent updates within one process without losing any', async () => {
    const store = await Store.open(dir);
    const other = await Store.open(dir);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? store : other).update(async (draft) => {
          const seen = draft.instances.length;
          await new Promise((r) => setImmediate(r));
          draft.instances.push(instanceRecord(`n${i}`, { cpus: seen + 1 }));
        }),
      ),
    );
    const names = (await store.instances()).map((i) => i.name);
    assert.equal(names.length, 40);
    assert.equal(new Set(names).size, 40);
  });

  it('loses no update when several processes write at the same time', async () => {
    const workers = ['wa', 'wb', 'wc', 'wd'];
    const store = await Store.open(dir);
    const local = (async () => {
      for (let i = 0; i < 30; i++) await store.update((draft) => void draft.instances.push(instanceRecord(`local-${i}`)));
    })();
    const replies = await Promise.all(workers.map((tag) => runWorker(['append', dir, tag, '30'])));
    await local;
    for (const reply of replies) assert.equal(reply.ok, true, JSON.stringify(reply));
    const file = StoreFileSchema.parse(JSON.parse(await readFile(join(dir, 'swarm.json'), 'utf8')));
    const names = file.instances.map((i) => i.name);
    assert.equal(names.length, 30 * (workers.length + 1));
    assert.equal(new Set(names).size, names.length);
    for (const tag of workers) assert.ok(names.includes(`${tag}-29`));
    assert.equal(store.lastRecovery, undefined);
    assert.deepEqual(await readdir(dir), ['store-id', 'swarm.json']);
  });

  it('breaks a lock left by a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(dead);
    await writeFile(join(dir, 'swarm.lock'), `${dead}\n${Date.now()}\nfeedface\n`);
    const store = await Store.open(dir);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    assert.equal((await store.hosts()).length, 1);
    assert.deepEqual(await readdir(dir), ['store-id', 'swarm.json']);
  });

  it('breaks a lock older than 30 s even if its pid is alive', async () => {
    await writeFile(join(dir, 'swarm.lock'), `${process.ppid}\n${Date.now() - 31_000}\nfeedface\n`);
    const store = await Store.open(dir);
    await store.update((draft) => void draft.hosts.push(hostRecord('box')));
    assert.equal((await store.hosts()).length, 1);
  });
});

describe('withFileLock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarm-lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for a live holder and times out with a hint', async () => {
    const lock = join(dir, 'x.lock');
    const content = `${process.pid}\n${Date.now()}\nsomeoneelse\n`;
    await writeFile(lock, content);
    await assert.rejects(
      withFileLock(lock, async () => 1, { timeoutMs: 150 }),
      (e: unknown) => {
        assert.ok(e instanceof SwarmError);
        assert.equal(e.code, 'timeout');
        assert.match(e.oneLine(), /lock/);
        return true;
      },
    );
    assert.equal(await readFile(lock, 'utf8'), content, "a waiter never removes a live holder's lock");
  });

  it('a nested use times out rather than waiting on itself forever, and the outer holder still releases', async () => {
    const lock = join(dir, 'x.lock');
    await assert.rejects(
      withFileLock(lock, () => withFileLock(lock, async () => 1, { timeoutMs: 200 })),
      (e: unknown) => e instanceof SwarmError && e.code === 'timeout' && /inside another/.test(e.oneLine()),
    );
    assert.deepEqual(await readdir(dir), [], 'no lock file left');
    assert.equal(await withFileLock(lock, async () => 2, { timeoutMs: 1_000 }), 2, 'the lock is free again');
  });

  it('runs holders one at a time and removes the lock afterwards', async () => {
    const lock = join(dir, 'x.lock');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(lock, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
        }),
      ),
    );
    assert.equal(maxInside, 1);
    assert.deepEqual(await readdir(dir), []);
  });
});
