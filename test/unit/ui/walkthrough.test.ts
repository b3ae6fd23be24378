import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { COMMAND_IDS } from '../../../src/ui/commands/commandIds.js';
import { CONTEXT_KEYS } from '../../../src/ui/model/contextValues.js';

const ROOT = resolve(__dirname, '../../../..');

const Step = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  media: z.object({ markdown: z.string() }),
  completionEvents: z.array(z.string()),
});
const Manifest = z.object({
  contributes: z.object({
    walkthroughs: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), steps: z.array(Step) })),
  }),
});

const walkthroughs = Manifest.parse(JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'))).contributes.walkthroughs;
const commands = new Set<string>(COMMAND_IDS);
const contextKeys = new Set<string>(Object.values(CONTEXT_KEYS));

describe('the Get Started walkthrough in package.json', () => {
  it('is one walkthrough with the id the e2e suite opens', () => {
    assert.deepEqual(
      walkthroughs.map((w) => w.id),
      ['codeSwarm.gettingStarted'],
    );
  });

  it('has the first-hour steps in order, each completed by its own command', () => {
    const steps = walkthroughs[0]!.steps;
    assert.deepEqual(
      steps.map((s) => [s.id, s.completionEvents.filter((e) => e.startsWith('onCommand:'))]),
      [
        ['chooseHost', ['onCommand:codeSwarm.useLocalDocker', 'onCommand:codeSwarm.addHost']],
        ['createInstance', ['onCommand:codeSwarm.createInstance']],
        ['openInstance', ['onCommand:codeSwarm.openInstance', 'onCommand:codeSwarm.openInstanceExternal']],
      ],
    );
  });

  it('names only contributed commands and context keys the extension sets', () => {
    for (const s of walkthroughs.flatMap((w) => w.steps)) {
      for (const e of s.completionEvents) {
        const [kind, name] = e.split(/:(.*)/s) as [string, string];
        if (kind === 'onCommand') assert.ok(commands.has(name), `${s.id}: ${e}`);
        else if (kind === 'onContext') assert.ok(contextKeys.has(name), `${s.id}: ${e}`);
        else assert.fail(`${s.id}: unexpected completion event ${e}`);
      }
      const links = [...s.description.matchAll(/\(command:([^)?]+)/g)].map((m) => m[1]!);
      assert.ok(links.length > 0, `${s.id} has a button`);
      for (const l of links) assert.ok(commands.has(l), `${s.id}: link to ${l}`);
      // Each button completes its step: a user who clicks it sees the check.
      for (const l of links) assert.ok(s.completionEvents.includes(`onCommand:${l}`), `${s.id}: ${l} completes it`);
    }
  });

  it('shows a markdown page per step from media/walkthrough/ (packaged: .vscodeignore keeps media/**)', () => {
    for (const s of walkthroughs.flatMap((w) => w.steps)) {
      assert.match(s.media.markdown, /^media\/walkthrough\/[A-Za-z]+\.md$/, s.id);
      const file = resolve(ROOT, s.media.markdown);
      assert.ok(existsSync(file), `${s.media.markdown} exists`);
      assert.match(readFileSync(file, 'utf8'), /^# \S/, `${s.media.markdown} starts with a heading`);
    }
    assert.match(readFileSync(resolve(ROOT, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m);
  });
});
