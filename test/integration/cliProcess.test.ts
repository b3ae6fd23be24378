import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lab, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');
/**
 * How long a CLI process may live after its last line of output. Closing a
 * store and a connection takes milliseconds; the bug this guards against kept
 * the process alive 8-9 s longer (the password thread's 10 s idle timer).
 * Loose enough for a loaded machine, tight enough to catch any timer that
 * outlives the work.
 */
const EXIT_AFTER_OUTPUT_MS = 3_000;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From the last stdout chunk to the process's exit. */
  readonly lingerMs: number;
}

/** Runs `code-swarm` as a whole process; `interrupt` sends SIGINT once its first stdout line is out (open, watch). */
function cli(state: string, args: readonly string[], interrupt = false): Promise<Run> {
  const child = spawn(process.execPath, [CLI, '--json', '--state-dir', state, '--known-hosts', lab().knownHosts, ...args], {
    env: { ...process.env, SSH_AUTH_SOCK: '' },
  });
  let stdout = '';
  let stderr = '';
  let lastOutput = Date.now();
  let interrupted = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    lastOutput = Date.now();
    if (interrupt && !interrupted && stdout.includes('\n')) interrupted = child.kill('SIGINT');
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 170_000);
  return new Promise((done) =>
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      done({ code, signal, stdout, stderr, lingerMs: Date.now() - lastOutput });
    }),
  );
}

function assertExitsAfterOutput(r: Run, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}, signal ${r.signal}, stderr ${r.stderr}`);
  assert.notEqual(r.stdout, '', `${what} printed its answer`);
  assert.ok(r.lingerMs < EXIT_AFTER_OUTPUT_MS, `${what}: the process lived on ${r.lingerMs} ms after its output`);
}

describe('code-swarm processes end when their work is done', function () {
  this.timeout(300_000);
  let state: string;

  before(async () => {
    state = suiteDir('csw-cliproc-');
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node'), 'the CLI is built (npm run build)');
    assertExitsAfterOutput(await cli(state, ['hosts', 'add', 'local', '--local']), 'hosts add --local');
    const a = lab().hosts.alpha;
    assertExitsAfterOutput(
      await cli(state, ['hosts', 'add', 'alpha', '--ssh', `${a.user}@${a.address}`, '--identity', lab().clientKey]),
      'hosts add alpha',
    );
  });

  for (const host of ['local', 'alpha']) {
    it(`create, list, stop, start and delete on ${host} each exit right after printing`, async () => {
      const name = uniqueName('cliproc');
      try {
        // create hashes the instance's password on a worker thread and waits until the instance is healthy.
        const made = await cli(state, ['create', name, '--host', host, '--image', lab().lightImage, '--cpus', '0.2', '--memory', '64m']);
        assertExitsAfterOutput(made, `create on ${host}`);
        assert.equal(JSON.parse(made.stdout).health, 'healthy');
        assertExitsAfterOutput(await cli(state, ['list', '--host', host]), `list on ${host}`);
        assertExitsAfterOutput(await cli(state, ['stop', name]), `stop on ${host}`);
        assertExitsAfterOutput(await cli(state, ['start', name]), `start on ${host}`);
      } finally {
        assertExitsAfterOutput(await cli(state, ['delete', name, '--purge']), `delete on ${host}`);
      }
    });
  }

  it('open prints its URL, holds the tunnel, and exits right after Ctrl-C (the tunnel worker ends with it)', async () => {
    const name = uniqueName('cliopen');
    try {
      assertExitsAfterOutput(
        await cli(state, ['create', name, '--host', 'alpha', '--image', lab().lightImage, '--cpus', '0.2', '--memory', '64m']),
        'create',
      );
      const opened = await cli(state, ['open', name], true);
      assertExitsAfterOutput(opened, 'open, interrupted');
      const first = JSON.parse(opened.stdout.split('\n')[0] ?? '') as Record<string, unknown>;
      assert.deepEqual(Object.keys(first), ['name', 'url']);
      assert.match(String(first.url), /^http:\/\/127\.0\.0\.1:\d+\/\?code-swarm-token=/);
    } finally {
      await cli(state, ['delete', name, '--purge']);
    }
  });
});
