import assert from 'node:assert/strict';
import { openWorkbench, type Workbench } from './workbench.js';

describe('e2e: the packaged extension in a real workbench', function () {
  this.timeout(120_000);
  let wb: Workbench;
  before(async () => {
    wb = await openWorkbench({});
  });
  after(async () => wb?.close());

  it('shows the Code Swarm activity bar item and opens its view', async () => {
    const item = wb.page.locator('.part.activitybar a.action-label[aria-label^="Code Swarm"]');
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    const container = wb.page.locator('[id="workbench.view.extension.codeSwarm"]');
    await container.waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('01-view-open');
    assert.ok(await container.isVisible());
  });
});
