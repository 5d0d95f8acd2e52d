/**
 * The board's Charts and Epics screens in Chromium (test/helpers/browser.ts), on both dialects: a
 * sprint planned and started with story points, tasks completed over REST at set portal times (the
 * control API's clock); the burndown and velocity show the numbers the recorded history implies (the
 * data behind the chart and the drawn uPlot canvas); epics created and edited in the board and seen
 * over REST, with their tasks and progress; a user outside the group cannot fetch the burndown; the
 * charts' code is not part of the first screen's bundle.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { controlCall, startTestServer, toReply, type Client, type TestServer } from './helpers/harness.js';
import { boardSession, buildBoard, launchBoardBrowser, shot, type BoardBrowser } from './helpers/browser.js';

let t: TestServer;
let b: BoardBrowser;
let outsider: Client;
let page: Page;
let groupId: number;
let sprintId: number;
const tasks: Record<string, number> = {};

async function freeze(iso: string): Promise<void> {
  const r = await controlCall(t, 'POST', '/_scrumd/clock/freeze', { time: iso });
  assert.equal(r.status, 200, r.text);
}

before(async () => {
  buildBoard();
  t = await startTestServer();
  outsider = await t.user({ name: 'Olga' });
  b = await launchBoardBrowser();
});

after(async () => {
  await b?.close();
  await t?.close();
});

test('burndown: the numbers the history implies, drawn by uPlot', async () => {
  const a = t.admin;
  await freeze('2030-05-06T08:00:00Z');
  groupId = await a.result('sonet_group.create', { NAME: 'Chartists', PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
  await a.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
  sprintId = Number((await a.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Sprint A', createdBy: 1, status: 'planned', dateStart: '2030-05-06', dateEnd: '2030-05-08' } })).id);
  for (const [title, sp] of [['Ledger', '3'], ['Invoices', '5'], ['Refunds', '8']] as const) {
    tasks[title] = Number((await a.result('tasks.task.add', { fields: { TITLE: title, GROUP_ID: groupId, RESPONSIBLE_ID: 1 } })).task.id);
    await a.result('tasks.api.scrum.task.update', { id: tasks[title], fields: { entityId: sprintId, storyPoints: sp } });
  }
  await freeze('2030-05-06T09:00:00Z');
  await a.result('tasks.api.scrum.sprint.start', { id: sprintId });
  await freeze('2030-05-06T16:00:00Z');
  await a.result('tasks.task.complete', { taskId: tasks.Ledger });
  // day 2: Refunds' story points lowered 8 → 6 (scope removed), Invoices completed
  await freeze('2030-05-07T11:00:00Z');
  await a.result('tasks.api.scrum.task.update', { id: tasks.Refunds, fields: { storyPoints: '6' } });
  await a.result('tasks.task.complete', { taskId: tasks.Invoices });
  await freeze('2030-05-07T12:00:00Z');

  page = await b.signedInPage(t, 1);
  await page.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/charts`);
  await page.getByRole('heading', { name: 'Burndown' }).waitFor();
  const figure = page.getByRole('figure', { name: 'Burndown chart' });
  await figure.waitFor();
  // the data behind the chart: start 16, end of day 1: 13, day 2: 6, day 3 still to come; ideal 16 → 0
  assert.deepEqual(JSON.parse((await figure.getAttribute('data-remaining'))!), [16, 13, 6, null]);
  assert.deepEqual(JSON.parse((await figure.getAttribute('data-ideal'))!), [16, 10.666667, 5.333333, 0]);
  // scope change as bars: the 2 points removed on the second day
  assert.deepEqual(JSON.parse((await figure.getAttribute('data-added'))!), [0, 0, 0, 0]);
  assert.deepEqual(JSON.parse((await figure.getAttribute('data-removed'))!), [0, 0, -2, 0]);
  const rows = await page.getByRole('table', { name: 'Burndown by day' }).locator('tbody tr').allInnerTexts();
  assert.deepEqual(
    rows.map((r) => r.split('\t').map((c) => c.trim())),
    [
      ['2030-05-06', '13', '10.67', '0', '0', '3'],
      ['2030-05-07', '6', '5.33', '0', '−2', '5'],
      ['2030-05-08', '—', '0', '0', '0', '0'],
    ],
  );
  const figures = await page.getByLabel('Burndown figures').innerText();
  assert.match(figures, /At the start\s*16/);
  assert.match(figures, /Scope removed\s*2/);
  assert.match(figures, /Completed\s*8/);
  assert.match(figures, /Remaining\s*6/);
  // the chart is drawn: uPlot's root with a canvas of non-zero size
  const canvas = figure.locator('.uplot canvas').first();
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 100, JSON.stringify(box));
  // the same numbers as the JSON API's, which the history gives (test/sprint-history.test.ts)
  const api = await (await boardSession(t, 1)).get(`/_scrumd/board/api/sprints/${sprintId}/burndown`);
  const burn = (await api.json()).result;
  assert.deepEqual([burn.startRemaining, ...burn.days.map((d: { remaining: number | null }) => d.remaining)], [16, 13, 6, null]);
});

test('velocity: completed story points per completed sprint', async () => {
  await freeze('2030-05-08T17:00:00Z');
  await t.admin.result('tasks.api.scrum.sprint.complete', { id: groupId });
  await page.reload();
  const figure = page.getByRole('figure', { name: 'Velocity chart' });
  await figure.waitFor();
  assert.deepEqual(JSON.parse((await figure.getAttribute('data-completed'))!), [8]);
  const rows = await page.getByRole('table', { name: 'Velocity by sprint' }).locator('tbody tr').allInnerTexts();
  assert.deepEqual(rows.map((r) => r.split('\t').map((c) => c.trim())), [['Sprint A', '16', '8']]);
  await page.getByText('Average: 8 story points per sprint').waitFor();
  const box = await figure.locator('.uplot canvas').first().boundingBox();
  assert.ok(box && box.width > 200 && box.height > 100, JSON.stringify(box));
  // the completed sprint's burndown stays: Refunds (6, open) left for the backlog after the end
  const remaining = JSON.parse((await page.getByRole('figure', { name: 'Burndown chart' }).getAttribute('data-remaining'))!);
  assert.deepEqual(remaining, [16, 13, 6, 6]);
  await page.screenshot({ path: shot('board-charts-1280.png'), fullPage: true });
});

test('epics: create and edit in the board, with their tasks and progress', async () => {
  await page.getByRole('link', { name: 'Epics' }).click();
  await page.getByRole('heading', { name: 'New epic' }).waitFor();
  await page.getByLabel('Epic name').fill('Payments');
  await page.getByLabel('Epic description').fill('Money in and out');
  await page.getByLabel('Epic colour').fill('#e01b24');
  await page.getByRole('button', { name: 'Create epic' }).click();
  await page.getByRole('status').filter({ hasText: 'Created the epic "Payments"' }).waitFor();
  const list = await t.admin.result('tasks.api.scrum.epic.list', { filter: { GROUP_ID: groupId } });
  assert.equal(list.length, 1);
  assert.equal(list[0].name, 'Payments');
  assert.equal(list[0].color, '#e01b24');
  const epicId = Number(list[0].id);
  await page.getByRole('listitem', { name: 'Epic Payments' }).waitFor();

  // two tasks of the epic (over REST): one completed
  await t.admin.result('tasks.api.scrum.task.update', { id: tasks.Ledger, fields: { epicId } });
  await t.admin.result('tasks.api.scrum.task.update', { id: tasks.Refunds, fields: { epicId } });
  await page.reload();
  const card = page.getByRole('listitem', { name: 'Epic Payments' });
  await card.getByText('1 of 2 tasks done · 3 of 9 story points').waitFor();
  assert.equal(await card.getByRole('progressbar', { name: 'Progress of Payments' }).getAttribute('value'), '50');
  assert.deepEqual((await card.getByRole('list', { name: 'Tasks of Payments' }).locator('.title').allInnerTexts()).sort(), ['Ledger', 'Refunds']);
  await card.getByText('Money in and out').waitFor();

  await card.getByRole('button', { name: 'Edit epic Payments' }).click();
  await card.getByLabel('Epic name').fill('Payments v2');
  await card.getByLabel('Epic colour').fill('#2ec27e');
  await card.getByRole('button', { name: 'Save Payments' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved the epic "Payments v2"' }).waitFor();
  await page.getByRole('listitem', { name: 'Epic Payments v2' }).waitFor();
  const got = await t.admin.result('tasks.api.scrum.epic.get', { id: epicId });
  assert.equal(got.name, 'Payments v2');
  assert.equal(got.color, '#2ec27e');
  await page.screenshot({ path: shot('board-epics-1280.png'), fullPage: true });
});

test('a phone width: charts and epics fit 390 px', async () => {
  const phone = await b.signedInPage(t, 1, 390, 844);
  for (const tab of ['charts', 'epics']) {
    await phone.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/${tab}`);
    await phone.getByRole('heading', { name: tab === 'charts' ? 'Velocity' : 'New epic' }).waitFor();
    if (tab === 'charts') {
      await phone.getByRole('figure', { name: 'Velocity chart' }).locator('.uplot canvas').first().waitFor();
      // no layout shift while the screen and its data load: the layout-shift entries of the document so far
      const cls = await phone.evaluate(
        () =>
          new Promise<number>((resolve) => {
            new PerformanceObserver((list) => {
              let sum = 0;
              for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!e.hadRecentInput) sum += e.value;
              resolve(sum);
            }).observe({ type: 'layout-shift', buffered: true });
            setTimeout(() => resolve(0), 1000); // no entry at all: nothing shifted
          }),
      );
      assert.ok(cls < 0.05, `cumulative layout shift ${cls}`);
      console.log(`# charts at 390 px: cumulative layout shift ${cls}`);
    }
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    // on failure: the elements reaching past the right edge
    const wide = overflow <= 0 ? [] : await phone.evaluate(() =>
      [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
    );
    assert.ok(overflow <= 0, `${tab}: horizontal overflow of ${overflow}px at 390px: ${wide.join(', ')}`);
    await phone.screenshot({ path: shot(`board-${tab}-390.png`), fullPage: true });
  }
});

test('a user outside the group cannot fetch its burndown or velocity', async () => {
  const s = await boardSession(t, outsider.userId);
  const rest = await outsider.call('tasks.api.scrum.sprint.get', { id: sprintId });
  for (const path of [`/_scrumd/board/api/sprints/${sprintId}/burndown`, `/_scrumd/board/api/groups/${groupId}/velocity`]) {
    const r = await toReply(await s.get(path));
    assert.deepEqual({ status: r.status, error: r.body.error, error_description: r.body.error_description }, { status: rest.status, error: rest.body.error, error_description: rest.body.error_description });
    assert.equal(r.status, 400);
    assert.equal('days' in r.body, false);
  }
  // and the board shows no chart to them
  const p = await b.signedInPage(t, outsider.userId);
  await p.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/charts`);
  await p.getByRole('alert').filter({ hasText: 'This group cannot be shown' }).waitFor();
  assert.equal(await p.getByRole('figure').count(), 0);
});

test('the charts are a chunk of their own: the first screen does not load uPlot', async () => {
  const html = await (await fetch(`${t.origin}/_scrumd/board/`)).text();
  const entry = /\/_scrumd\/board\/assets\/index-[^"]+\.js/.exec(html)?.[0];
  assert.ok(entry, html);
  const js = await (await fetch(`${t.origin}${entry}`)).text();
  assert.ok(!js.includes('u-legend'), 'uPlot is in the first screen bundle');
  assert.match(js, /charts-[\w-]+\.js/);
});
