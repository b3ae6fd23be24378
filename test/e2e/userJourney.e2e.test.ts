import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lab, labDocker, uniqueName } from '../lab/lab.js';
import { recordPassword, suiteDir } from '../support/suiteArtifacts.js';
import { openWorkbench, runCommand, treeRow, type Workbench } from './workbench.js';
import { answerStep, contextMenu, contextMenuShowing, instanceWorkbenchFrame, notificationTexts, waitForRow } from './workbenchActions.js';

const STATUS = '[id="codeswarm.code-swarm.codeSwarm.status"]';

describe('e2e: a user journey in a real workbench', function () {
  this.timeout(400_000);
  let wb: Workbench;
  const instance = uniqueName('e2e');

  before(async () => {
    const dir = suiteDir('csw-e2e-ssh-');
    // An ssh config with an alias for alpha, and a known_hosts that does not
    // know it yet: the user must see and accept the fingerprint.
    const h = lab().hosts.alpha;
    writeFileSync(join(dir, 'config'), `Host alpha\n  HostName ${h.address}\n  User ${h.user}\n  IdentityFile ${lab().clientKey}\n`);
    writeFileSync(join(dir, 'known_hosts'), '');
    wb = await openWorkbench({
      'codeSwarm.sshConfigFile': join(dir, 'config'),
      'codeSwarm.knownHostsFiles': [join(dir, 'known_hosts')],
      'codeSwarm.defaultImage': lab().dockerImage,
      'codeSwarm.defaultCpus': 1,
      'codeSwarm.defaultMemory': '1g',
      'codeSwarm.healthIntervalSeconds': 2,
      'codeSwarm.refreshIntervalSeconds': 5,
      'codeSwarm.openIn': 'simpleBrowser',
    });
  });

  afterEach(async function () {
    // What the workbench showed when a step failed, for the person reading the report.
    if (this.currentTest?.state !== 'failed' || !wb) return;
    await wb.screenshot(`journey-failed-${this.currentTest.title.slice(0, 24).replace(/\W+/g, '-')}`).catch(() => undefined);
    console.log(`    notifications on screen: ${(await notificationTexts(wb.page).catch(() => [])).join(' | ') || 'none'}`);
  });

  after(async () => {
    await wb?.close();
    await labDocker('alpha')
      .getContainer(`code-swarm-${instance}`)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('opens the view and shows the welcome with Add SSH Host and Use Local Docker', async () => {
    const { page } = wb;
    const item = page.locator('.part.activitybar a.action-label[aria-label^="Code Swarm"]');
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    const welcome = page.locator('[id="workbench.view.extension.codeSwarm"] .welcome-view-content');
    await welcome.waitFor({ state: 'visible', timeout: 60_000 });
    await welcome.getByRole('button', { name: 'Add SSH Host' }).waitFor({ timeout: 30_000 });
    await welcome.getByRole('button', { name: 'Use Local Docker' }).waitFor({ timeout: 30_000 });
    await wb.screenshot('journey-01-welcome');
  });

  it('adds alpha from the palette, accepting its host key in a modal', async () => {
    const { page } = wb;
    await runCommand(page, 'Code Swarm: Add SSH Host');
    await answerStep(page, 'SSH config', 'alpha');
    await answerStep(page, 'A name for this host');
    const accept = page.getByRole('button', { name: 'Accept' });
    await accept.waitFor({ state: 'visible', timeout: 30_000 });
    const dialog = (await page.locator('.monaco-dialog-box').textContent()) ?? '';
    assert.match(dialog, /SHA256:/, 'the modal shows the fingerprint');
    await wb.screenshot('journey-02-host-key');
    await accept.click();
    await treeRow(page, 'alpha').waitFor({ state: 'visible', timeout: 60_000 });
    await wb.screenshot('journey-03-host-added');
  });

  it("checks alpha from its row: the doctor's report opens in a webview", async () => {
    const { page } = wb;
    await contextMenu(page, 'alpha', 'Check Host');
    const tab = page.locator('.tabs-container .tab').filter({ hasText: 'Check Host: alpha' });
    await tab.waitFor({ timeout: 60_000 });
    // The report lives in the webview's inner frame: find the one that shows the findings.
    let report = '';
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !report.includes('docker.socket');) {
      for (const f of page.frames()) {
        const text = await f
          .locator('body')
          .textContent({ timeout: 1_000 })
          .catch(() => '');
        if (text?.includes('docker.socket')) report = text;
      }
      if (!report) await page.waitForTimeout(500);
    }
    assert.match(report, /alpha: 0 error\(s\)/);
    assert.match(report, /alpha may use \/var\/run\/docker\.sock/);
    await wb.screenshot('journey-03b-check-host');
  });

  it('creates an instance that turns healthy in the tree and the status bar', async () => {
    const { page } = wb;
    await runCommand(page, 'Code Swarm: Create Instance');
    await answerStep(page, 'Host to run the instance on', 'alpha');
    await answerStep(page, 'Instance name', instance);
    await answerStep(page, 'Image (code-server is brought in');
    await answerStep(page, 'CPUs');
    await answerStep(page, 'Memory');
    await waitForRow(page, instance, /healthy/);
    await page.locator(STATUS).filter({ hasText: '1/1' }).waitFor({ timeout: 60_000 });
    await wb.screenshot('journey-04-healthy');
  });

  it('stops and starts it from the context menu', async () => {
    const { page } = wb;
    await contextMenu(page, instance, 'Stop Instance');
    await waitForRow(page, instance, /stopped/);
    await wb.screenshot('journey-05-stopped');
    await contextMenu(page, instance, 'Start Instance');
    await waitForRow(page, instance, /healthy/);
  });

  it('opens it in a Simple Browser tab that shows code-server, logged in', async () => {
    const { page } = wb;
    // Open copies the password (for a login from elsewhere): the test reads it back from the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(wb.url).origin });
    await contextMenuShowing(page, instance, 'Open Instance', page.locator('.tabs-container .tab').filter({ hasText: 'Simple Browser' }));
    // The Simple Browser webview nests an iframe on the tunnel's URL; inside
    // it, code-server's own workbench (not its login page) must load.
    const inner = await instanceWorkbenchFrame(page, wb.url);
    await wb.screenshot('journey-06-open');
    assert.ok(
      inner,
      `code-server's workbench loaded through the tunnel (frames: ${page
        .frames()
        .map((f) => f.url())
        .join(', ')})`,
    );
    assert.doesNotMatch(inner.url(), /login/);
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    assert.match(copied, /^[A-Za-z0-9]{32}$/, 'Open copied the password');
    // The secret audit then looks for it in the workbench's logs and profile.
    recordPassword(`e2e journey: ${instance}`, copied);
  });

  it('deletes it after a modal that says what happens to the volume', async () => {
    const { page } = wb;
    await contextMenu(page, instance, 'Delete Instance');
    const purge = page.getByRole('button', { name: 'Delete and Remove Volume' });
    await purge.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await page.locator('.monaco-dialog-box').textContent()) ?? '', /volume/i);
    await purge.click();
    await treeRow(page, instance).waitFor({ state: 'detached', timeout: 60_000 });
    await wb.screenshot('journey-07-deleted');
    const left = await labDocker('alpha').listContainers({ all: true, filters: { name: [`code-swarm-${instance}`] } });
    assert.equal(left.length, 0);
  });
});
