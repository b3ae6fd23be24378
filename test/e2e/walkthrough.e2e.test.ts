import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { volumeName } from '../../src/providers/docker/dockerNames.js';
import { lab, labDocker } from '../lab/lab.js';
import { recordPassword, suiteDir } from '../support/suiteArtifacts.js';
import { ARTIFACTS, answer, openWorkbench, runCommand, treeRow, type Workbench } from './workbench.js';
import { answerStep, contextMenu, instanceWorkbenchFrame, waitForRow } from './workbenchActions.js';

const ROOT = resolve(__dirname, '../../..');
const WALKTHROUGH = 'codeswarm.code-swarm#codeSwarm.gettingStarted';
/** Set by scripts/screenshots: the folder (docs/images) that gets the README's pictures. */
const SCREENSHOTS_ENV = 'CODE_SWARM_SCREENSHOTS';

/**
 * Readable names, as they show in the README's pictures. They are fixed, so a
 * run that was killed before its cleanup would leave them behind: the suite
 * removes them before it starts as well as after.
 */
const INSTANCES = [
  { name: 'demo-web', host: 'local' },
  { name: 'demo-api', host: 'alpha' },
  { name: 'demo-docs', host: 'alpha' },
] as const;

function stepButton(page: Page, step: string) {
  return page.locator(`.getting-started-step[data-step-id="${WALKTHROUGH}#${step}"]`);
}

/** The step's check mark: VS Code swaps its codicon and sets `complete` and aria-checked when the step is done. */
function stepCheck(page: Page, step: string) {
  return page.locator(`[data-done-step-id="${WALKTHROUGH}#${step}"]`);
}

async function isDone(page: Page, step: string): Promise<boolean> {
  const check = stepCheck(page, step);
  const classes = (await check.getAttribute('class')) ?? '';
  const checked = await check.getAttribute('aria-checked');
  const done = /\bcomplete\b/.test(classes) && /\bcodicon-getting-started-step-checked\b/.test(classes) && checked === 'true';
  const undone = !/\bcomplete\b/.test(classes) && /\bcodicon-getting-started-step-unchecked\b/.test(classes) && checked === 'false';
  assert.ok(done !== undone, `step ${step} shows one state, not a mix (class "${classes}", aria-checked ${checked})`);
  return done;
}

async function waitDone(page: Page, step: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isDone(page, step))) {
    if (Date.now() > deadline) assert.fail(`walkthrough step ${step} was not checked off within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/**
 * Expands a step (a click on its title), waits for its page beside it, and
 * clicks its button, which runs the step's command. The page is a webview
 * that takes focus when it loads: a quick pick opened before would close.
 */
async function runStep(page: Page, step: string, heading: string, button: string): Promise<void> {
  const row = stepButton(page, step);
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.step-title').click();
  assert.ok(await mediaShows(page, heading), `the page of step ${step} ("${heading}") shows`);
  await page.waitForTimeout(500);
  const action = row.getByRole('button', { name: button, exact: true });
  await action.waitFor({ state: 'visible', timeout: 10_000 });
  await action.click();
}

/** Whether some frame (the step's markdown page is a webview) shows this heading. */
async function mediaShows(page: Page, heading: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (
        (await f
          .getByRole('heading', { name: heading })
          .count()
          .catch(() => 0)) > 0
      )
        return true;
    }
    await page.waitForTimeout(500);
  }
  return false;
}

/** A screenshot for the README: kept in test-artifacts, and copied where scripts/screenshots asks. */
async function readmeShot(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  const file = join(ARTIFACTS, `readme-${name}.png`);
  await page.screenshot({ path: file, ...(clip ? { clip } : {}) });
  const into = process.env[SCREENSHOTS_ENV];
  if (into) {
    const dir = resolve(ROOT, into);
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, `${name}.png`));
  }
}

/** Drags the side bar's edge, so the pictures show the rows' descriptions in full. */
async function widenSidebar(page: Page, by: number): Promise<void> {
  const sidebar = page.locator('.part.sidebar');
  const before = await sidebar.boundingBox();
  assert.ok(before, 'the side bar is laid out');
  const x = before.x + before.width + 1;
  const y = before.y + before.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 10 });
  await page.mouse.up();
  const after = await sidebar.boundingBox();
  assert.ok(after && after.width > before.width + by / 2, `the side bar got wider (${before.width} -> ${after?.width})`);
}

/**
 * The address bar of the Simple Browser shows the tunnel's one-time login
 * token: the picture gets the query elided, so not even a spent token sits in
 * the repository.
 */
async function elideAddressQuery(page: Page): Promise<void> {
  for (const f of page.frames()) {
    const input = f.locator('input.url-input');
    if ((await input.count().catch(() => 0)) === 0) continue;
    const elided = (await input.inputValue()).replace(/\?.*$/, '?…');
    // Runs in the page: sets what the bar shows, without navigating.
    await input.evaluate((el, value) => {
      (el as unknown as { value: string }).value = value;
    }, elided);
    assert.doesNotMatch(await input.inputValue(), /token=/);
    return;
  }
  assert.fail('the Simple Browser address bar was not found');
}

/** The dashboard's page: the webview's inner frame that has its instances table. */
async function dashboardFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    for (const f of page.frames()) {
      if (
        (await f
          .locator('#instances')
          .count()
          .catch(() => 0)) > 0
      )
        return f;
    }
    await page.waitForTimeout(500);
  }
  assert.fail('the dashboard webview did not load');
}

async function removeDemoInstances(): Promise<void> {
  for (const i of INSTANCES) {
    const docker = labDocker(i.host);
    await docker
      .getContainer(`code-swarm-${i.name}`)
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getVolume(volumeName(i.name))
      .remove()
      .catch(() => undefined);
  }
}

describe('e2e: the Get Started walkthrough, step by step (and the README pictures)', function () {
  this.timeout(600_000);
  let wb: Workbench;

  before(async () => {
    await removeDemoInstances();
    const dir = suiteDir('csw-e2e-walkthrough-');
    const h = lab().hosts.alpha;
    writeFileSync(join(dir, 'config'), `Host alpha\n  HostName ${h.address}\n  User ${h.user}\n  IdentityFile ${lab().clientKey}\n`);
    wb = await openWorkbench({
      // The fingerprint prompt has its own journey (userJourney): here alpha's key is known.
      'codeSwarm.sshConfigFile': join(dir, 'config'),
      'codeSwarm.knownHostsFiles': [lab().knownHosts],
      'codeSwarm.defaultImage': lab().dockerImage,
      'codeSwarm.defaultCpus': 1,
      'codeSwarm.defaultMemory': '1g',
      'codeSwarm.healthIntervalSeconds': 5,
      'codeSwarm.refreshIntervalSeconds': 5,
      'codeSwarm.openIn': 'simpleBrowser',
      // The theme's current id: an old one ("Default Dark Modern") makes the workbench rewrite
      // settings.json, and the re-read drops the machine-scoped settings above in code-server.
      'workbench.colorTheme': 'Dark Modern',
    });
  });

  afterEach(async function () {
    // What the workbench showed when a step failed, for the person reading the report.
    if (this.currentTest?.state === 'failed')
      await wb?.screenshot(`walkthrough-failed-${this.currentTest.title.slice(0, 24).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await removeDemoInstances();
  });

  it('opens the walkthrough from the palette: three steps, none done yet', async () => {
    const { page } = wb;
    const item = page.locator('.part.activitybar a.action-label[aria-label^="Code Swarm"]');
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    await page.locator('[id="workbench.view.extension.codeSwarm"] .welcome-view-content').waitFor({ state: 'visible', timeout: 60_000 });
    // Room for the tree's descriptions and the walkthrough's two columns in the pictures.
    await page.setViewportSize({ width: 1600, height: 900 });
    await widenSidebar(page, 160);
    // Info toasts ("demo-web is running and healthy") would cover the pictures; errors still show.
    await runCommand(page, 'Notifications: Toggle Do Not Disturb Mode');
    // workbench.action.openWalkthrough, as a user reaches it: it asks which walkthrough.
    await runCommand(page, 'Welcome: Open Walkthrough...');
    await answer(page, 'Get Started with Code Swarm');
    await stepButton(page, 'chooseHost').waitFor({ state: 'visible', timeout: 30_000 });
    const ids = await page
      .locator(`.getting-started-step[data-step-id^="${WALKTHROUGH}#"]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-step-id')));
    assert.deepEqual(
      ids,
      ['chooseHost', 'createInstance', 'openInstance'].map((s) => `${WALKTHROUGH}#${s}`),
    );
    for (const s of ['chooseHost', 'createInstance', 'openInstance']) assert.equal(await isDone(page, s), false, `${s} starts unchecked`);
    assert.ok(await mediaShows(page, 'Where instances run'), "the first step's page (media/walkthrough/chooseHost.md) shows beside it");
    await wb.screenshot('walkthrough-01-start');
  });

  it('step 1: Use Local Docker adds this machine and checks the step off', async () => {
    const { page } = wb;
    await runStep(page, 'chooseHost', 'Where instances run', 'Use Local Docker');
    await treeRow(page, 'local').waitFor({ state: 'visible', timeout: 60_000 });
    await waitDone(page, 'chooseHost');
    assert.equal(await isDone(page, 'createInstance'), false);
    assert.equal(await isDone(page, 'openInstance'), false);
  });

  it('step 2: Create Instance runs the wizard; the instance turns healthy and the step is checked', async () => {
    const { page } = wb;
    await runStep(page, 'createInstance', 'An instance', 'Create Instance');
    await answerStep(page, 'Host to run the instance on', 'local');
    await answerStep(page, 'Instance name', INSTANCES[0].name);
    await answerStep(page, 'Image (code-server is brought in');
    await answerStep(page, 'CPUs');
    await answerStep(page, 'Memory');
    await waitForRow(page, INSTANCES[0].name, /healthy/);
    await waitDone(page, 'createInstance');
    assert.equal(await isDone(page, 'openInstance'), false);
    await wb.screenshot('walkthrough-02-created');
  });

  it('grows the swarm for the pictures: alpha with two more instances, one stopped', async () => {
    const { page } = wb;
    await runCommand(page, 'Code Swarm: Add SSH Host');
    await answerStep(page, 'SSH config', 'alpha');
    await answerStep(page, 'A name for this host');
    await treeRow(page, 'alpha').waitFor({ state: 'visible', timeout: 60_000 });
    for (const [n, instance] of INSTANCES.slice(1).entries()) {
      await runCommand(page, 'Code Swarm: Create Instance');
      if (n === 0) {
        // The wizard's first page, with both hosts to choose from.
        await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(1).waitFor({ state: 'visible', timeout: 30_000 });
        await page.waitForTimeout(500);
        await readmeShot(page, 'create-wizard', { x: 0, y: 0, width: 1600, height: 420 });
      }
      await answerStep(page, 'Host to run the instance on', instance.host);
      await answerStep(page, 'Instance name', instance.name);
      await answerStep(page, 'Image (code-server is brought in');
      await answerStep(page, 'CPUs');
      await answerStep(page, 'Memory');
      await waitForRow(page, instance.name, /healthy/);
    }
    await contextMenu(page, INSTANCES[2].name, 'Stop Instance');
    await waitForRow(page, INSTANCES[2].name, /stopped/);
    await waitForRow(page, INSTANCES[0].name, /healthy/);
    await waitForRow(page, INSTANCES[1].name, /healthy/);
    // Let the status bar catch up with the stop before the picture.
    await page.locator('[id="codeswarm.code-swarm.codeSwarm.status"]').filter({ hasText: '2/2' }).waitFor({ timeout: 60_000 });
    // No row selected in the picture: Escape clears the tree's selection, a click on blank editor space takes the focus.
    await page.keyboard.press('Escape');
    await page.mouse.click(1560, 760);
    await readmeShot(page, 'tree');
  });

  it('step 3: Open Instance shows code-server, logged in, and checks the last step', async () => {
    const { page } = wb;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(wb.url).origin });
    await runStep(page, 'openInstance', 'Opening an instance', 'Open Instance');
    await answerStep(page, 'Instance to open', INSTANCES[0].name);
    await page.locator('.tabs-container .tab').filter({ hasText: 'Simple Browser' }).waitFor({ timeout: 60_000 });
    const inner = await instanceWorkbenchFrame(page, wb.url);
    assert.ok(
      inner,
      `code-server's workbench loaded through the tunnel (frames: ${page
        .frames()
        .map((f) => f.url())
        .join(', ')})`,
    );
    assert.doesNotMatch(inner.url(), /login/);
    // code-server paints its workbench a moment after the frame appears.
    await page.waitForTimeout(3_000);
    await elideAddressQuery(page);
    await readmeShot(page, 'open-instance');
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    assert.match(copied, /^[A-Za-z0-9]{32}$/, 'Open copied the password');
    recordPassword(`e2e walkthrough: ${INSTANCES[0].name}`, copied);

    // Back on the walkthrough's tab: every step is checked off.
    await page.locator('.tabs-container .tab').filter({ hasText: 'Welcome' }).click();
    await stepButton(page, 'openInstance').waitFor({ state: 'visible', timeout: 30_000 });
    await waitDone(page, 'openInstance');
    for (const s of ['chooseHost', 'createInstance']) assert.equal(await isDone(page, s), true, `${s} stays checked`);
    await wb.screenshot('walkthrough-03-done');
  });

  it('the dashboard shows every instance with its figures, stops one from its row, and reads in light, dark and high-contrast themes', async () => {
    const { page } = wb;
    await runCommand(page, 'Code Swarm: Open Dashboard');
    await page.locator('.tabs-container .tab').filter({ hasText: 'Code Swarm Dashboard' }).waitFor({ timeout: 60_000 });
    const frame = await dashboardFrame(page);
    const row = (name: string) => frame.locator(`tr[data-instance="${name}"]`);
    for (const i of INSTANCES) await row(i.name).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('tr.instance').count(), INSTANCES.length, 'one row per instance, no more');
    for (const host of ['local', 'alpha']) {
      await frame
        .locator(`.host[data-host="${host}"]`)
        .filter({ hasText: /\d+ CPUs? · .* memory/ })
        .waitFor({ timeout: 60_000 });
    }
    // The running ones: figures from the stats rounds the dashboard's visibility runs, and a chart once two were read.
    for (const i of INSTANCES.slice(0, 2)) {
      await row(i.name).locator('svg.cpu polyline').waitFor({ state: 'attached', timeout: 90_000 });
      assert.match((await row(i.name).locator('td').nth(3).textContent()) ?? '', /^[\d.]+% · [\d.]+ [KMG]iB\/1 GiB$/, i.name);
      assert.match((await row(i.name).locator('td').nth(2).textContent()) ?? '', /^running · healthy/, i.name);
    }
    const stopped = INSTANCES[2].name;
    assert.match((await row(stopped).locator('td').nth(2).textContent()) ?? '', /^stopped/);
    assert.deepEqual(await row(stopped).locator('button').allTextContents(), ['Open', 'Start', 'Delete']);
    await wb.screenshot('dashboard-dark');

    // Stop from the dashboard: the tree's own command runs; both the dashboard and the tree follow.
    const target = INSTANCES[1].name;
    await row(target).locator('button[data-action="stop"]').click();
    await row(target)
      .filter({ hasText: /stopped/ })
      .waitFor({ timeout: 60_000 });
    await waitForRow(page, target, /stopped/);
    const container = await labDocker(INSTANCES[1].host).getContainer(`code-swarm-${target}`).inspect();
    assert.equal(container.State.Running, false, 'the engine says it is stopped');

    // Offline ways to switch themes: the light/dark toggle, and the system's forced colours, which the
    // workbench follows with its high-contrast theme (window.autoDetectHighContrast). The Color Theme
    // picker is not used: it offers a marketplace search, a network call this suite must never make.
    const themes = [
      ['dashboard-light', '.monaco-workbench.vs', () => runCommand(page, 'Preferences: Toggle between Light/Dark Themes')],
      [
        'dashboard-high-contrast',
        '.monaco-workbench.hc-black, .monaco-workbench.hc-light',
        () => page.emulateMedia({ forcedColors: 'active' }),
      ],
    ] as const;
    for (const [shot, workbenchClass, switchTheme] of themes) {
      await switchTheme();
      await page.locator(workbenchClass).first().waitFor({ state: 'attached', timeout: 30_000 });
      const again = await dashboardFrame(page);
      await again.locator(`tr[data-instance="${target}"]`).waitFor({ timeout: 30_000 });
      // The page repaints with the theme's variables a moment after the workbench switches.
      await page.waitForTimeout(1_000);
      await wb.screenshot(shot);
    }
  });
});
