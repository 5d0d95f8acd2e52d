/**
 * The board's calls and its sandbox panel, against a real scrumd on 127.0.0.1 (both dialects):
 * - a REST call made by the board takes the REST calls' path: it is in the request journal with the
 *   signed-in user as credential (never the session's secrets), a fault rule for its method answers it;
 * - the sandbox panel's endpoints (journal, deliveries, reset, snapshots) for administrators only, with
 *   CSRF; and in Debian's Chromium: the panel shows a webhook's REST call and an event delivery without
 *   a reload, saves and restores a snapshot; a user who is not an administrator has no panel.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { controlCall, startTestServer, toReply, type Client, type Reply, type TestServer } from './helpers/harness.js';
import { boardSession, buildBoard, launchBoardBrowser, shot, type BoardBrowser, type BoardHttpSession } from './helpers/browser.js';
import { Receiver } from './helpers/receiver.js';
import { addOutgoingWebhook } from '../src/events/apps.js';

const ctl = controlCall;

async function ctlOk(t: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctl(t, method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  return r.body.result;
}

async function json(res: Response): Promise<Reply> {
  return toReply(res);
}

describe('board calls take the REST path', () => {
  let t: TestServer;
  let bea: Client;
  let s: BoardHttpSession;
  let groupId: number;
  before(async () => {
    t = await startTestServer();
    bea = await t.user({ name: 'Bea' });
    s = await boardSession(t, bea.userId);
    groupId = (await bea.result('sonet_group.create', { NAME: 'Board path', SCRUM_MASTER_ID: bea.userId, PROJECT: 'Y' })) as number;
    await bea.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: bea.userId } });
  });
  after(() => t.close());

  test('a board call is in the journal with the user as credential, parameters, status; no session secret', async () => {
    await ctlOk(t, 'DELETE', '/_scrumd/journal');
    const r = await json(await s.post('/_scrumd/board/api/call/tasks.api.scrum.backlog.get', { id: groupId }));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.result.id > 0);
    const bad = await json(await s.post('/_scrumd/board/api/call/tasks.api.scrum.backlog.get', { id: 'x' }));
    assert.equal(bad.status, 400);
    const entries = await ctlOk(t, 'GET', '/_scrumd/journal');
    assert.equal(entries.length, 2, JSON.stringify(entries));
    const [a, b] = entries;
    assert.equal(a.method, 'tasks.api.scrum.backlog.get');
    assert.deepEqual(a.credential, { type: 'board', id: bea.userId, user: bea.userId });
    assert.equal(a.status, 200);
    assert.equal(a.error, null);
    assert.equal(a.params.id, groupId);
    assert.ok(a.duration >= 0);
    assert.equal(b.status, 400);
    assert.equal(b.error, bad.body.error);
    const text = JSON.stringify(entries);
    const token = s.cookie.split('=')[1]!;
    for (const secret of [token, s.csrf]) assert.ok(!text.includes(secret), 'a session secret in the journal');
    // an unknown method is journaled under its name with the board's 404
    const missing = await json(await s.post('/_scrumd/board/api/call/no.such.method', {}));
    assert.equal(missing.status, 404);
    const [m] = await ctlOk(t, 'GET', '/_scrumd/journal?method=no.such.method');
    assert.equal(m.status, 404);
    assert.equal(m.error, 'ERROR_METHOD_NOT_FOUND');
  });

  test('a fault rule for the method answers the board call; a credential rule matches the board user', async () => {
    const rule = await ctlOk(t, 'POST', '/_scrumd/faults', { method: 'tasks.api.scrum.backlog.*', times: 1, error: 'QUERY_LIMIT_EXCEEDED' });
    try {
      const r = await json(await s.post('/_scrumd/board/api/call/tasks.api.scrum.backlog.get', { id: groupId }));
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error, 'QUERY_LIMIT_EXCEEDED');
      const [rec] = (await ctlOk(t, 'GET', '/_scrumd/faults')).filter((x: any) => x.id === rule.id);
      assert.equal(rec.hits, 1);
      const again = await json(await s.post('/_scrumd/board/api/call/tasks.api.scrum.backlog.get', { id: groupId }));
      assert.equal(again.status, 200, again.text);
    } finally {
      await ctlOk(t, 'DELETE', '/_scrumd/faults');
    }
    await ctlOk(t, 'POST', '/_scrumd/faults', { credential: `user:${bea.userId}`, error: { code: 'PORTAL_DOWN', description: 'Down for the test', status: 502 } });
    try {
      const r = await json(await s.post('/_scrumd/board/api/call/user.current', {}));
      assert.equal(r.status, 502);
      assert.deepEqual(r.body, { error: 'PORTAL_DOWN', error_description: 'Down for the test' });
      // the admin's webhook is another credential
      assert.equal((await t.admin.call('user.current')).status, 200);
    } finally {
      await ctlOk(t, 'DELETE', '/_scrumd/faults');
    }
    await ctlOk(t, 'POST', '/_scrumd/faults', { method: 'user.current', times: 1, drop: true });
    // (a dropped call: no answer at all, and the journal says so)
    try {
      await assert.rejects(s.post('/_scrumd/board/api/call/user.current', {}));
    } finally {
      await ctlOk(t, 'DELETE', '/_scrumd/faults');
    }
    const [dropped] = await ctlOk(t, 'GET', '/_scrumd/journal?method=user.current&status=-1');
    assert.equal(dropped.error, 'DROPPED');
  });
});

describe('board calls raise events like REST calls', () => {
  let t: TestServer;
  let rx: Receiver;
  before(async () => {
    t = await startTestServer();
    rx = await Receiver.start();
  });
  after(async () => {
    await rx?.close();
    await t?.close();
  });

  test('a task added on the board is delivered to an outgoing webhook, journaled as the board user', async () => {
    const bea = await t.user({ name: 'Bea' });
    await addOutgoingWebhook(t.server.app.store.db, 1, `${rx.url}/hook`, 'ONTASKADD');
    const s = await boardSession(t, bea.userId);
    const r = await json(await s.post('/_scrumd/board/api/call/tasks.task.add', { fields: { TITLE: 'Added on the board', RESPONSIBLE_ID: bea.userId } }));
    assert.equal(r.status, 200, r.text);
    const id = Number(r.body.result.task.id);
    const [got] = await rx.waitFor(1);
    assert.equal(got!.body.event, 'ONTASKADD');
    assert.equal(Number(got!.body.data.FIELDS_AFTER.ID), id);
    const [entry] = await ctlOk(t, 'GET', '/_scrumd/journal?method=tasks.task.add');
    assert.deepEqual(entry.credential, { type: 'board', id: bea.userId, user: bea.userId });
  });
});

describe('sandbox endpoints', () => {
  let t: TestServer;
  let admin: BoardHttpSession;
  let bea: Client;
  let beaSession: BoardHttpSession;
  before(async () => {
    t = await startTestServer();
    bea = await t.user({ name: 'Bea' });
    admin = await boardSession(t, 1);
    beaSession = await boardSession(t, bea.userId);
  });
  after(() => t.close());

  test('the session says whether the panel is there', async () => {
    assert.equal((await json(await admin.get('/_scrumd/board/api/session'))).body.result.sandbox, true);
    assert.equal((await json(await beaSession.get('/_scrumd/board/api/session'))).body.result.sandbox, false);
  });

  test('a user who is not an administrator is refused everywhere (403 JSON), and nothing happens', async () => {
    await ctlOk(t, 'POST', '/_scrumd/snapshots/kept');
    const reads = ['/journal', '/deliveries', '/snapshots'];
    for (const p of reads) {
      const r = await json(await beaSession.get(`/_scrumd/board/api/sandbox${p}`));
      assert.equal(r.status, 403, p);
      assert.equal(r.body.error, 'ACCESS_DENIED');
      assert.equal(typeof r.body.error_description, 'string');
    }
    for (const p of ['/reset', '/snapshots/x1', '/snapshots/kept/restore']) {
      const r = await json(await beaSession.post(`/_scrumd/board/api/sandbox${p}`));
      assert.equal(r.status, 403, p);
      assert.equal(r.body.error, 'ACCESS_DENIED');
    }
    const del = await json(
      await fetch(`${t.origin}/_scrumd/board/api/sandbox/snapshots/kept`, { method: 'DELETE', headers: { cookie: beaSession.cookie, 'x-scrumd-csrf': beaSession.csrf } }),
    );
    assert.equal(del.status, 403);
    const names = (await ctlOk(t, 'GET', '/_scrumd/snapshots')).map((x: any) => x.name);
    assert.deepEqual(names, ['kept']);
    // without a session: sign-in required
    const anon = await json(await fetch(`${t.origin}/_scrumd/board/api/sandbox/journal`));
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error, 'BOARD_SIGN_IN_REQUIRED');
  });

  test('an administrator: journal, snapshots save/list/restore/delete, reset; writes need the CSRF header', async () => {
    const group = (await t.admin.result('sonet_group.create', { NAME: 'Before snapshot', PROJECT: 'Y' })) as number;
    const journal = await json(await admin.get('/_scrumd/board/api/sandbox/journal?limit=5'));
    assert.equal(journal.status, 200, journal.text);
    assert.equal(journal.body.result[0].method, 'sonet_group.create'); // newest first
    assert.deepEqual(journal.body.result[0].credential, { type: 'webhook', id: 1, user: 1 });
    assert.equal((await json(await admin.get('/_scrumd/board/api/sandbox/journal?status=abc'))).status, 400);

    // no CSRF header: refused, nothing saved
    const noCsrf = await json(await fetch(`${t.origin}/_scrumd/board/api/sandbox/snapshots/s1`, { method: 'POST', headers: { cookie: admin.cookie } }));
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error, 'BOARD_CSRF_REFUSED');
    const saved = await json(await admin.post('/_scrumd/board/api/sandbox/snapshots/s1'));
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.result.name, 's1');
    const bad = await json(await admin.post('/_scrumd/board/api/sandbox/snapshots/..%2Fx'));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'INVALID_SNAPSHOT_NAME');
    // the control API sees the board's snapshot (one shared state)
    assert.ok((await ctlOk(t, 'GET', '/_scrumd/snapshots')).some((x: any) => x.name === 's1'));
    const listed = await json(await admin.get('/_scrumd/board/api/sandbox/snapshots'));
    assert.ok(listed.body.result.some((x: any) => x.name === 's1'));

    const reset = await json(await admin.post('/_scrumd/board/api/sandbox/reset'));
    assert.equal(reset.status, 200, reset.text);
    assert.equal((await t.admin.call('sonet_group.get', { FILTER: { ID: group } })).body.result.length, 0);
    // the administrator's session survived the reset
    assert.equal((await json(await admin.get('/_scrumd/board/api/session'))).status, 200);

    const restored = await json(await admin.post('/_scrumd/board/api/sandbox/snapshots/s1/restore'));
    assert.equal(restored.status, 200, restored.text);
    assert.equal((await t.admin.call('sonet_group.get', { FILTER: { ID: group } })).body.result.length, 1);
    assert.equal((await json(await admin.get('/_scrumd/board/api/session'))).status, 200);
    const unknown = await json(await admin.post('/_scrumd/board/api/sandbox/snapshots/nope/restore'));
    assert.equal(unknown.status, 404);

    const del = await json(await fetch(`${t.origin}/_scrumd/board/api/sandbox/snapshots/s1`, { method: 'DELETE', headers: { cookie: admin.cookie, 'x-scrumd-csrf': admin.csrf } }));
    assert.equal(del.status, 200, del.text);
    const again = await json(await fetch(`${t.origin}/_scrumd/board/api/sandbox/snapshots/s1`, { method: 'DELETE', headers: { cookie: admin.cookie, 'x-scrumd-csrf': admin.csrf } }));
    assert.equal(again.status, 404);
    assert.equal(again.body.error, 'SNAPSHOT_NOT_FOUND');
  });

  test('with --no-control the panel is not there', async () => {
    const off = await startTestServer({ noControl: true });
    try {
      const s = await boardSession(off, 1);
      assert.equal((await json(await s.get('/_scrumd/board/api/session'))).body.result.sandbox, false);
      const r = await json(await s.get('/_scrumd/board/api/sandbox/journal'));
      assert.equal(r.status, 404);
      assert.ok(r.body.error);
    } finally {
      await off.close();
    }
  });
});

describe('the sandbox panel in Chromium', () => {
  let t: TestServer;
  let b: BoardBrowser;
  let rx: Receiver;
  let bea: Client;
  before(async () => {
    buildBoard();
    t = await startTestServer();
    bea = await t.user({ name: 'Bea' });
    rx = await Receiver.start();
    // an outgoing webhook of user 1: every task added is delivered to the receiver
    await addOutgoingWebhook(t.server.app.store.db, 1, `${rx.url}/hook`, 'ONTASKADD');
    b = await launchBoardBrowser();
  });
  after(async () => {
    await b?.close();
    await rx?.close();
    await t?.close();
  });

  test('an administrator sees a webhook call and a delivery live, saves and restores a snapshot', async () => {
    const page = await b.signedInPage(t, 1);
    await page.getByRole('link', { name: 'Sandbox' }).click();
    await page.getByRole('heading', { name: 'Sandbox', level: 1 }).waitFor();
    const journal = page.getByRole('table', { name: /Request journal/ });
    const deliveries = page.getByRole('table', { name: /Event deliveries/ });

    // a REST call by the webhook appears without a reload, with its credential and parameters
    const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await t.admin.result('tasks.task.add', { fields: { TITLE: 'Made by a webhook', RESPONSIBLE_ID: 1 } });
    const row = journal.getByRole('row').filter({ hasText: 'tasks.task.add' });
    await row.first().waitFor({ timeout: 15_000 });
    const text = await row.first().innerText();
    assert.match(text, /webhook 1, user 1/);
    assert.match(text, /200/);
    await row.first().getByRole('button', { name: /Parameters of call/ }).click();
    await page.getByText('Made by a webhook', { exact: false }).first().waitFor();
    assert.ok(!(await page.content()).includes('s3cr3t'), 'the webhook secret on the page');

    // the event delivery appears, delivered with the receiver's 200
    await rx.waitFor(1);
    const delivery = deliveries.getByRole('row').filter({ hasText: 'ONTASKADD' }).filter({ hasText: 'delivered' });
    await delivery.first().waitFor({ timeout: 15_000 });
    assert.match(await delivery.first().innerText(), /200/);
    // the board's own calls are journaled as the board's (none made by this page yet; the panel reads the sandbox API)
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), before, 'the page was reloaded');
    await page.screenshot({ path: shot('board-sandbox-1280.png'), fullPage: true });

    // save a snapshot, change the portal, restore it from the panel
    await page.getByLabel('Snapshot name').fill('panel1');
    await page.getByRole('button', { name: 'Save snapshot' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot panel1 saved.' }).waitFor();
    await page.getByRole('button', { name: 'Restore snapshot panel1' }).waitFor();
    assert.ok((await ctlOk(t, 'GET', '/_scrumd/snapshots')).some((s: any) => s.name === 'panel1'));
    const group = (await t.admin.result('sonet_group.create', { NAME: 'After the snapshot', PROJECT: 'Y' })) as number;
    await page.getByRole('button', { name: 'Restore snapshot panel1' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot panel1 restored.' }).waitFor();
    assert.equal((await t.admin.call('sonet_group.get', { FILTER: { ID: group } })).body.result.length, 0);
    // still signed in, still live: a new call shows up
    await t.admin.result('server.time');
    await journal.getByRole('row').filter({ hasText: 'server.time' }).first().waitFor({ timeout: 15_000 });

    // at a phone's width the page itself does not scroll sideways (the tables scroll in their box)
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px at 390px`);
    await page.screenshot({ path: shot('board-sandbox-390.png'), fullPage: true });

    await page.getByRole('button', { name: 'Delete snapshot panel1' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot panel1 deleted.' }).waitFor();
    assert.ok(!(await ctlOk(t, 'GET', '/_scrumd/snapshots')).some((s: any) => s.name === 'panel1'));
  });

  test('a user who is not an administrator has no panel, and its endpoints refuse the page', async () => {
    const page = await b.signedInPage(t, bea.userId);
    assert.equal(await page.getByRole('link', { name: 'Sandbox' }).count(), 0);
    await page.goto(`${t.origin}/_scrumd/board/#/sandbox`);
    await page.getByRole('heading', { name: 'Scrum groups' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Sandbox' }).count(), 0);
    const status = await page.evaluate(async () => (await fetch('/_scrumd/board/api/sandbox/journal')).status);
    assert.equal(status, 403);
  });
});
