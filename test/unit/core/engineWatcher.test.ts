import assert from 'node:assert/strict';
import { EngineWatcher, type EngineWatcherOptions } from '../../../src/core/engineWatcher.js';
import type { EngineChange, EngineEvents } from '../../../src/providers/provider.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A fake engine: each open gives a stream the test can push events into or break. */
class FakeEngine {
  opens = 0;
  readonly openedAt: number[] = [];
  closes = 0;
  failNextOpens = 0;
  push: ((c: EngineChange) => void) | undefined;
  private breakIt: ((e: Error) => void) | undefined;

  readonly watch: EngineWatcherOptions['watch'] = async (_host, onChange) => {
    this.opens++;
    this.openedAt.push(performance.now());
    if (this.failNextOpens > 0) {
      this.failNextOpens--;
      throw new Error('cannot reach the engine');
    }
    this.push = onChange;
    let resolveEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve, reject) => {
      resolveEnded = resolve;
      this.breakIt = reject;
    });
    const events: EngineEvents = {
      ended,
      close: () => {
        this.closes++;
        this.push = undefined;
        resolveEnded();
      },
    };
    return events;
  };

  break(): void {
    this.push = undefined;
    this.breakIt?.(new Error('stream broke'));
  }
}

function watcherFor(engine: FakeEngine, hosts: string[], extra: Partial<EngineWatcherOptions> = {}) {
  const changed: string[] = [];
  const errors: string[] = [];
  const w = new EngineWatcher({
    hosts: async () => hosts,
    watch: engine.watch,
    onChanged: async (h) => void changed.push(h),
    onError: (h, e) => void errors.push(`${h}: ${(e as Error).message}`),
    quietMs: 20,
    minGapMs: 100,
    retryFirstMs: 10,
    retryMaxMs: 40,
    ...extra,
  });
  return { w, changed, errors };
}

describe('EngineWatcher: engine events to one refresh per host', () => {
  it('turns a burst of events into one onChanged, after the burst', async () => {
    const engine = new FakeEngine();
    const { w, changed } = watcherFor(engine, ['alpha']);
    try {
      await w.sync();
      await until(() => w.isOpen('alpha'), 'the stream to open');
      for (const action of ['kill', 'die', 'stop']) engine.push?.({ id: 'i1', name: undefined, action });
      assert.deepEqual(changed, [], 'nothing runs before the burst is quiet');
      await until(() => changed.length === 1, 'one onChanged');
      await sleep(60);
      assert.deepEqual(changed, ['alpha']);
    } finally {
      w.dispose();
    }
  });

  it('waits settleMs after a die alone (Docker still lists it running), and only quietMs once its stop follows', async () => {
    const engine = new FakeEngine();
    const times: number[] = [];
    const { w } = watcherFor(engine, ['alpha'], { onChanged: async () => void times.push(performance.now()), quietMs: 20, settleMs: 300 });
    try {
      await w.sync();
      await until(() => w.isOpen('alpha'), 'the stream to open');
      // A crash with nothing after it: the list waits the whole settle time.
      let t0 = performance.now();
      engine.push?.({ id: 'i1', name: 'a', action: 'die', settling: true });
      await until(() => times.length === 1, 'the list after a lone die');
      assert.ok((times[0] ?? 0) - t0 >= 295, `listed ${((times[0] ?? 0) - t0).toFixed(0)} ms after a lone die`);
      await sleep(120);
      // A stop: die, then stop 50 ms later; the list follows the stop by quietMs.
      t0 = performance.now();
      engine.push?.({ id: 'i1', name: 'a', action: 'die', settling: true });
      await sleep(50);
      engine.push?.({ id: 'i1', name: 'a', action: 'stop' });
      await until(() => times.length === 2, 'the list after die and stop');
      const after = (times[1] ?? 0) - t0;
      assert.ok(after >= 65 && after < 250, `listed ${after.toFixed(0)} ms after the die (stop at 50, quiet 20)`);
    } finally {
      w.dispose();
    }
  });

  it('keeps at least minGapMs between two runs of a host, and does not lose the later change', async () => {
    const engine = new FakeEngine();
    const times: number[] = [];
    const { w } = watcherFor(engine, ['alpha'], { onChanged: async () => void times.push(Date.now()), minGapMs: 150 });
    try {
      await w.sync();
      await until(() => w.isOpen('alpha'), 'the stream to open');
      engine.push?.({ id: 'i1', name: undefined, action: 'die' });
      await until(() => times.length === 1, 'the first run');
      engine.push?.({ id: 'i1', name: undefined, action: 'start' });
      await until(() => times.length === 2, 'the second run');
      assert.ok((times[1] ?? 0) - (times[0] ?? 0) >= 140, `runs ${(times[1] ?? 0) - (times[0] ?? 0)} ms apart`);
    } finally {
      w.dispose();
    }
  });

  it('never runs onChanged twice at once for a host; a change during a run gets one more run', async () => {
    const engine = new FakeEngine();
    let active = 0;
    let most = 0;
    let runs = 0;
    const { w } = watcherFor(engine, ['alpha'], {
      minGapMs: 0,
      onChanged: async () => {
        active++;
        most = Math.max(most, active);
        runs++;
        await sleep(50);
        active--;
      },
    });
    try {
      await w.sync();
      await until(() => w.isOpen('alpha'), 'the stream to open');
      engine.push?.({ id: 'i1', name: undefined, action: 'die' });
      await until(() => active === 1, 'the run to start');
      engine.push?.({ id: 'i2', name: undefined, action: 'die' });
      engine.push?.({ id: 'i3', name: undefined, action: 'die' });
      await until(() => runs === 2 && active === 0, 'the second run');
      await sleep(80);
      assert.equal(runs, 2);
      assert.equal(most, 1);
    } finally {
      w.dispose();
    }
  });

  it('opens the stream again after it breaks, with growing delays, and lists once it is back', async () => {
    const engine = new FakeEngine();
    const { w, changed, errors } = watcherFor(engine, ['alpha']);
    try {
      await w.sync();
      await until(() => w.isOpen('alpha'), 'the stream to open');
      assert.deepEqual(changed, [], 'the first open is not a change');
      engine.failNextOpens = 2;
      engine.break();
      await until(() => engine.opens === 4 && w.isOpen('alpha'), 'one open, two failed retries, one that worked');
      const [, second = 0, third = 0, fourth = 0] = engine.openedAt;
      // Retries wait 10, 20, then 40 ms (retryFirstMs 10, doubling, at most retryMaxMs 40).
      assert.ok(third - second >= 19, `second retry after ${third - second} ms`);
      assert.ok(fourth - third >= 38, `third retry after ${fourth - third} ms`);
      assert.deepEqual(errors, ['alpha: stream broke', 'alpha: cannot reach the engine', 'alpha: cannot reach the engine']);
      await until(() => changed.length === 1, 'a list after the gap');
    } finally {
      w.dispose();
    }
  });

  it('follows the host list, and closes every stream on dispose', async () => {
    const engine = new FakeEngine();
    const hosts = ['alpha', 'beta'];
    const { w } = watcherFor(engine, hosts);
    await w.sync();
    await until(() => w.isOpen('alpha') && w.isOpen('beta'), 'both streams to open');
    hosts.splice(1, 1);
    await w.sync();
    assert.equal(w.isOpen('beta'), false);
    assert.equal(engine.closes, 1, "beta's stream is closed when beta goes");
    w.dispose();
    assert.equal(engine.closes, 2);
    assert.equal(w.isOpen('alpha'), false);
    const opens = engine.opens;
    await sleep(60);
    assert.equal(engine.opens, opens, 'nothing opens after dispose');
  });

  it('leaves a host whose engine has no events alone', async () => {
    let opens = 0;
    const { w, errors } = watcherFor(new FakeEngine(), ['lxd-host'], {
      watch: async () => {
        opens++;
        return undefined;
      },
    });
    try {
      await w.sync();
      await sleep(60);
      assert.equal(opens, 1);
      assert.equal(w.isOpen('lxd-host'), false);
      assert.deepEqual(errors, []);
    } finally {
      w.dispose();
    }
  });
});
