/**
 * The board in a second engine and at a phone's width, against a real scrumd on 127.0.0.1 (both dialects):
 * - Firefox: Debian's firefox-esr (/usr/bin/firefox-esr, never a downloaded browser) driven by
 *   puppeteer-core over WebDriver BiDi (playwright-core drives only its own patched Firefox): sign in,
 *   groups, backlog and planning render and work at 1280 px and at 390 px, with no sideways scrolling;
 * - Chromium (playwright-core, test/helpers/browser.ts): at 390 px no horizontal overflow on the main
 *   screens; every button, input, select and link has an accessible name (Chromium's accessibility
 *   tree); no layout shift while the groups, backlog and planning screens load (the 'layout-shift'
 *   entries of a PerformanceObserver sum to ≈ 0).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser as PBrowser, type ElementHandle, type Page as PPage } from 'puppeteer-core';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from './helpers/harness.js';
import { buildBoard, launchBoardBrowser, shot, type BoardBrowser } from './helpers/browser.js';
import { createSignInLink, signInUrl } from '../src/board/auth.js';
import { nowSeconds } from '../src/core/portalTime.js';

const FIREFOX = '/usr/bin/firefox-esr';

/** How far the document scrolls sideways (0: not at all); the viewport without its vertical scrollbar. */
const OVERFLOW = () => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);

function xq(s: string): string {
  return s.includes('"') ? `concat("${s.split('"').join('", \'"\', "')}")` : `"${s}"`;
}

/** Firefox helpers: controls found by their visible label or text (XPath), as a person finds them. */
async function labeled(page: PPage, label: string): Promise<ElementHandle<Element>> {
  const h = await page.waitForSelector(`::-p-xpath(//label[starts-with(normalize-space(.), ${xq(label)})]//*[self::input or self::select or self::textarea])`, { timeout: 20_000 });
  return h!;
}

async function fill(page: PPage, label: string, value: string): Promise<void> {
  const input = await labeled(page, label);
  await input.evaluate((el) => ((el as HTMLInputElement).value = ''));
  await input.type(value);
}

async function click(page: PPage, text: string, tag: 'button' | 'a' = 'button'): Promise<void> {
  const h = await page.waitForSelector(`::-p-xpath(//${tag}[normalize-space(.)=${xq(text)}])`, { timeout: 20_000 });
  await h!.click();
}

async function waitText(page: PPage, text: string, selector = 'body'): Promise<void> {
  try {
    await page.waitForFunction((t, sel) => [...document.querySelectorAll(sel)].some((e) => (e as HTMLElement).innerText.includes(t)), { timeout: 20_000 }, text, selector);
  } catch (e) {
    await page.screenshot({ path: shot('board-firefox-failure.png'), fullPage: true }).catch(() => {});
    const body = await page.evaluate(() => document.body.innerText).catch(() => '?');
    throw new Error(`"${text}" not shown in ${selector} (page: ${page.url()}): ${(e as Error).message}\n${body.slice(0, 600)}`);
  }
}

describe('Firefox (firefox-esr through puppeteer-core, WebDriver BiDi)', { skip: existsSync(FIREFOX) ? false : `${FIREFOX} is not installed (apt-get install firefox-esr)` }, () => {
  let t: TestServer;
  let firefox: PBrowser;
  let groupId = 0;
  before(async () => {
    buildBoard();
    t = await startTestServer();
    firefox = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: 120_000 });
  });
  after(async () => {
    await firefox?.close().catch(() => {});
    await t?.close();
  });

  async function signedIn(width: number, height: number): Promise<PPage> {
    const ctx = await firefox.createBrowserContext();
    const page = await ctx.newPage();
    await page.setViewport({ width, height });
    await page.goto(signInUrl(t.origin, await createSignInLink(t.server.app.store.db, 1, nowSeconds())));
    await waitText(page, 'Scrum groups', 'h1');
    return page;
  }

  test('1280 px: sign in, create a group, add backlog items, plan a sprint', async () => {
    const page = await signedIn(1280, 860);
    assert.match(await page.evaluate(() => navigator.userAgent), /Firefox/);
    await fill(page, 'Group name', 'Foxes');
    await click(page, 'Create group');
    await waitText(page, 'Foxes', 'h1');
    groupId = Number(/#\/g\/(\d+)/.exec(page.url())![1]);
    for (const [title, sp] of [['Fox one', '5'], ['Fox two', '3']] as const) {
      await fill(page, 'Title', title);
      await fill(page, 'Story points', sp);
      await click(page, 'Add item');
      await waitText(page, `Added "${title}"`, '[role=status]');
    }
    await waitText(page, '8 story points');
    const made = await t.admin.result('tasks.task.list', { filter: { GROUP_ID: groupId }, select: ['ID', 'TITLE'] });
    assert.deepEqual(made.tasks.map((x: { title: string }) => x.title).sort(), ['Fox one', 'Fox two']);
    assert.equal(await page.evaluate(OVERFLOW), 0);
    await page.screenshot({ path: shot('board-firefox-backlog-1280.png') });

    await click(page, 'Planning', 'a');
    await fill(page, 'Sprint name', 'Fox sprint');
    await click(page, 'Plan sprint');
    await waitText(page, 'Planned "Fox sprint"', '[role=status]');
    const sprints: { name: string }[] = await t.admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: groupId } });
    assert.deepEqual(sprints.map((s) => s.name), ['Fox sprint']);
    assert.equal(await page.evaluate(OVERFLOW), 0);
    await page.screenshot({ path: shot('board-firefox-planning-1280.png') });
    await page.browserContext().close();
  });

  test('390 px: groups, backlog and planning render and work without sideways scrolling', async () => {
    assert.ok(groupId > 0, 'the 1280 px test made the group');
    const page = await signedIn(390, 844);
    await waitText(page, 'Foxes', 'ul.groups');
    assert.equal(await page.evaluate(OVERFLOW), 0, 'groups');
    await click(page, 'Foxes', 'a');
    await waitText(page, 'Fox one', 'ol');
    assert.equal(await page.evaluate(OVERFLOW), 0, 'backlog');
    await fill(page, 'Title', 'Fox three');
    await fill(page, 'Story points', '2');
    await click(page, 'Add item');
    await waitText(page, 'Added "Fox three"', '[role=status]');
    await waitText(page, '10 story points');
    assert.equal(await page.evaluate(OVERFLOW), 0, 'backlog after adding');
    await page.screenshot({ path: shot('board-firefox-backlog-390.png'), fullPage: true });
    await click(page, 'Planning', 'a');
    await waitText(page, 'Fox sprint', 'ul.sprints');
    assert.equal(await page.evaluate(OVERFLOW), 0, 'planning');
    await fill(page, 'Sprint name', 'Phone sprint');
    await click(page, 'Plan sprint');
    await waitText(page, 'Planned "Phone sprint"', '[role=status]');
    const sprints: { name: string }[] = await t.admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: groupId } });
    assert.deepEqual(sprints.map((s) => s.name).sort(), ['Fox sprint', 'Phone sprint']);
    await page.screenshot({ path: shot('board-firefox-planning-390.png'), fullPage: true });
    await page.browserContext().close();
  });
});

/** Interactive roles whose nodes must carry a name. */
const NAMED_ROLES = new Set(['button', 'textbox', 'searchbox', 'combobox', 'listbox', 'checkbox', 'radio', 'spinbutton', 'slider', 'switch', 'link', 'menuitem', 'tab', 'option']);

/** Nodes of Chromium's accessibility tree with an interactive role and no accessible name. */
async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored?: boolean; role?: { value?: string }; name?: { value?: string }; backendDOMNodeId?: number }[] };
    const bad: string[] = [];
    for (const n of nodes) {
      const role = String(n.role?.value ?? '');
      if (n.ignored || !NAMED_ROLES.has(role)) continue;
      if (String(n.name?.value ?? '').trim() === '') {
        let html = '';
        if (n.backendDOMNodeId !== undefined) {
          const r = (await cdp.send('DOM.getOuterHTML', { backendNodeId: n.backendDOMNodeId }).catch(() => ({ outerHTML: '?' }))) as { outerHTML: string };
          html = r.outerHTML.slice(0, 160);
        }
        bad.push(`${role}: ${html}`);
      }
    }
    return bad;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Installed before any script of the page: sums the layout shifts not caused by input. */
const LAYOUT_SHIFT_PROBE = `
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
`;

describe('Chromium: phone width, accessible names, layout shift', () => {
  let t: TestServer;
  let b: BoardBrowser;
  let groupId = 0;
  let screens: [string, string, string][] = [];
  before(async () => {
    buildBoard();
    t = await startTestServer();
    // a group with a backlog, items (one in an epic), a planned and an active sprint: every screen has content
    groupId = await t.admin.result('sonet_group.create', { NAME: 'Owls', PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
    const backlog = await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
    const epic = await t.admin.result('tasks.api.scrum.epic.add', { fields: { groupId, name: 'Night flight', color: '#3d8bfd' } });
    const day = 86_400_000;
    const sprint = (name: string) => ({
      fields: { groupId, name, createdBy: 1, status: 'planned', dateStart: new Date(Date.now() - day).toISOString(), dateEnd: new Date(Date.now() + 13 * day).toISOString() },
    });
    const active = await t.admin.result('tasks.api.scrum.sprint.add', sprint('Owl sprint 1'));
    await t.admin.result('tasks.api.scrum.sprint.add', sprint('Owl sprint 2'));
    for (const [i, title] of ['A rather long backlog item title that has to wrap on a phone screen', 'Hoot', 'Glide'].entries()) {
      const task = await t.admin.result('tasks.task.add', { fields: { TITLE: title, GROUP_ID: groupId, RESPONSIBLE_ID: 1 } });
      await t.admin.result('tasks.api.scrum.task.update', {
        id: Number(task.task.id),
        fields: { entityId: i === 2 ? active.id : backlog.id, storyPoints: String(i + 2), ...(i === 0 ? { epicId: epic.id } : {}) },
      });
    }
    await t.admin.result('tasks.api.scrum.sprint.start', { id: active.id });
    screens = [
      ['groups', '#/', 'Scrum groups'],
      ['backlog', `#/g/${groupId}/backlog`, 'Hoot'],
      ['planning', `#/g/${groupId}/planning`, 'Owl sprint 2'],
      ['sprint', `#/g/${groupId}/sprint`, 'Glide'],
      ['epics', `#/g/${groupId}/epics`, 'Night flight'],
      ['charts', `#/g/${groupId}/charts`, 'Velocity'],
      ['sandbox', '#/sandbox', 'Request journal'],
    ];
    b = await launchBoardBrowser();
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  async function open(page: Page, hash: string, text: string): Promise<void> {
    await page.goto(`${t.origin}/_scrumd/board/${hash}`);
    await page.getByText(text, { exact: false }).first().waitFor();
  }

  test('390 px: no horizontal overflow on the main screens', async () => {
    const page = await b.signedInPage(t, 1, 390, 844);
    const wide: string[] = [];
    for (const [name, hash, text] of screens) {
      await open(page, hash, text);
      const overflow = await page.evaluate(OVERFLOW);
      if (overflow > 0) wide.push(`${name}: ${overflow}px`);
      if (name === 'groups' || name === 'sprint') await page.screenshot({ path: shot(`board-${name}-390-chromium.png`), fullPage: true });
    }
    assert.deepEqual(wide, [], 'screens wider than a 390 px phone');
  });

  test('every control has an accessible name (Chromium accessibility tree), at 1280 and 390 px', async () => {
    for (const width of [1280, 390]) {
      const page = await b.signedInPage(t, 1, width, 860);
      const missing: string[] = [];
      for (const [name, hash, text] of screens) {
        await open(page, hash, text);
        for (const m of await unnamedControls(page)) missing.push(`${width}px ${name}: ${m}`);
      }
      assert.deepEqual(missing, [], 'controls without an accessible name');
    }
  });

  test('no layout shift while the groups, backlog and planning screens load', async () => {
    const shifts: string[] = [];
    for (const [name, hash, text] of screens.filter(([n]) => ['groups', 'backlog', 'planning'].includes(n))) {
      for (const width of [1280, 390]) {
        const page = await b.signedInPage(t, 1, width, 860);
        await page.addInitScript(LAYOUT_SHIFT_PROBE);
        await open(page, hash, text);
        await page.reload(); // a fresh load of this screen, the probe installed first
        await page.getByText(text, { exact: false }).first().waitFor();
        // two frames after the content: a shift it caused has been reported by then
        const shift = await page.evaluate(
          () => new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r((window as unknown as { __shift: number }).__shift)))),
        );
        if (shift > 0.001) shifts.push(`${name} at ${width}px: ${shift.toFixed(4)}`);
        await page.context().close();
      }
    }
    assert.deepEqual(shifts, [], 'cumulative layout shift on load');
  });
});
