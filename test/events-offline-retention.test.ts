/**
 * Offline event retention (spec events.md §6.3): records older than PROCESS_ID_LIFETIME (2,952,000 s,
 * about 34.2 days) on the portal's clock are gone from event.offline.list and event.offline.get; the
 * sandbox clock (POST /_scrumd/clock/…) ages them. Over real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOauthApp, findApp, issueTokens } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { delivererOf } from '../src/events/deliverer.js';
import { rawCall, controlCall, startTestServer, type TestServer } from './helpers/harness.js';

let t: TestServer;
let A: string; // token of the app for admin 1

async function ok(method: string, params: Record<string, unknown> = {}) {
  const r = await rawCall(`${t.origin}/rest/${method}`, { ...params, auth: A }, 'json');
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

async function clock(path: string, body?: unknown) {
  const r = await controlCall(t, 'POST', `/_scrumd/clock/${path}`, body);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

async function newTask(title: string): Promise<number> {
  return Number((await t.admin.result('tasks.task.add', { fields: { TITLE: title, RESPONSIBLE_ID: 1 } })).task.id);
}

const LIFETIME = 2_952_000;
const DAY = 86_400;

before(async () => {
  t = await startTestServer();
  const db = t.server.app.store.db;
  const made = await addOauthApp(db, { title: 'Offline app', scopes: ['task'] }, nowSeconds());
  // issued on the real clock: valid on a portal clock set to a past time (the test stays long before it)
  const app = (await findApp(db, made.clientId))!;
  A = (await issueTokens(db, app, 1, app.scopes, nowSeconds())).accessToken;
});
after(async () => {
  await clock('reset').catch(() => undefined);
  await t.close();
});

describe('offline records older than about 34 days are deleted (spec events.md §6.3)', () => {
  test('aged by the sandbox clock: gone from event.offline.list and event.offline.get, and deleted, not hidden', async () => {
    const first = await newTask('Old change');
    const second = await newTask('Newer change');
    assert.equal(await ok('event.bind', { event: 'ONTASKUPDATE', event_type: 'offline' }), true);
    try {
      await clock('freeze', { time: '2025-01-01T00:00:00Z' });
      await t.admin.result('tasks.task.update', { taskId: first, fields: { TITLE: 'Old change 2' } });
      await clock('advance', { seconds: 20 * DAY });
      await t.admin.result('tasks.task.update', { taskId: second, fields: { TITLE: 'Newer change 2' } });
      await delivererOf(t.server.app)!.idle();
      const idOf = (r: { EVENT_DATA: { FIELDS_AFTER: { ID: number } } }) => Number(r.EVENT_DATA.FIELDS_AFTER.ID);
      assert.deepEqual((await ok('event.offline.list')).map(idOf), [first, second]);

      // the older record exactly LIFETIME seconds old: kept (only older ones go)
      await clock('advance', { seconds: LIFETIME - 20 * DAY });
      assert.deepEqual((await ok('event.offline.list')).map(idOf), [first, second]);

      // one second more: the older one is past the lifetime, the newer one (20 days younger) is not
      await clock('advance', { seconds: 1 });
      const list = await ok('event.offline.list');
      assert.deepEqual(list.map(idOf), [second]);
      const got = await ok('event.offline.get', { clear: 0 });
      assert.deepEqual(got.events.map(idOf), [second]);
      // reserved records age too: event.offline.get deletes every record past the lifetime, in any state
      await clock('advance', { seconds: 20 * DAY });
      assert.deepEqual(await ok('event.offline.list'), []);
      assert.deepEqual((await ok('event.offline.get', { clear: 0 })).events, []);

      // deleted, not only hidden: with the clock set back both times would be within the lifetime again
      await clock('set', { time: '2025-01-21T00:00:00Z' });
      assert.deepEqual(await ok('event.offline.list'), []);

      // a new change is recorded and listed as usual
      await t.admin.result('tasks.task.update', { taskId: first, fields: { TITLE: 'Old change 3' } });
      await delivererOf(t.server.app)!.idle();
      assert.deepEqual((await ok('event.offline.list')).map(idOf), [first]);
    } finally {
      await clock('reset');
    }
  });
});
