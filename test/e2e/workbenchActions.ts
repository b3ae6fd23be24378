import assert from 'node:assert/strict';
import type { Frame, Locator, Page } from 'playwright-core';
import { treeRow } from './workbench.js';

/** What a user does in the workbench, shared by the e2e journeys. */

/** Waits until the open quick input shows this prompt or placeholder, then answers it. */
export async function answerStep(page: Page, shows: string, value?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  // Runs in the page: the prompt or placeholder of the visible quick input.
  const predicate = `(() => {
    const w = document.querySelector('.quick-input-widget');
    if (!w || w.style.display === 'none') return false;
    const i = w.querySelector('.quick-input-box input');
    const t = ${JSON.stringify(shows)};
    return (w.textContent || '').includes(t) || ((i && i.placeholder) || '').includes(t) || ((i && i.getAttribute('aria-label')) || '').includes(t);
  })()`;
  // Generous: a loaded machine can take long to bring the next step up; the failure says which step and what showed.
  await page.waitForFunction(predicate, undefined, { timeout: 60_000 }).catch(async (e: unknown) => {
    const showing = (await widget.textContent().catch(() => null)) ?? '(no quick input)';
    throw new Error(`the quick input never showed "${shows}" (showing: "${showing.slice(0, 200)}"): ${String(e).split('\n')[0]}`);
  });
  if (value !== undefined) {
    await input.fill(value);
    // A pick may still be loading its items (the host step reads each host's room first): Enter on an
    // empty or stale list does nothing, so wait until a row shows the value. An input box has no list.
    const hasRow = `(() => {
      const list = document.querySelector('.quick-input-widget .quick-input-list');
      if (!list || list.offsetParent === null) return true;
      return [...list.querySelectorAll('.monaco-list-row')].some((r) => (r.textContent || '').includes(${JSON.stringify(value)}));
    })()`;
    await page.waitForFunction(hasRow, undefined, { timeout: 60_000 }).catch(() => {
      throw new Error(`the quick pick "${shows}" never listed "${value}"`);
    });
  }
  // Let the list filter (or validation run) before accepting.
  await page.waitForTimeout(300);
  // On the input itself: a webview that finishes loading meanwhile takes the keyboard focus.
  await input.press('Enter');
}

export async function rowDescription(page: Page, label: string): Promise<string> {
  return (await treeRow(page, label).locator('.label-description').first().textContent()) ?? '';
}

export async function waitForRow(page: Page, label: string, description: RegExp, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if ((await treeRow(page, label).count()) > 0) {
      last = await rowDescription(page, label);
      if (description.test(last)) return;
    }
    await page.waitForTimeout(500);
  }
  assert.fail(`row "${label}" never matched ${description} (last: "${last}")`);
}

export async function contextMenu(page: Page, label: string, item: string): Promise<void> {
  const entry = page.getByRole('menuitem', { name: item, exact: true });
  // The workbench closes a context menu when focus moves (a webview that
  // finishes loading takes it), and a row the tree redraws while the menu
  // opens (a host that just connected) gets a menu without its items yet:
  // open it again, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      await treeRow(page, label).click({ button: 'right' });
      await entry.waitFor({ state: 'visible', timeout: 10_000 });
      // A click during the menu's opening animation can land on nothing.
      await page.waitForTimeout(300);
      await entry.click({ timeout: 5_000 });
      break;
    } catch (e) {
      const shown = await page.getByRole('menuitem').allTextContents();
      if (attempt >= 3)
        throw new Error(`"${item}" not in the menu of row "${label}" (it showed: ${shown.join(' | ') || 'nothing'})`, { cause: e });
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
  await page
    .locator('.context-view.monaco-menu-container')
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

/** The texts of the notifications on screen: what a failed step said to the user. */
export async function notificationTexts(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
}

/**
 * Runs a row's menu item and waits for what it shows. A click that the
 * workbench dropped (the menu closed under it as the tree redrew) shows
 * nothing and no notification either: that click is made once more. Any
 * notification the first try raised fails the step with its words.
 */
export async function contextMenuShowing(page: Page, label: string, item: string, shown: Locator, timeoutMs = 60_000): Promise<void> {
  await contextMenu(page, label, item);
  try {
    await shown.waitFor({ state: 'visible', timeout: timeoutMs / 2 });
    return;
  } catch (e) {
    const said = await notificationTexts(page);
    if (said.length > 0) throw new Error(`"${item}" on "${label}" showed nothing but notifications: ${said.join(' | ')}`, { cause: e });
  }
  await contextMenu(page, label, item);
  await shown.waitFor({ state: 'visible', timeout: timeoutMs / 2 });
}

/**
 * The frame in which an opened instance's code-server workbench (not its
 * login page) has loaded: the Simple Browser webview nests an iframe on the
 * tunnel's loopback URL. Undefined when none did within the time.
 */
export async function instanceWorkbenchFrame(page: Page, workbenchUrl: string, timeoutMs = 90_000): Promise<Frame | undefined> {
  const own = new URL(workbenchUrl).origin;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (f === page.mainFrame() || !/^http:\/\/127\.0\.0\.1:\d+\//.test(f.url()) || f.url().startsWith(own)) continue;
      if ((await f.locator('.monaco-workbench').count()) > 0) return f;
    }
    await page.waitForTimeout(1_000);
  }
  return undefined;
}
