/**
 * The web board in a real browser: Debian's Chromium (/usr/bin/chromium, never a downloaded one)
 * driven by playwright-core against a real scrumd on 127.0.0.1 (both dialects). Sign-in by one-time
 * link and by password (set by `scrumd user passwd`, link by `scrumd login`), groups, backlog with story
 * points, keyboard reordering, sprint planning and start (with the service's refusal in words), a REST
 * change seen after reload, CSRF and session expiry. Screenshots go to $SCRUMD_BOARD_SCREENSHOTS
 * (default: a temporary folder; docs/screenshots holds the ones the README shows).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type Client, type TestServer } from './helpers/harness.js';
import { testDatabase, type TestDatabase } from './helpers/database.js';
import { CLI, cliEnv } from './helpers/cliProcess.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { maskUrl } from '../src/protocol/redact.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = process.env.SCRUMD_BOARD_SCREENSHOTS ?? join(tmpdir(), 'scrumd-board-screenshots');

let t: TestServer;
let dbHandle: TestDatabase;
let tmp: string;
let browser: Browser;
let location: string;
let bea: Client;
const contexts: BrowserContext[] = [];

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [...CLI, ...args, '--database', location], { env: cliEnv(), encoding: 'utf8', timeout: 120_000, input });
}

async function newPage(width = 1280, height = 860): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height } });
  contexts.push(ctx);
  return ctx.newPage();
}

before(async () => {
  // the board's assets: built when web/ is newer than dist/web (as `npm start` does)
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', '--web'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(build.status, 0, build.stderr);
  tmp = mkdtempSync(join(tmpdir(), 'scrumd-board-'));
  dbHandle = await testDatabase();
  // a file (not :memory:) so the command line works on the server's database
  location = dbHandle.location === ':memory:' ? join(tmp, 'board.db') : dbHandle.location;
  t = await startTestServer({ database: location });
  bea = await t.user({ name: 'Bea' });
  mkdirSync(SHOTS, { recursive: true });
  // playwright gives every launch a fresh temporary profile (user-data-dir)
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await t?.close();
  await dbHandle?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let admin: Page;
let groupId: number;

test('the first-start sign-in link signs user 1 in, once', async () => {
  const link = t.server.signInUrl;
  assert.ok(link && link.startsWith(`${t.origin}/_scrumd/board/signin?token=`), String(link));
  // the request log's URL never carries the token
  const token = new URL(link).searchParams.get('token')!;
  assert.ok(!maskUrl(new URL(link).pathname + new URL(link).search).includes(token));
  admin = await newPage();
  await admin.goto(link);
  await admin.getByRole('heading', { name: 'Scrum groups' }).waitFor();
  assert.match(await admin.getByLabel('Signed in as').innerText(), /administrator/);
  // the cookie is HttpOnly, SameSite and scoped to the board
  const [cookie] = await admin.context().cookies();
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  assert.equal(cookie?.path, '/_scrumd/board/');

  const other = await newPage();
  await other.goto(link);
  await other.getByRole('alert').filter({ hasText: 'already used or expired' }).waitFor();
  await other.getByRole('button', { name: 'Sign in' }).waitFor();
});

test('a password set by `scrumd user passwd` signs in; a wrong one does not; `scrumd login` prints a link', async () => {
  const r = cli(['user', 'passwd', '--user', String(bea.userId)], 'correct horse battery\n');
  assert.equal(r.status, 0, r.stderr);
  const page = await newPage();
  await page.goto(`${t.origin}/_scrumd/board/`);
  await page.getByLabel('User id or e-mail').fill(String(bea.userId));
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong user or password' }).waitFor();
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Scrum groups' }).waitFor();
  assert.equal(await page.getByLabel('Signed in as').innerText(), 'Bea Test');

  const l = cli(['login', '--user', String(bea.userId)]);
  assert.equal(l.status, 0, l.stderr);
  const url = l.stdout.trim();
  assert.ok(url.startsWith(`${t.origin}/_scrumd/board/signin?token=`), url);
  const viaLink = await newPage();
  await viaLink.goto(url);
  assert.equal(await viaLink.getByLabel('Signed in as').innerText(), 'Bea Test');
});

async function itemTitles(page: Page): Promise<string[]> {
  return page.locator('ol[aria-label="Backlog items"] > li .title').allInnerTexts();
}

test('create a group, add backlog items with story points, reorder by keyboard', async () => {
  await admin.getByLabel('Group name').fill('Falcons');
  await admin.getByRole('button', { name: 'Create group' }).click();
  await admin.getByRole('heading', { name: 'Falcons' }).waitFor();
  groupId = Number(/#\/g\/(\d+)/.exec(admin.url())![1]);
  assert.ok(groupId > 0);
  for (const [title, sp] of [['Alpha', '3'], ['Beta', '5'], ['Gamma', '8']] as const) {
    await admin.getByRole('textbox', { name: 'Title', exact: true }).fill(title);
    await admin.getByRole('textbox', { name: 'Story points', exact: true }).fill(sp);
    await admin.getByRole('button', { name: 'Add item' }).click();
    await admin.getByRole('status').filter({ hasText: `Added "${title}"` }).waitFor();
  }
  await admin.getByRole('heading', { name: /16 story points/ }).waitFor();
  const before = await itemTitles(admin);
  assert.deepEqual([...before].sort(), ['Alpha', 'Beta', 'Gamma']);

  // Alt+↑ on the last item moves it one place up, and the service keeps the order
  const last = before[2]!;
  await admin.locator('ol[aria-label="Backlog items"] > li').nth(2).focus();
  await admin.keyboard.press('Alt+ArrowUp');
  await admin.getByRole('status').filter({ hasText: `Moved "${last}" to position 2` }).waitFor();
  const expected = [before[0]!, last, before[1]!];
  assert.deepEqual(await itemTitles(admin), expected);
  // over REST: the same order by the items' sort
  const sorts = new Map<string, number>();
  for (const title of expected) {
    const list = await t.admin.result('tasks.task.list', { filter: { TITLE: title, GROUP_ID: groupId }, select: ['ID'] });
    const item = await t.admin.result('tasks.api.scrum.task.get', { id: Number(list.tasks[0].id) });
    sorts.set(title, Number(item.sortFloat));
  }
  assert.ok(sorts.get(expected[0])! < sorts.get(expected[1])! && sorts.get(expected[1])! < sorts.get(expected[2])!, JSON.stringify([...sorts]));
  await admin.screenshot({ path: join(SHOTS, 'board-backlog-1280.png') });

  // drag and drop (mouse): the first item dragged by its handle below the last one
  const rows = admin.locator('ol[aria-label="Backlog items"] > li');
  const handle = await rows.nth(0).locator('.drag').boundingBox();
  const target = await rows.nth(2).boundingBox();
  assert.ok(handle && target);
  await admin.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await admin.mouse.down();
  for (let k = 1; k <= 12; k++) {
    await admin.mouse.move(handle.x + handle.width / 2, handle.y + ((target.y + target.height * 0.9 - handle.y) * k) / 12);
  }
  await admin.mouse.up();
  await admin.getByRole('status').filter({ hasText: `Moved "${expected[0]}" to position 3` }).waitFor();
  const dragged = [expected[1]!, expected[2]!, expected[0]!];
  assert.deepEqual(await itemTitles(admin), dragged);
  const sortsAfter = await Promise.all(dragged.map(async (title) => Number((await t.admin.result('tasks.api.scrum.task.get', { id: await taskIdOf(title) })).sortFloat)));
  assert.ok(sortsAfter[0]! < sortsAfter[1]! && sortsAfter[1]! < sortsAfter[2]!, JSON.stringify(sortsAfter));
});

test('a member who is not in a group cannot see it', async () => {
  const page = await newPage();
  const l = cli(['login', '--user', String(bea.userId)]);
  await page.goto(l.stdout.trim());
  await page.getByRole('heading', { name: 'Scrum groups' }).waitFor();
  await page.getByText('No Scrum group yet.').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Falcons' }).count(), 0);
  await page.goto(`${t.origin}/_scrumd/board/#/g/${groupId}/backlog`);
  await page.getByRole('alert').filter({ hasText: 'This group cannot be shown' }).waitFor();
  assert.equal(await page.getByText('Alpha').count(), 0);
});

test('plan and start a sprint; a second start is refused in the service\'s words', async () => {
  await admin.getByRole('link', { name: 'Planning' }).click();
  for (const name of ['Sprint 1', 'Sprint 2']) {
    await admin.getByLabel('Sprint name').fill(name);
    await admin.getByRole('button', { name: 'Plan sprint' }).click();
    await admin.getByRole('status').filter({ hasText: `Planned "${name}"` }).waitFor();
  }
  const sprints: { id: string; name: string }[] = await t.admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: groupId } });
  assert.deepEqual(sprints.map((s) => s.name).sort(), ['Sprint 1', 'Sprint 2']);
  const idOf = (name: string) => Number(sprints.find((s) => s.name === name)!.id);

  await admin.getByRole('link', { name: 'Backlog' }).click();
  await admin.getByLabel('Move Alpha to a sprint').selectOption({ label: 'Sprint 1' });
  await admin.getByRole('status').filter({ hasText: 'Moved "Alpha" to the sprint' }).waitFor();
  assert.equal(Number((await t.admin.result('tasks.api.scrum.task.get', { id: await taskIdOf('Alpha') })).entityId), idOf('Sprint 1'));
  await admin.getByRole('link', { name: 'Planning' }).click();
  await admin.getByText('1 items · 3 story points').waitFor();
  await admin.getByRole('button', { name: 'Start Sprint 1' }).click();
  await admin.getByRole('status').filter({ hasText: 'Started "Sprint 1"' }).waitFor();
  assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: idOf('Sprint 1') })).status, 'active');
  await admin.screenshot({ path: join(SHOTS, 'board-planning-1280.png') });

  // one active sprint per group: the board shows the REST method's own refusal
  await admin.getByRole('button', { name: 'Start Sprint 2' }).click();
  const shown = await admin.getByRole('alert').innerText();
  const rest = await t.admin.call('tasks.api.scrum.sprint.start', { id: idOf('Sprint 2') });
  assert.equal(rest.status, 400);
  assert.ok(shown.includes(rest.body.error_description), `${shown} / ${rest.text}`);
  assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: idOf('Sprint 2') })).status, 'planned');
  await admin.getByRole('button', { name: 'Dismiss the message' }).click();
});

async function taskIdOf(title: string): Promise<number> {
  const list = await t.admin.result('tasks.task.list', { filter: { TITLE: title, GROUP_ID: groupId }, select: ['ID'] });
  return Number(list.tasks[0].id);
}

test('a change made over REST appears after reload; the board fits a 390 px phone', async () => {
  const task = await t.admin.result('tasks.task.add', { fields: { TITLE: 'Delta from REST', GROUP_ID: groupId, RESPONSIBLE_ID: 1 } });
  const backlog = await t.admin.result('tasks.api.scrum.backlog.get', { id: groupId });
  await t.admin.result('tasks.api.scrum.task.update', { id: Number(task.task.id), fields: { entityId: backlog.id, storyPoints: '13' } });
  await admin.getByRole('link', { name: 'Backlog' }).click();
  await admin.reload();
  await admin.getByText('Delta from REST').waitFor();

  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.getByText('Delta from REST').waitFor();
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px at 390px`);
  await admin.screenshot({ path: join(SHOTS, 'board-backlog-390.png'), fullPage: true });
  await admin.setViewportSize({ width: 1280, height: 860 });
});

test('CSRF: a state-changing call without the token or from another origin is refused', async () => {
  const cookie = (await admin.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = (await (await fetch(`${t.origin}/_scrumd/board/api/session`, { headers: { cookie } })).json()).result.csrf as string;
  const url = `${t.origin}/_scrumd/board/api/call/user.current`;
  const json = { 'content-type': 'application/json' };
  const without = await fetch(url, { method: 'POST', headers: { ...json, cookie }, body: '{}' });
  assert.equal(without.status, 403);
  assert.equal((await without.json()).error, 'BOARD_CSRF_REFUSED');
  // one character changed: a different first character whatever the random token starts with
  const altered = (csrf[0] === 'x' ? 'y' : 'x') + csrf.slice(1);
  const wrong = await fetch(url, { method: 'POST', headers: { ...json, cookie, 'x-scrumd-csrf': altered }, body: '{}' });
  assert.equal(wrong.status, 403);
  const foreign = await fetch(url, { method: 'POST', headers: { ...json, cookie, 'x-scrumd-csrf': csrf, origin: 'http://evil.example' }, body: '{}' });
  assert.equal(foreign.status, 403);
  const ok = await fetch(url, { method: 'POST', headers: { ...json, cookie, 'x-scrumd-csrf': csrf, origin: t.origin }, body: '{}' });
  assert.equal(ok.status, 200);
  assert.equal(Number((await ok.json()).result.ID), 1);
  // the page itself cannot make a call without the header either (what a cross-site form would send)
  const fromPage = await admin.evaluate(async () => (await fetch('/_scrumd/board/api/call/user.current', { method: 'POST' })).status);
  assert.equal(fromPage, 403);
  // without a session: 401
  const none = await fetch(url, { method: 'POST', headers: { ...json, 'x-scrumd-csrf': csrf }, body: '{}' });
  assert.equal(none.status, 401);
});

test('an expired session is refused and the board asks to sign in again', async () => {
  const page = await newPage();
  const l = cli(['login', '--user', String(bea.userId)]);
  await page.goto(l.stdout.trim());
  await page.getByRole('heading', { name: 'Scrum groups' }).waitFor();
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  assert.equal((await fetch(`${t.origin}/_scrumd/board/api/session`, { headers: { cookie } })).status, 200);
  // the session's time runs out (a week after sign-in; here: set in the database)
  await t.server.app.store.db
    .updateTable('board_sessions' as never)
    .set({ expires_at: nowSeconds() - 1 } as never)
    .where('user_id' as never, '=', bea.userId as never)
    .execute();
  const r = await fetch(`${t.origin}/_scrumd/board/api/session`, { headers: { cookie } });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error, 'BOARD_SESSION_EXPIRED');
  await page.reload();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
});

test('an administrator sets a password in the board; a user may set only their own', async () => {
  await admin.goto(`${t.origin}/_scrumd/board/#/`);
  await admin.getByRole('heading', { name: 'Set a password' }).waitFor();
  await admin.getByLabel('User id', { exact: true }).fill(String(bea.userId));
  await admin.getByLabel('New password').fill('set by the admin');
  await admin.getByRole('button', { name: 'Set password' }).click();
  await admin.getByRole('status').filter({ hasText: `Password set for user ${bea.userId}` }).waitFor();
  const login = await fetch(`${t.origin}/_scrumd/board/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-scrumd-csrf': 'login' },
    body: JSON.stringify({ login: String(bea.userId), password: 'set by the admin' }),
  });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = (await login.json()).result.csrf as string;
  const as = (id: number) =>
    fetch(`${t.origin}/_scrumd/board/api/users/${id}/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-scrumd-csrf': csrf },
      body: JSON.stringify({ password: 'takeover attempt' }),
    });
  assert.equal((await as(1)).status, 403);
  assert.equal((await as(bea.userId)).status, 200);
  // login CSRF: without the custom header, no session
  const bare = await fetch(`${t.origin}/_scrumd/board/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: String(bea.userId), password: 'takeover attempt' }),
  });
  assert.equal(bare.status, 403);
});

test('assets: hashed files are immutable, the page is not cached', async () => {
  const page = await fetch(`${t.origin}/_scrumd/board/`);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  const asset = /\/_scrumd\/board\/assets\/[^"]+\.js/.exec(html)?.[0];
  assert.ok(asset, html);
  const a = await fetch(`${t.origin}${asset}`);
  assert.equal(a.status, 200);
  assert.match(a.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await fetch(`${t.origin}/_scrumd/board/assets/..%2Fpackage.json`)).status, 404);
  assert.ok(existsSync(SHOTS));
});
