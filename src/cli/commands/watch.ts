import { toSwarmError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import { changeLine, instanceChanges } from '../instanceChanges.js';
import { untilInterrupted } from '../untilInterrupted.js';

/** Between two idle rounds of a watch (docs/IDLE.md): a timeout is at least a minute. */
const IDLE_ROUND_MS = 15_000;

/**
 * Follows the engines' events (as the extension's view does) and prints one
 * line per change; with --json, one object per line. Progress and retries go
 * to stderr, so stdout carries changes only.
 */
export const watch = defineCommand({
  name: 'watch',
  usage: 'watch [--host HOST]',
  args: 0,
  options: { host: { type: 'string' } },
  async run({ swarm, out, values }) {
    const host = values.host;
    let shown = await swarm.refresh(host);
    const watcher = swarm.engineWatcher({
      ...(host !== undefined ? { host } : {}),
      onListed: (listed, views) => {
        const before = shown.filter((v) => v.host === listed);
        for (const c of instanceChanges(before, views)) out.data({ ...c, at: new Date().toISOString() }, () => changeLine(c));
        shown = [...shown.filter((v) => v.host !== listed), ...views];
      },
      onOpen: (h) => out.error(`code-swarm: watching ${h} (Ctrl-C ends)`),
      onError: (h, e) => out.error(`code-swarm: ${h}: ${toSwarmError(e).oneLine()} (retrying)`),
    });
    // Instances whose code-server cannot stop itself when idle (LXD, Swarm, an
    // older code-server) are stopped by Code Swarm's idle rounds: a watch runs them.
    const idleRounds = setInterval(() => void swarm.idleRound().catch(() => undefined), IDLE_ROUND_MS);
    // Listening before the first line is out: a Ctrl-C at any point ends the watch cleanly.
    const interrupted = untilInterrupted();
    try {
      await watcher.sync();
      await interrupted;
    } finally {
      clearInterval(idleRounds);
      watcher.dispose();
    }
  },
});
