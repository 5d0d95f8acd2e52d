/**
 * The board's Sprint tab in a real browser (Debian's Chromium through playwright-core, both dialects):
 * the active sprint's Kanban with the stages sprint.start made; a task moved across stages with the
 * keyboard, with a button and with the mouse (SortableJS); stages added, renamed, reordered and
 * deleted with the service's rules ("Stage has tasks" shown in words, the stage kept); a task and the
 * sprint completed, the open task back in the backlog as sprint.complete does. Every change is checked
 * over REST (getStages, task.get, sprint.get) or, for task–stage links REST cannot read, in the store.
 * The server-side time of a move (the board's batch call) is printed for docs/BENCHMARKS.md.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createScrum, startTestServer, type TestServer } from './helpers/harness.js';
import { boardSession, buildBoard, launchBoardBrowser, shot, type BoardBrowser } from './helpers/browser.js';
import { stageLinks } from './helpers/scrumBoard.js';

let t: TestServer;
let b: BoardBrowser;
let page: Page;
let groupId: number;
let sprintId: number;
let backlogId: number;
const ids: Record<string, number> = {};

before(async () => {
  buildBoard();
  t = await startTestServer();
  b = await launchBoardBrowser();
  groupId = await createScrum(t.admin, 'Kanban team');
  backlogId = (await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } })).id;
  sprintId = (await t.admin.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Sprint K', dateStart: '2026-12-01', dateEnd: '2026-12-14', status: 'planned', createdBy: 1 } })).id;
  for (const [title, sp] of [['Alpha', '3'], ['Beta', '5'], ['Gamma', '8']] as const) {
    const task = await t.admin.result('tasks.task.add', { fields: { TITLE: title, GROUP_ID: groupId, RESPONSIBLE_ID: 1 } });
    ids[title] = Number(task.task.id);
    await t.admin.result('tasks.api.scrum.task.update', { id: ids[title], fields: { entityId: sprintId, storyPoints: sp } });
  }
  await t.admin.result('tasks.api.scrum.sprint.start', { id: sprintId });
  page = await b.signedInPage(t, 1);
});

after(async () => {
  await b?.close();
  await t?.close();
});

type Stage = { id: string; name: string; sort: string; type: string };
const stages = async (): Promise<Stage[]> => t.admin.result('tasks.api.scrum.kanban.getStages', { sprintId });
const stageId = async (name: string) => Number((await stages()).find((s) => s.name === name)!.id);
const column = (name: string) => page.getByRole('list', { name: `Tasks in ${name}`, exact: true });
const status = (text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();

test('the Sprint tab shows the active sprint with the stages sprint.start made', async () => {
  await page.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/sprint`);
  await page.getByRole('heading', { name: 'Sprint K' }).waitFor();
  const names = await page.locator('.column h3').allInnerTexts();
  assert.deepEqual(names.map((n) => n.replace(/\s*\(\d+\)$/, '')), ['New', 'In progress', 'Finished']);
  assert.deepEqual((await column('New').locator('.title').allInnerTexts()).sort(), ['Alpha', 'Beta', 'Gamma']);
  await page.getByText('3 tasks · 16 story points').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Sprint' }).getAttribute('aria-current'), 'page');
});

test('a task moves across stages by keyboard, by button and by mouse; the links follow', async () => {
  // keyboard: Alt+→ on a focused card
  await page.locator(`[data-task="${ids.Alpha}"]`).focus();
  await page.keyboard.press('Alt+ArrowRight');
  await status('Moved "Alpha" to In progress');
  assert.deepEqual(await column('In progress').locator('.title').allInnerTexts(), ['Alpha']);
  assert.deepEqual(await stageLinks(t.server.app.store.db, ids.Alpha!), [await stageId('In progress')]);
  // focus stays on the moved card, so a second press moves it on
  await page.keyboard.press('Alt+ArrowRight');
  await status('Moved "Alpha" to Finished');
  await page.keyboard.press('Alt+ArrowLeft');
  await status('Moved "Alpha" to In progress');

  // the card's own button, by its accessible name
  await page.getByRole('button', { name: 'Move Gamma to In progress' }).click();
  await status('Moved "Gamma" to In progress');
  assert.deepEqual(await stageLinks(t.server.app.store.db, ids.Gamma!), [await stageId('In progress')]);

  // mouse: Beta dragged by its handle from New into Finished
  const handle = await column('New').locator(`[data-task="${ids.Beta}"] .drag`).boundingBox();
  const target = await column('Finished').boundingBox();
  assert.ok(handle && target);
  const x0 = handle.x + handle.width / 2;
  const y0 = handle.y + handle.height / 2;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  const x1 = target.x + target.width / 2;
  const y1 = target.y + Math.min(target.height / 2, 30);
  for (let k = 1; k <= 15; k++) await page.mouse.move(x0 + ((x1 - x0) * k) / 15, y0 + ((y1 - y0) * k) / 15);
  await page.mouse.up();
  await status('Moved "Beta" to Finished');
  assert.deepEqual(await column('Finished').locator('.title').allInnerTexts(), ['Beta']);
  assert.deepEqual(await stageLinks(t.server.app.store.db, ids.Beta!), [await stageId('Finished')]);
  await page.screenshot({ path: shot('board-kanban-1280.png') });

  // the board's move is one batch call (kanban.deleteTask + kanban.addTask): its time, measured
  // from the client on 127.0.0.1 (an upper bound of the server's time), for docs/BENCHMARKS.md
  const s = await boardSession(t, 1);
  const times: number[] = [];
  const [inProgress, finished] = [await stageId('In progress'), await stageId('Finished')];
  for (let i = 0; i < 22; i++) {
    const to = i % 2 === 0 ? finished : inProgress;
    const q = `sprintId=${sprintId}&taskId=${ids.Gamma}`;
    const t0 = performance.now();
    const r = await s.post('/_scrumd/board/api/call/batch', { halt: 1, cmd: { off: `tasks.api.scrum.kanban.deleteTask?${q}`, on: `tasks.api.scrum.kanban.addTask?${q}&stageId=${to}` } });
    const ms = performance.now() - t0;
    const body = await r.json();
    assert.equal(r.status, 200);
    assert.deepEqual(body.result.result, { off: true, on: true });
    if (i > 0) times.push(ms); // the first warms the prepared statements
  }
  times.sort((a, z) => a - z);
  console.log(`# board move (batch deleteTask+addTask) over HTTP on ${process.env.SCRUMD_TEST_DIALECT ?? 'sqlite'}: median ${times[10]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (21 moves)`);
  // 22 moves: Gamma is back in In progress
  assert.deepEqual(await stageLinks(t.server.app.store.db, ids.Gamma!), [inProgress]);
  await page.reload();
  await column('In progress').getByText('Gamma').waitFor();
});

test('stages: add, rename, reorder; deleting a stage with tasks is refused in words, an empty one goes', async () => {
  await page.getByLabel('Stage name').fill('Review');
  await page.getByRole('button', { name: 'Add stage' }).click();
  await status('Added the stage "Review"');
  let rest = await stages();
  assert.deepEqual(rest.map((s) => [s.name, s.type]), [['New', 'NEW'], ['In progress', 'WORK'], ['Finished', 'FINISH'], ['Review', 'WORK']]);

  await page.getByRole('button', { name: 'Rename stage Review' }).click();
  await page.getByLabel('New name of Review').fill('Code review');
  await page.getByRole('button', { name: 'Save' }).click();
  await status('Renamed the stage "Review" to "Code review"');
  await page.getByRole('button', { name: 'Move stage Code review left' }).click();
  await status('Moved the stage "Code review" to place 3');
  rest = await stages();
  assert.deepEqual(rest.map((s) => s.name), ['New', 'In progress', 'Code review', 'Finished']);
  const cols = await page.locator('.column h3').allInnerTexts();
  assert.deepEqual(cols.map((n) => n.replace(/\s*\(\d+\)$/, '')), ['New', 'In progress', 'Code review', 'Finished']);

  // "Stage has tasks": the REST method answers only false; the board says why, the stage stays
  const before = await stageId('In progress');
  await page.getByRole('button', { name: 'Delete stage In progress' }).click();
  await page.getByRole('alert').filter({ hasText: 'Stage has tasks' }).waitFor();
  const r = await t.admin.call('tasks.api.scrum.kanban.deleteStage', { stageId: before });
  assert.equal(r.status, 200);
  assert.equal(r.body.result, false);
  assert.ok((await stages()).some((s) => Number(s.id) === before));
  await page.getByRole('button', { name: 'Dismiss the message' }).click();

  await page.getByRole('button', { name: 'Delete stage Code review' }).click();
  await status('Deleted the stage "Code review"');
  assert.deepEqual((await stages()).map((s) => s.name), ['New', 'In progress', 'Finished']);
  assert.equal(await page.getByRole('region', { name: 'Stage Code review' }).count(), 0);
});

test('complete a task, then the sprint: the open task goes back to the backlog', async () => {
  await page.getByRole('button', { name: 'Complete Alpha' }).click();
  await status('Completed "Alpha"');
  assert.equal(Number((await t.admin.result('tasks.task.get', { taskId: ids.Alpha })).task.status), 5);
  await page.locator(`[data-task="${ids.Alpha}"].done`).waitFor();

  // at 390 px the columns stack and nothing overflows sideways
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px at 390px`);
  await page.screenshot({ path: shot('board-kanban-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  // Alpha (completed, in In progress) and Beta (Finished) stay; Gamma (open, In progress) goes back
  // a confirmation first, saying what will happen; Cancel changes nothing
  await page.getByRole('button', { name: 'Complete Sprint K' }).click();
  await page.getByRole('group', { name: 'Confirm the completion' }).getByText('1 open task goes back to the backlog.').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.getByRole('group', { name: 'Confirm the completion' }).count(), 0);
  assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: sprintId })).status, 'active');
  await page.getByRole('button', { name: 'Complete Sprint K' }).click();
  await page.getByRole('button', { name: 'Yes, complete the sprint' }).click();
  await status('Completed "Sprint K": 1 open task went back to the backlog');
  await page.getByText('No active sprint.').waitFor();
  assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: sprintId })).status, 'completed');
  const entity = async (title: string) => Number((await t.admin.result('tasks.api.scrum.task.get', { id: ids[title] })).entityId);
  assert.equal(await entity('Gamma'), backlogId);
  assert.equal(await entity('Alpha'), sprintId);
  assert.equal(await entity('Beta'), sprintId);
  // a second completion is refused by the service and shown (no active sprint: nothing to press)
  const again = await t.admin.call('tasks.api.scrum.sprint.complete', { id: groupId });
  assert.equal(again.body.error_description, 'Sprint not found');
});

test('a user outside the group cannot read its sprint board', async () => {
  const bea = await t.user({ name: 'Bea' });
  const s = await boardSession(t, bea.userId);
  const r = await s.get(`/_scrumd/board/api/groups/${groupId}/sprint-board`);
  assert.notEqual(r.status, 200);
  const body = await r.json();
  assert.equal(body.error_description, 'Access denied');
  const bad = await s.get(`/_scrumd/board/api/groups/abc/sprint-board`);
  assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
  assert.ok('error' in (await bad.json()));
});
