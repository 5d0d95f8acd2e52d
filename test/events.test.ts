/**
 * Events (issue 13): event.bind/unbind/get with their errors, and the deliveries the changes cause —
 * exact payloads decoded with PHP semantics, received by a real HTTP receiver on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOauthApp, findApp, issueTokens } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { delivererOf } from '../src/events/deliverer.js';
import { errorOf, rawCall, startTestServer, type Client, type Encoding, type TestServer } from './helpers/harness.js';
import { Receiver } from './helpers/receiver.js';
import { B24OAuth } from '@bitrix24/b24jssdk';
import { Fixtures } from './helpers/sprintFixtures.js';
import { createScrum } from './helpers/harness.js';

let t: TestServer;
let rx: Receiver;
let A: string; // token of the app for admin 1
let N: string; // token of the app for non-admin `nonAdmin`
let nonAdmin: Client;
let memberId: string;

async function call(token: string, method: string, params: Record<string, unknown> = {}, enc: Encoding = 'json') {
  return rawCall(`${t.origin}/rest/${method}`, { ...params, auth: token }, enc);
}
async function ok(token: string, method: string, params: Record<string, unknown> = {}, enc: Encoding = 'json') {
  const r = await call(token, method, params, enc);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}
const idle = () => delivererOf(t.server.app)!.idle();

before(async () => {
  t = await startTestServer();
  rx = await Receiver.start();
  const db = t.server.app.store.db;
  const made = await addOauthApp(db, { title: 'Events app', scopes: ['task', 'sonet_group', 'user'] }, nowSeconds());
  const app = (await findApp(db, made.clientId))!;
  nonAdmin = await t.user();
  A = (await issueTokens(db, app, 1, app.scopes, nowSeconds())).accessToken;
  N = (await issueTokens(db, app, nonAdmin.userId, app.scopes, nowSeconds())).accessToken;
  memberId = (await db.selectFrom('settings').select('value').where('key', '=', 'member_id').executeTakeFirstOrThrow()).value;
});
after(async () => {
  await t.close();
  await rx.close();
});

describe('event.bind, event.unbind, event.get', () => {
  test('webhooks are refused; the documented errors in their order', async () => {
    assert.deepEqual(errorOf(await t.admin.call('event.bind', { event: 'ONTASKADD', handler: 'https://h.example.com/x' })), {
      status: 403, error: 'WRONG_AUTH_TYPE', error_description: 'Current authorization type is denied for this method',
    });
    assert.equal(errorOf(await t.admin.call('event.get')).error, 'WRONG_AUTH_TYPE');
    const missing = await call(A, 'event.bind', { handler: 'https://h.example.com/x' });
    assert.deepEqual(missing.body, { error: 'ERROR_ARGUMENT', error_description: "Argument 'EVENT' is null or empty", argument: 'EVENT' });
    assert.equal(missing.status, 400);
    assert.deepEqual((await call(A, 'event.bind', { event: 'ONTASKADD' })).body, { error: 'ERROR_ARGUMENT', error_description: "Argument 'HANDLER' is null or empty", argument: 'HANDLER' });
    assert.deepEqual((await call(A, 'event.bind', { event: 'ONTASKADD', event_type: 'sometimes', handler: 'https://h.example.com/x' })).body, {
      error: 'ERROR_ARGUMENT', error_description: 'Value must be one of {online|offline}', argument: 'EVENT_TYPE',
    });
    for (const bad of ['http://localhost/x', 'http://myhost:8080/x', 'http://[::1]/x', 'h.example.com/x']) {
      assert.deepEqual(errorOf(await call(A, 'event.bind', { event: 'ONTASKADD', handler: bad })), { status: 400, error: 'ERROR_WRONG_HANDLER_URL', error_description: 'Wrong handler URL' }, bad);
    }
    assert.deepEqual(errorOf(await call(A, 'event.bind', { event: 'ONTASKADD', handler: 'ftp://h.example.com/x' })), { status: 400, error: 'ERROR_UNSUPPORTED_PROTOCOL', error_description: 'Unsupported handler protocol' });
    assert.deepEqual(errorOf(await call(A, 'event.bind', { event: 'ONFOO', handler: 'https://h.example.com/x' })), { status: 400, error: 'ERROR_EVENT_NOT_FOUND', error_description: 'Event not found' });
    assert.deepEqual(errorOf(await call(A, 'event.bind', { event: 'ONOFFLINEEVENT', event_type: 'offline' })), { status: 400, error: 'ERROR_ARGUMENT', error_description: 'Offline event cannot be registered for this event.' });
    assert.deepEqual(errorOf(await call(N, 'event.bind', { event: 'ONTASKADD', handler: 'https://h.example.com/x', auth_type: 1 })), {
      status: 403, error: 'ACCESS_DENIED', error_description: 'Access denied! Event binding with AUTH_TYPE requires administrator access rights',
    });
    assert.deepEqual(errorOf(await call(N, 'event.bind', { event: 'ONTASKADD', event_type: 'offline' })), {
      status: 403, error: 'ACCESS_DENIED', error_description: 'Access denied! Offline events binding requires administrator access rights',
    });
  });

  test('bind, duplicate, get per user, unbind with counts and the strict AUTH_TYPE of non-admins', async () => {
    assert.equal(await ok(A, 'event.bind', { event: 'onTaskCommentAdd', handler: 'https://h.example.com/x' }), true);
    assert.deepEqual(errorOf(await call(A, 'event.bind', { EVENT: 'ONTASKCOMMENTADD', HANDLER: 'https://h.example.com/x' })), {
      status: 400, error: 'ERROR_CORE', error_description: 'Unable to set event handler: Handler already binded',
    });
    assert.equal(await ok(N, 'event.bind', { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x' }), true);
    assert.equal(await ok(A, 'event.bind', { event: 'ONTASKCOMMENTADD', event_type: 'offline' }), true);
    const mine = await ok(A, 'event.get');
    assert.deepEqual(mine.filter((r: { event: string }) => r.event === 'ONTASKCOMMENTADD'), [
      { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x', auth_type: '0', offline: 0 },
      { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x', auth_type: String(nonAdmin.userId), offline: 0 },
      { event: 'ONTASKCOMMENTADD', connector_id: '', offline: 1 },
    ]);
    assert.deepEqual(await ok(N, 'event.get'), [{ event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x', auth_type: String(nonAdmin.userId), offline: 0 }]);

    assert.deepEqual((await call(A, 'event.unbind', { event: 'ONTASKCOMMENTADD' })).body.error_description, "Argument 'HANDLER' is null or empty");
    // a non-admin's own id as a string (every form) is refused; as a JSON integer it passes
    assert.deepEqual(errorOf(await call(N, 'event.unbind', { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x', auth_type: nonAdmin.userId }, 'form')), {
      status: 403, error: 'ACCESS_DENIED', error_description: 'Access denied! Event unbinding with AUTH_TYPE requires administrator access rights',
    });
    assert.deepEqual(await ok(N, 'event.unbind', { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x', auth_type: nonAdmin.userId }), { count: 1 });
    assert.deepEqual(await ok(A, 'event.unbind', { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x' }), { count: 1 });
    assert.deepEqual(await ok(A, 'event.unbind', { event: 'ONTASKCOMMENTADD', handler: 'https://h.example.com/x' }), { count: 0 });
    assert.deepEqual(errorOf(await call(N, 'event.unbind', { event: 'ONTASKCOMMENTADD', event_type: 'offline' })).error_description, 'Access denied! Offline events unbinding requires administrator access rights');
    assert.deepEqual(await ok(A, 'event.unbind', { event: 'ONTASKCOMMENTADD', event_type: 'offline' }), { count: 1 });
  });
});

describe('deliveries', () => {
  let handlerIds: Record<string, number>;
  before(async () => {
    for (const ev of ['ONTASKADD', 'ONTASKUPDATE', 'ONTASKDELETE', 'ONSONETGROUPADD', 'ONSONETGROUPUPDATE', 'ONSONETGROUPDELETE', 'ONUSERADD']) {
      assert.equal(await ok(A, 'event.bind', { event: ev, handler: `${rx.url}/h` }), true);
    }
    const rows = await t.server.app.store.db.selectFrom('event_handlers' as never).select(['id', 'event_name'] as never).execute();
    handlerIds = Object.fromEntries((rows as { id: number; event_name: string }[]).map((r) => [r.event_name, Number(r.id)]));
  });

  test('a task added, updated, deleted through a webhook: exact payloads with a working token of the acting user', async () => {
    rx.received.length = 0;
    const id = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Evented', RESPONSIBLE_ID: 1 } })).task.id);
    await idle();
    const [add] = rx.ofEvent('ONTASKADD');
    assert.ok(add, 'ONTASKADD delivered');
    assert.equal(add.contentType, 'application/x-www-form-urlencoded');
    assert.equal(add.path, '/h');
    const b = add.body;
    assert.deepEqual(Object.keys(b), ['event', 'event_handler_id', 'data', 'ts', 'auth']);
    assert.equal(b.event_handler_id, String(handlerIds.ONTASKADD));
    assert.deepEqual(b.data, { FIELDS_BEFORE: 'undefined', FIELDS_AFTER: { ID: String(id) }, IS_ACCESSIBLE_BEFORE: 'N', IS_ACCESSIBLE_AFTER: 'undefined' });
    assert.match(b.ts, /^\d+$/);
    assert.ok(add.raw.includes('data%5BFIELDS_AFTER%5D%5BID%5D='), add.raw);
    const host = new URL(t.origin).host;
    assert.deepEqual(Object.keys(b.auth), ['access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'application_token']);
    assert.equal(b.auth.expires_in, '3600');
    assert.equal(b.auth.scope, 'task,sonet_group,user');
    assert.equal(b.auth.domain, host);
    assert.equal(b.auth.client_endpoint, `${t.origin}/rest/`);
    assert.equal(b.auth.server_endpoint, `${t.origin}/rest/`);
    assert.equal(b.auth.status, 'L');
    assert.equal(b.auth.member_id, memberId);
    assert.equal(b.auth.user_id, '1');
    assert.match(b.auth.application_token, /^[0-9a-f]{32}$/);
    // the token works and is the acting user's
    const me = await ok(b.auth.access_token, 'profile');
    assert.equal(me.ID, '1');

    rx.received.length = 0;
    await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'Again' } });
    await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'Again' } }); // unchanged: fires too
    await idle();
    const updates = rx.ofEvent('ONTASKUPDATE');
    assert.equal(updates.length, 2);
    assert.deepEqual(updates[0]!.body.data, { FIELDS_BEFORE: { ID: String(id) }, FIELDS_AFTER: { ID: String(id) }, IS_ACCESSIBLE_BEFORE: 'undefined', IS_ACCESSIBLE_AFTER: 'undefined' });
    assert.equal(updates[0]!.body.auth.refresh_token, undefined);

    rx.received.length = 0;
    await t.admin.result('tasks.task.delete', { taskId: id });
    await idle();
    assert.deepEqual(rx.received.map((r) => r.body.event), ['ONTASKDELETE']);
    assert.deepEqual(rx.received[0]!.body.data, { FIELDS_BEFORE: { ID: String(id) }, FIELDS_AFTER: 'undefined', IS_ACCESSIBLE_BEFORE: 'undefined', IS_ACCESSIBLE_AFTER: 'N' });
  });

  test('identical events of one call collapse: two updates of a task in one batch give one ONTASKUPDATE', async () => {
    const id = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Batched', RESPONSIBLE_ID: 1 } })).task.id);
    await idle();
    rx.received.length = 0;
    await t.admin.result('batch', { halt: 0, cmd: { a: `tasks.task.update?taskId=${id}&fields[TITLE]=One`, b: `tasks.task.update?taskId=${id}&fields[TITLE]=Two` } });
    await idle();
    assert.deepEqual(rx.received.map((r) => [r.body.event, r.body.data.FIELDS_AFTER.ID]), [['ONTASKUPDATE', String(id)]]);
  });

  test('a refused change raises nothing (the event is in its transaction)', async () => {
    rx.received.length = 0;
    const r = await t.admin.call('tasks.task.add', { fields: { TITLE: '' } });
    assert.notEqual(r.status, 200);
    await nonAdmin.call('tasks.task.update', { taskId: 999999, fields: { TITLE: 'x' } });
    await idle();
    assert.deepEqual(rx.received, []);
  });

  test('groups: create gives ONSONETGROUPADD only; update, membership and delete', async () => {
    rx.received.length = 0;
    const gid = await t.admin.result('sonet_group.create', { NAME: 'Evented group' });
    await idle();
    assert.deepEqual(rx.received.map((r) => r.body.event), ['ONSONETGROUPADD']);
    assert.deepEqual(rx.received[0]!.body.data, { FIELDS: { ID: String(gid) } });
    rx.received.length = 0;
    await t.admin.result('sonet_group.update', { GROUP_ID: gid, NAME: 'Renamed' });
    await idle();
    assert.deepEqual(rx.received.map((r) => r.body.event), ['ONSONETGROUPUPDATE']);
    rx.received.length = 0;
    await t.admin.result('sonet_group.delete', { GROUP_ID: gid });
    await idle();
    assert.deepEqual(rx.received.map((r) => r.body.event), ['ONSONETGROUPDELETE']);
  });

  test('user.add raises ONUSERADD with the user record', async () => {
    rx.received.length = 0;
    const id = await t.admin.result('user.add', { EMAIL: 'evented.user@example.com', NAME: 'Eve', UF_DEPARTMENT: [1] });
    await idle();
    const [u] = rx.ofEvent('ONUSERADD');
    assert.ok(u);
    assert.equal(u.body.data.ID, String(id));
    assert.equal(u.body.data.EMAIL, 'evented.user@example.com');
    assert.equal(u.body.data.FIELDS, undefined);
  });

  test('a handler that hangs does not hold up API calls', async () => {
    const slow = await Receiver.start();
    slow.mode = 'hang';
    try {
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKADD', handler: `${slow.url}/slow` }), true);
      const first = await t.admin.result('tasks.task.add', { fields: { TITLE: 'Slow 1', RESPONSIBLE_ID: 1 } });
      await slow.waitFor(1); // the delivery is open and unanswered…
      const second = await t.admin.call('tasks.task.add', { fields: { TITLE: 'Slow 2', RESPONSIBLE_ID: 1 } });
      assert.equal(second.status, 200); // …and calls are answered meanwhile
      assert.ok(first.task.id);
    } finally {
      await ok(A, 'event.unbind', { event: 'ONTASKADD', handler: `${slow.url}/slow` });
      await slow.close();
    }
  });
});

describe('Scrum operations and task events (spec events.md §7.2)', () => {
  test('backlog↔sprint moves and kanban.addTask raise nothing; sprint.start and kanban.deleteTask raise ONTASKUPDATE', async () => {
    const fx = new Fixtures(t);
    const group = await createScrum(t.admin, 'Evented Scrum');
    const backlog = await fx.backlog(t.admin, group);
    const sprint = await fx.sprint(t.admin, group);
    const t1 = await fx.task(t.admin, group);
    const t2 = await fx.task(t.admin, group);
    await fx.moveItem(t2, sprint, 2048);
    await idle();
    rx.received.length = 0;
    const updated = (ids: number[]) => rx.ofEvent('ONTASKUPDATE').map((r) => Number(r.body.data.FIELDS_AFTER.ID)).sort((a, b) => a - b);

    assert.equal((await t.admin.call('tasks.api.scrum.task.update', { id: t1, fields: { entityId: sprint } })).status, 200);
    assert.equal((await t.admin.call('tasks.api.scrum.task.update', { id: t1, fields: { entityId: backlog } })).status, 200);
    assert.equal((await t.admin.call('tasks.api.scrum.task.update', { id: t1, fields: { entityId: sprint } })).status, 200);
    await idle();
    assert.deepEqual(rx.received.map((r) => r.body.event), [], 'moves between backlog and sprint');

    assert.equal((await t.admin.call('tasks.api.scrum.sprint.start', { id: sprint })).status, 200);
    await idle();
    assert.deepEqual(updated([]), [t1, t2], 'one ONTASKUPDATE per open task of the sprint');

    rx.received.length = 0;
    assert.equal((await t.admin.call('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint, taskId: t1 })).status, 200);
    await idle();
    assert.deepEqual(updated([]), [t1]);
    rx.received.length = 0;
    assert.equal((await t.admin.call('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint, taskId: t1 })).status, 200); // no link left
    const stages = await t.admin.result('tasks.api.scrum.kanban.getStages', { sprintId: sprint });
    assert.equal((await t.admin.call('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: t1, stageId: stages[0].id })).status, 200);
    await idle();
    assert.deepEqual(rx.received.map((r) => r.body.event), []);
  });
});

describe('offline events (spec events.md §6)', () => {
  test('record, coalesce, self-exclusion; get/clear/error round trip; ONOFFLINEEVENT with minTimeout', async () => {
    assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', event_type: 'offline' }), true);
    assert.equal(await ok(A, 'event.bind', { event: 'ONOFFLINEEVENT', handler: `${rx.url}/offline`, options: { minTimeout: 60, other: 1 } }), true);
    const task = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Offline', RESPONSIBLE_ID: 1 } })).task.id);
    const mine = Number((await ok(A, 'tasks.task.add', { fields: { TITLE: 'Mine', RESPONSIBLE_ID: 1 } })).task.id);
    await idle();
    rx.received.length = 0;
    for (let i = 0; i < 4; i++) await t.admin.result('tasks.task.update', { taskId: task, fields: { TITLE: `Offline ${i}` } });
    await ok(A, 'tasks.task.update', { taskId: mine, fields: { TITLE: 'Mine again' } }); // the app's own change: not recorded
    await idle();
    let list = await ok(A, 'event.offline.list');
    assert.equal(list.length, 1);
    const rec = list[0];
    assert.equal(rec.EVENT_NAME, 'ONTASKUPDATE');
    assert.deepEqual(rec.EVENT_DATA, { FIELDS_BEFORE: { ID: task }, FIELDS_AFTER: { ID: task }, IS_ACCESSIBLE_BEFORE: 'undefined', IS_ACCESSIBLE_AFTER: 'undefined' });
    assert.deepEqual(rec.EVENT_ADDITIONAL, { user_id: 1 });
    assert.match(rec.MESSAGE_ID, /^[0-9a-f]{32}$/);
    assert.equal(rec.PROCESS_ID, '');
    assert.equal(rec.ERROR, '0');
    // one ONOFFLINEEVENT for the four changes (minTimeout 60), with a refresh token and no data
    const notes = rx.received.filter((r) => r.body.event === 'ONOFFLINEEVENT');
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.body.data, undefined);
    assert.ok(notes[0]!.body.auth.refresh_token);

    // reserve, then nothing more to reserve
    const got = await ok(A, 'event.offline.get', { clear: 0 });
    assert.match(got.process_id, /^[0-9a-z]{32}$/);
    assert.equal(got.events.length, 1);
    assert.equal(got.events[0].MESSAGE_ID, rec.MESSAGE_ID);
    assert.deepEqual((await ok(A, 'event.offline.get', { clear: 0 })).events, []);
    // mark it failed: an error record, unreserved
    assert.equal(await ok(A, 'event.offline.error', { process_id: got.process_id, message_id: [rec.MESSAGE_ID] }), true);
    list = await ok(A, 'event.offline.list');
    assert.deepEqual(list.map((r: { ERROR: string; PROCESS_ID: string }) => [r.ERROR, r.PROCESS_ID]), [['1', '']]);
    // a new change refreshes the error record: invisible to get, visible with error=1
    await t.admin.result('tasks.task.update', { taskId: task, fields: { TITLE: 'Offline 5' } });
    assert.deepEqual((await ok(A, 'event.offline.get', {})).events, []);
    const errors = await ok(A, 'event.offline.get', { error: 1 });
    assert.equal(errors.process_id, null);
    assert.equal(errors.events.length, 1);
    assert.deepEqual(await ok(A, 'event.offline.list'), []);
    // clear by process id
    await t.admin.result('tasks.task.update', { taskId: task, fields: { TITLE: 'Offline 6' } });
    const again = await ok(A, 'event.offline.get', { clear: 0 });
    assert.equal(again.events.length, 1);
    assert.equal(await ok(A, 'event.offline.clear', { process_id: again.process_id }), true);
    assert.deepEqual(await ok(A, 'event.offline.list'), []);

    assert.deepEqual(errorOf(await call(A, 'event.offline.get', { limit: 0 })), { status: 400, error: 'ERROR_ARGUMENT', error_description: 'Value must be positive integer' });
    assert.deepEqual((await call(A, 'event.offline.clear', {})).body, { error: 'ERROR_ARGUMENT', error_description: "Argument 'PROCESS_ID' is null or empty", argument: 'PROCESS_ID' });
    assert.deepEqual((await call(A, 'event.offline.clear', { process_id: 'x', message_id: ['short'] })).body, { error: 'ERROR_ARGUMENT', error_description: 'Value must be array of MESSAGE_ID values', argument: 'messsage_id' });
    assert.deepEqual(errorOf(await call(A, 'event.offline.get', { filter: { '!ID': 1 } })).error_description, 'Filter operation not allowed: !');
    assert.deepEqual(errorOf(await call(A, 'event.offline.get', { order: { FOO: 'ASC' } })).error_description, 'Order field not allowed: FOO');
    for (const m of ['event.offline.get', 'event.offline.clear', 'event.offline.error', 'event.offline.list']) {
      assert.deepEqual(errorOf(await call(N, m, { process_id: 'x', message_id: [] })), { status: 403, error: 'ACCESS_DENIED', error_description: 'Access denied!' }, m);
      assert.equal(errorOf(await t.admin.call(m)).error, 'WRONG_AUTH_TYPE', m);
    }
    assert.deepEqual(await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', event_type: 'offline' }), { count: 1 });
  });

  test('auth_connector goes with the token: it names the binding, the queue and the self-exclusion of the whole call (batch too)', async () => {
    const X = { auth_connector: 'crm' };
    assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', event_type: 'offline', ...X }), true);
    const bound = (await ok(A, 'event.get')).filter((h: { event: string; offline?: number }) => h.event === 'ONTASKUPDATE' && h.offline === 1);
    assert.deepEqual(bound, [{ event: 'ONTASKUPDATE', connector_id: 'crm', offline: 1 }]);
    const task = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Connector', RESPONSIBLE_ID: 1 } })).task.id);
    await idle();
    // the app's own change under the same connector stays out of its queue, as a batch of its commands does
    await ok(A, 'tasks.task.update', { taskId: task, fields: { TITLE: 'own, crm' }, ...X });
    await ok(A, 'batch', { cmd: { u: `tasks.task.update?taskId=${task}&fields[TITLE]=own%20batch` }, ...X });
    await idle();
    assert.deepEqual(await ok(A, 'event.offline.list', X), []);
    // the same app without the connector is another writer for queue crm
    await ok(A, 'tasks.task.update', { taskId: task, fields: { TITLE: 'no connector' } });
    await idle();
    const list = await ok(A, 'event.offline.list', X);
    assert.deepEqual(list.map((r: { EVENT_NAME: string; EVENT_DATA: { FIELDS_AFTER: { ID: number } } }) => [r.EVENT_NAME, r.EVENT_DATA.FIELDS_AFTER.ID]), [['ONTASKUPDATE', task]]);
    // the connector-less queue is another queue
    assert.deepEqual(await ok(A, 'event.offline.list'), []);
    const got = await ok(A, 'event.offline.get', X);
    assert.equal(got.events.length, 1);
    assert.deepEqual(await ok(A, 'event.offline.list', X), []);
    assert.deepEqual(await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', event_type: 'offline' }), { count: 0 });
    assert.deepEqual(await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', event_type: 'offline', ...X }), { count: 1 });
  });
});

describe('/oauth/authorize/ (spec events.md §3)', () => {
  test('redirects a signed-in user (loopback user=N) with code, state, domain, member_id, scope, server_domain; the code works', async () => {
    const db = t.server.app.store.db;
    const made = await addOauthApp(db, { title: 'Redirecting', scopes: ['task', 'user'], redirectUri: 'https://app.example.com/cb?x=1#frag' }, nowSeconds());
    const res = await fetch(`${t.origin}/oauth/authorize/?client_id=${made.clientId}&state=xyz&user=1`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const loc = res.headers.get('location')!;
    const host = new URL(t.origin).host;
    const m = /^https:\/\/app\.example\.com\/cb\?x=1&code=([0-9a-f]+)&state=xyz&domain=([^&]+)&member_id=([0-9a-f]{32})&scope=task%2Cuser&server_domain=([^&#]+)#frag$/.exec(loc);
    assert.ok(m, loc);
    assert.equal(decodeURIComponent(m[2]!), host);
    assert.equal(m[3], memberId);
    const tok = await rawCall(`${t.origin}/oauth/token/`, { grant_type: 'authorization_code', client_id: made.clientId, client_secret: made.clientSecret, code: m[1] }, 'get');
    assert.equal(tok.status, 200, tok.text);
    assert.equal(tok.body.user_id, 1);

    const none = await fetch(`${t.origin}/oauth/authorize/`);
    assert.equal(none.status, 200);
    assert.match(await none.text(), /Application was not found\./);
    const anonymous = await fetch(`${t.origin}/oauth/authorize/?client_id=${made.clientId}`);
    assert.equal(anonymous.status, 200);
    assert.match(await anonymous.text(), new RegExp(`Please log in to use the application ${made.clientId.replace(/\./g, '\\.')}\\.`));
    const unknown = await fetch(`${t.origin}/oauth/authorize/?client_id=local.nope&user=1`, { redirect: 'manual' });
    assert.equal(unknown.status, 200);
    assert.match(await unknown.text(), /invalid_client/);
  });
});

describe('the official JS SDK as the application', () => {
  test('B24OAuth built from an ONTASKUPDATE delivery calls back with the token it got', async () => {
    const db = t.server.app.store.db;
    const made = await addOauthApp(db, { title: 'SDK app', scopes: ['task'] }, nowSeconds());
    const app = (await findApp(db, made.clientId))!;
    const token = (await issueTokens(db, app, 1, app.scopes, nowSeconds())).accessToken;
    const sdkRx = await Receiver.start();
    try {
      assert.equal(await ok(token, 'event.bind', { event: 'ONTASKUPDATE', handler: `${sdkRx.url}/app` }), true);
      const id = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'For the SDK', RESPONSIBLE_ID: 1 } })).task.id);
      await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'Seen by the SDK' } });
      const [got] = await sdkRx.waitFor(1);
      const a = got!.body.auth;
      const b24 = new B24OAuth(
        {
          applicationToken: a.application_token,
          userId: Number(a.user_id),
          memberId: a.member_id,
          accessToken: a.access_token,
          refreshToken: '',
          expires: Number(a.expires),
          expiresIn: Number(a.expires_in),
          scope: a.scope,
          domain: a.domain,
          clientEndpoint: a.client_endpoint,
          serverEndpoint: a.server_endpoint,
          status: a.status,
        },
        { clientId: made.clientId, clientSecret: made.clientSecret },
      );
      b24.offClientSideWarning();
      const r = await b24.actions.v2.call.make<{ task: { title: string } }>({ method: 'tasks.task.get', params: { taskId: Number(got!.body.data.FIELDS_AFTER.ID) } });
      assert.equal(r.getData()!.result.task.title, 'Seen by the SDK');
    } finally {
      await sdkRx.close();
    }
  });
});

describe('retries', () => {
  test('a failing handler is retried with back-off up to the limit, then failed with its last error and response code', async () => {
    const d = delivererOf(t.server.app)!;
    const saved = { ...d.options };
    d.options.backoffMs = 50;
    d.options.maxAttempts = 3;
    const bad = await Receiver.start();
    bad.mode = 500;
    try {
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKDELETE', handler: `${bad.url}/bad` }), true);
      const id = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Doomed', RESPONSIBLE_ID: 1 } })).task.id);
      await t.admin.result('tasks.task.delete', { taskId: id });
      await bad.waitFor(3);
      await idle();
      const rows = (await t.server.app.store.db
        .selectFrom('event_deliveries' as never)
        .select(['status', 'attempts', 'last_error', 'response_code', 'url'] as never)
        .execute()) as { status: string; attempts: number; last_error: string; response_code: number; url: string }[];
      const mine = rows.filter((r) => r.url === `${bad.url}/bad`);
      assert.deepEqual(mine.map((r) => [r.status, Number(r.attempts), r.last_error, Number(r.response_code)]), [['failed', 3, 'HTTP 500', 500]]);
      assert.equal(bad.received.length, 3);
    } finally {
      Object.assign(d.options, saved);
      await ok(A, 'event.unbind', { event: 'ONTASKDELETE', handler: `${bad.url}/bad` });
      await bad.close();
    }
  });
});
