/**
 * The board shows days as the portal counts them: on a portal east of UTC (Asia/Tokyo, UTC+9) a
 * sprint from 2026-12-07 to 2026-12-18 starts at 2026-12-06T15:00Z; read as UTC days it showed the
 * day before. Checked in Planning (the line and the edit form) and on the active sprint's board, in
 * Debian's Chromium through playwright-core, both dialects; the browser itself runs in UTC.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createScrum, startTestServer, type TestServer } from './helpers/harness.js';
import { buildBoard, launchBoardBrowser, type BoardBrowser } from './helpers/browser.js';

let t: TestServer;
let b: BoardBrowser;
let page: Page;
let groupId: number;
let sprintId: number;

before(async () => {
  buildBoard();
  t = await startTestServer({ timezone: 'Asia/Tokyo' });
  b = await launchBoardBrowser();
  groupId = await createScrum(t.admin, 'Tokyo team');
  const backlogId = (await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } })).id;
  sprintId = (await t.admin.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Sprint T', dateStart: '2026-12-07', dateEnd: '2026-12-18', status: 'planned', createdBy: 1 } })).id;
  const task = await t.admin.result('tasks.task.add', { fields: { TITLE: 'Open task', GROUP_ID: groupId, RESPONSIBLE_ID: 1 } });
  await t.admin.result('tasks.api.scrum.task.update', { id: Number(task.task.id), fields: { entityId: backlogId } });
  page = await b.signedInPage(t, 1);
});

after(async () => {
  await b?.close();
  await t?.close();
});

test('Planning shows the portal days of a sprint, and its edit form starts from them', async () => {
  const s = await t.admin.result('tasks.api.scrum.sprint.get', { id: sprintId });
  assert.match(String(s.dateStart), /^2026-12-07T00:00:00\+09:00$/); // the REST answer, in the portal's zone
  await page.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/planning`);
  await page.getByText('2026-12-07 → 2026-12-18').waitFor();
  await page.getByRole('button', { name: 'Edit Sprint T' }).click();
  const form = page.getByRole('form', { name: 'Edit Sprint T' });
  assert.equal(await form.getByLabel('Sprint start').inputValue(), '2026-12-07');
  assert.equal(await form.getByLabel('Sprint end').inputValue(), '2026-12-18');
  // saving an unchanged form keeps the dates
  await form.getByRole('button', { name: 'Save sprint' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved "Sprint T"' }).waitFor();
  const again = await t.admin.result('tasks.api.scrum.sprint.get', { id: sprintId });
  assert.equal(again.dateStart, s.dateStart);
  assert.equal(again.dateEnd, s.dateEnd);
});

test('the active sprint board shows the same days', async () => {
  const task = await t.admin.result('tasks.task.add', { fields: { TITLE: 'Sprint task', GROUP_ID: groupId, RESPONSIBLE_ID: 1 } });
  await t.admin.result('tasks.api.scrum.task.update', { id: Number(task.task.id), fields: { entityId: sprintId } });
  await t.admin.result('tasks.api.scrum.sprint.start', { id: sprintId });
  await page.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/sprint`);
  await page.getByText(/2026-12-07 → 2026-12-18/).waitFor();
});
