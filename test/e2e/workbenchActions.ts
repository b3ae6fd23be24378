import assert from 'node:assert/strict';
import type { Frame, Locator, Page } from 'playwright-core';
import { treeRow } from './workbench.js';

/** What a user does in the workbench, shared by the e2e journeys. */

/**
 * Runs in the page: whether the visible quick input shows this text as its
 * title, prompt, placeholder or label. Not its text content as a whole: that
 * holds its style sheet and, in a pick, the rows.
 */
function showsPredicate(shows: string): string {
  return `(() => {
    const w = document.querySelector('.quick-input-widget');
    if (!w || w.style.display === 'none') return false;
    const i = w.querySelector('.quick-input-box input');
    const t = ${JSON.stringify(shows)};
    const texts = [...w.querySelectorAll('*')]
      .filter((e) => e.children.length === 0 && e.tagName !== 'STYLE' && !e.closest('.quick-input-list'))
      .map((e) => e.textContent || '');
    return texts.some((x) => x.includes(t)) || ((i && i.placeholder) || '').includes(t) || ((i && i.getAttribute('aria-label')) || '').includes(t);
  })()`;
}

/** What the quick input shows, in one line, for a failure message. */
async function quickInputState(page: Page): Promise<string> {
  return page
    .evaluate(
      `(() => {
      const w = document.querySelector('.quick-input-widget');
      if (!w || w.style.display === 'none') return 'no quick input';
      const i = w.querySelector('.quick-input-box input');
      const rows = [...w.querySelectorAll('.quick-input-list .monaco-list-row')].map((r) => (r.textContent || '').trim().slice(0, 40));
      const busy = !!w.querySelector('.quick-input-progress.active');
      const message = (w.querySelector('.quick-input-message') || {}).textContent || '';
      return 'placeholder "' + ((i && i.placeholder) || '') + '", message "' + message.slice(0, 80) + '", value "' + ((i && i.value) || '') + '", rows [' + rows.join(' | ') + ']' + (busy ? ', busy' : '');
    })()`,
    )
    .then(String, (e: unknown) => `unreadable: ${String(e)}`);
}

/** Waits until the open quick input shows this prompt or placeholder, then answers it. */
export async function answerStep(page: Page, shows: string, value?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const predicate = showsPredicate(shows);
  // Generous: a loaded machine can take long to bring the next step up; the failure says which step and what showed.
  await page.waitForFunction(predicate, undefined, { timeout: 60_000 }).catch(async (e: unknown) => {
    throw new Error(`the quick input never showed "${shows}" (${await quickInputState(page)}): ${String(e).split('\n')[0]}`);
  });
  // A pick that reads better items (the host step reads each host's room) is busy until they come:
  // answer it as a user would, once its list stopped changing. VS Code shows busy after 800 ms.
  await page.waitForTimeout(900);
  await page
    .waitForFunction(`!document.querySelector('.quick-input-widget .quick-input-progress.active')`, undefined, { timeout: 60_000 })
    .catch(() => undefined);
  if (value !== undefined) {
    await input.fill(value);
    // Enter on an empty or stale list does nothing, so wait until a row shows the value. An input box has no list.
    const hasRow = `(() => {
      const list = document.querySelector('.quick-input-widget .quick-input-list');
      if (!list || list.offsetParent === null) return true;
      return [...list.querySelectorAll('.monaco-list-row')].some((r) => (r.textContent || '').includes(${JSON.stringify(value)}));
    })()`;
    await page.waitForFunction(hasRow, undefined, { timeout: 60_000 }).catch(async () => {
      throw new Error(`the quick pick "${shows}" never listed "${value}" (${await quickInputState(page)})`);
    });
  }
  // Let the list filter (or validation run) before accepting.
  await page.waitForTimeout(300);
  // An Enter can be lost (a webview that finishes loading takes the keyboard focus): pressed on the
  // input itself, and once more while the same step still shows after a while. A step that moved on
  // has left this one, so the next press never lands on the next step's default.
  for (let attempt = 1; ; attempt++) {
    await input.press('Enter');
    const movedOn = await page
      .waitForFunction(`!${predicate}`, undefined, { timeout: 20_000 })
      .then(() => true)
      .catch(() => false);
    if (movedOn) return;
    const state = await quickInputState(page);
    if (attempt >= 3) throw new Error(`the quick input step "${shows}" stayed after Enter ${attempt} times (${state})`);
    // Said, so a run shows how often the workbench drops an Enter.
    console.warn(`      (the quick input step "${shows}" still showed 20 s after Enter: pressing it again; ${state})`);
  }
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
