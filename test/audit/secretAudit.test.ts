import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inspect } from 'node:util';
import { lab } from '../lab/lab.js';
import { auditSecrets, collectPasswords, listFiles, mayHoldPasswords } from '../support/secretAudit.js';
import { keepSuiteRoot, suiteRoot, TRANSCRIPT } from '../support/suiteArtifacts.js';
import { MOCHA_OUTPUT, startSuiteRecording } from '../support/suiteRecording.js';

// A root-level hook: it runs before the first test of the whole mocha run
// (unit, integration, e2e), so every CLI run and every line mocha prints is
// recorded for the audit below, which is the run's last suite (scripts/test).
before(function () {
  startSuiteRecording();
});

/** The lab's daemon logs and the engines' per-container files (scripts/testbed: LAB_RUN, engines' data roots, LXD's log dir). */
function labFiles(): string[] {
  const run = process.env.CODE_SWARM_LAB_RUN ?? '/run/code-swarm-lab';
  const dirs = [run, '/var/log/lxd', '/var/lib/docker/containers'];
  for (const engine of subdirs(join(lab().root, 'engines'))) dirs.push(join(engine, 'containers'));
  return dirs.flatMap((d) => listFiles(d));
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/** The messages of every test and hook that failed so far: mocha prints them at the end, into the CI log. */
function failureMessages(suite: Mocha.Suite): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const hooks = suite as unknown as Record<'_beforeAll' | '_beforeEach' | '_afterAll' | '_afterEach', Mocha.Hook[] | undefined>;
  const runnables: Mocha.Runnable[] = [
    ...suite.tests,
    ...(['_beforeAll', '_beforeEach', '_afterAll', '_afterEach'] as const).flatMap((k) => hooks[k] ?? []),
  ];
  for (const r of runnables) {
    const err = (r as Mocha.Runnable & { err?: unknown }).err;
    if (!(err instanceof Error)) continue;
    // An assertion's actual and expected values are printed in the diff, not only in the message.
    const { actual, expected } = err as { actual?: unknown; expected?: unknown };
    out.push([`failure of "${r.fullTitle()}"`, [err.stack ?? err.message, inspect(actual), inspect(expected)].join('\n')]);
  }
  for (const s of suite.suites) out.push(...failureMessages(s));
  return out;
}

describe('secret audit: after the whole suite', function () {
  this.timeout(300_000);

  it('finds no password outside the secret stores: not in state or store files, logs, output channels, CLI output or error messages', function () {
    const root = suiteRoot();
    const passwords = collectPasswords(root);
    // Fewer would mean the recorders went blind, and a search for nothing always passes.
    assert.ok(passwords.length >= 5, `the suite made only ${passwords.length} recorded password(s) under ${root}`);
    assert.ok(
      existsSync(join(root, TRANSCRIPT)) && readFileSync(join(root, TRANSCRIPT), 'utf8').includes('--- cli '),
      'CLI output and error messages were recorded',
    );
    assert.ok(existsSync(join(root, MOCHA_OUTPUT)), "mocha's output was recorded");

    const suiteFiles = listFiles(root, (p) => mayHoldPasswords(root, p));
    // The workbench's output channel logs, when e2e ran: without them the audit would miss the extension's own log.
    const workbenches = listFiles(root).filter((f) => /\/csw-e2e-[^/]+\/config\.yaml$/.test(f)).length;
    const channels = suiteFiles.filter((f) => basename(f) === 'Code Swarm.log').length;
    if (workbenches > 0)
      assert.ok(channels > 0, `${workbenches} workbench(es) ran but no "Code Swarm" output channel log was found under ${root}`);

    let top: Mocha.Suite = this.test!.parent!;
    while (top.parent) top = top.parent;
    const failures = failureMessages(top);
    const report = auditSecrets({ passwords, files: [...suiteFiles, ...labFiles()], texts: failures });
    process.stdout.write(
      `      audit: ${report.passwords} passwords × ${report.files} files (${(report.bytes / 1e6).toFixed(1)} MB: state and store files, ` +
        `transcript, mocha output, ${channels} output channel log(s) of ${workbenches} workbench(es), lab daemon logs) + ` +
        `${report.texts} failure message(s); ${report.leaks.length} leak(s)${report.unreadable.length ? `; unreadable: ${report.unreadable.length}` : ''}\n`,
    );
    if (report.leaks.length > 0) {
      keepSuiteRoot();
      const list = report.leaks
        .slice(0, 40)
        .map((l) => `\n  ${l.where} (${l.form}): ${l.password}`)
        .join('');
      assert.fail(`${report.leaks.length} password leak(s); evidence kept in ${root}:${list}`);
    }
  });
});
