/** user.current and user.get over real HTTP (platform.md §7.1–7.3, §2.4, §4.3; checklist §11 items 17–21). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, type NewUser } from '../src/domain/users.js';
import { addWebhook } from '../src/domain/webhooks.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { IMPLEMENTED_SCOPES } from '../src/core/scopes.js';
import { Client, errorOf, startTestServer, type Encoding, type TestServer } from './helpers/harness.js';

const ISO_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
const ISO_MIDNIGHT = /^\d{4}-\d\d-\d\dT00:00:00[+-]\d\d:\d\d$/;
const SITE_FORMAT = /^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/;
const PLAIN_FORMAT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const ENCODINGS: Encoding[] = ['json', 'form', 'get'];

let seq = 0;

/** A user made directly in the store (with exactly the given profile fields) and a webhook of the given scopes. */
async function makeUser(
  t: TestServer,
  opts: { fields?: NewUser['fields']; departments?: number[]; active?: boolean; scopes?: readonly string[]; email?: string } = {},
): Promise<Client> {
  const db = t.server.app.store.db;
  const id = await createUser(
    db,
    {
      email: opts.email ?? `pu${++seq}.${process.pid}@example.com`,
      fields: opts.fields ?? { NAME: `Person${seq}`, LAST_NAME: 'Tester' },
      departments: opts.departments,
      active: opts.active,
    },
    nowSeconds(),
  );
  const hook = await addWebhook(db, { userId: id, scopes: opts.scopes ?? IMPLEMENTED_SCOPES }, nowSeconds());
  return new Client(t.origin, id, hook.secret);
}

async function setActive(t: TestServer, userId: number, active: boolean): Promise<void> {
  await t.server.app.store.db.updateTable('users').set({ active: active ? 'Y' : 'N' }).where('id', '=', userId).execute();
}

const ids = (rows: { ID: string }[]) => rows.map((r) => Number(r.ID));

describe('user.current', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test('full field set for the admin webhook: exact keys in order, value types (protocol.md §8.6, platform §7.1)', async () => {
    const r = await t.admin.call('user.current');
    assert.equal(r.status, 200);
    const u = r.body.result;
    assert.deepEqual(Object.keys(u), [
      'ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER', 'IS_ONLINE', 'TIMESTAMP_X',
      'LAST_ACTIVITY_DATE', 'PERSONAL_BIRTHDAY', 'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
    ]);
    assert.equal(u.ID, '1');
    assert.equal(u.ACTIVE, true);
    assert.equal(u.NAME, 'Admin');
    assert.equal(u.LAST_NAME, '');
    assert.equal(u.EMAIL, 'admin@example.com');
    assert.match(u.LAST_LOGIN, ISO_OFFSET);
    assert.match(u.DATE_REGISTER, ISO_MIDNIGHT);
    assert.equal(u.IS_ONLINE, 'Y');
    assert.match(u.TIMESTAMP_X, SITE_FORMAT);
    assert.match(u.LAST_ACTIVITY_DATE, PLAIN_FORMAT);
    assert.equal(u.PERSONAL_BIRTHDAY, '');
    assert.equal(u.UF_EMPLOYMENT_DATE, '');
    assert.deepEqual(u.UF_DEPARTMENT, [1]);
    assert.equal(u.USER_TYPE, 'employee');
    assert.equal('LOGIN' in u, false);
    assert.equal('PERSONAL_PHOTO' in u, false);
  });

  test('the same call as GET, form and JSON, and with the .json suffix', async () => {
    const first = (await t.admin.call('user.current')).body.result;
    for (const enc of ENCODINGS) {
      const r = await t.admin.call('user.current', {}, enc);
      assert.equal(r.status, 200, enc);
      assert.deepEqual(Object.keys(r.body.result), Object.keys(first), enc);
      assert.equal(r.body.result.ID, '1');
    }
    const s = await t.admin.call('user.current.json', {}, 'get');
    assert.equal(s.body.result.ID, '1');
  });

  test('field set follows the granted user scope (§4.3, §7.1)', async () => {
    const fields = { NAME: 'Sam', LAST_NAME: 'Scope', WORK_PHONE: '123', PERSONAL_WWW: 'http://x', PERSONAL_CITY: 'Rome', WORK_POSITION: 'Dev' };
    const full = await makeUser(t, { fields, scopes: ['user'] });
    const basic = await makeUser(t, { fields, scopes: ['user_basic'] });
    const brief = await makeUser(t, { fields, scopes: ['user_brief'] });
    const both = await makeUser(t, { fields, scopes: ['user_brief', 'user_basic'] });

    const f = (await full.result('user.current')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(f), [
      'ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER', 'IS_ONLINE', 'TIMESTAMP_X',
      'LAST_ACTIVITY_DATE', 'PERSONAL_WWW', 'PERSONAL_BIRTHDAY', 'PERSONAL_CITY', 'WORK_PHONE', 'WORK_POSITION',
      'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
    ]);
    const b = (await basic.result('user.current')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(b), [
      'ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'EMAIL', 'WORK_PHONE', 'WORK_POSITION', 'IS_ONLINE', 'TIMESTAMP_X',
      'DATE_REGISTER', 'LAST_ACTIVITY_DATE', 'PERSONAL_BIRTHDAY', 'PERSONAL_CITY', 'UF_DEPARTMENT',
      'UF_EMPLOYMENT_DATE', 'USER_TYPE',
    ]);
    const r = (await brief.result('user.current')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(r), [
      'ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'IS_ONLINE', 'TIMESTAMP_X', 'DATE_REGISTER', 'PERSONAL_BIRTHDAY',
      'PERSONAL_CITY', 'WORK_POSITION', 'LAST_ACTIVITY_DATE', 'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
    ]);
    assert.equal('EMAIL' in r, false);
    // user_basic wins over user_brief whatever the order of grants.
    assert.deepEqual(Object.keys(await both.result('user.current')), Object.keys(b));
  });

  test('a webhook without a user scope gets 401 insufficient_scope (§8.6)', async () => {
    const c = await makeUser(t, { scopes: ['task'] });
    const r = await c.call('user.current');
    assert.deepEqual(errorOf(r), {
      status: 401,
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the webhook token',
    });
  });

  test('a deactivated caller cannot authenticate', async () => {
    const c = await makeUser(t);
    await setActive(t, c.userId, false);
    const r = await c.call('user.current');
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'authorization_error');
  });

  test('extranet user (no department) and stored dates', async () => {
    const c = await makeUser(t, { departments: [] });
    const db = t.server.app.store.db;
    const birthday = Date.UTC(1990, 4, 17) / 1000;
    await db.updateTable('users').set({ personal_birthday: birthday, uf_employment_date: birthday }).where('id', '=', c.userId).execute();
    const u = await c.result('user.current');
    assert.deepEqual(u.UF_DEPARTMENT, []);
    assert.equal(u.USER_TYPE, 'extranet');
    assert.equal(u.PERSONAL_BIRTHDAY, '1990-05-17T00:00:00+00:00');
    assert.equal(u.UF_EMPLOYMENT_DATE, '1990-05-17T00:00:00+00:00');
  });
});

describe('user.get', () => {
  let t: TestServer;
  let anna: Client;
  let bob: Client;
  let carl: Client; // deactivated
  let ext: Client; // extranet (no department)
  let brief: Client;
  let taskOnly: Client;

  before(async () => {
    t = await startTestServer();
    anna = await makeUser(t, {
      email: 'anna@example.com',
      fields: { NAME: 'Anna', LAST_NAME: 'Smith', SECOND_NAME: '', WORK_POSITION: 'Scrum master', XML_ID: 'ext-anna' },
      departments: [1, 7],
    });
    bob = await makeUser(t, { email: 'bob@example.com', fields: { NAME: 'Bob', LAST_NAME: 'Stone_Jr' }, departments: [7] });
    carl = await makeUser(t, { email: 'carl@example.com', fields: { NAME: 'Carl', LAST_NAME: 'Smithers' } });
    await setActive(t, carl.userId, false);
    ext = await makeUser(t, { email: 'ext@example.com', fields: { NAME: 'Eve', LAST_NAME: 'Outside' }, departments: [] });
    brief = await makeUser(t, { scopes: ['user_brief'], fields: { NAME: 'Brief', LAST_NAME: 'Caller' } });
    taskOnly = await makeUser(t, { scopes: ['task'] });
  });
  after(() => t.close());

  test('ID as top-level param, in FILTER and in lower-case filter all return the same single user (checklist 17)', async () => {
    const results = [];
    for (const params of [{ ID: 1 }, { FILTER: { ID: 1 } }, { filter: { id: 1 } }, { id: '1' }, { Filter: { Id: '1' } }]) {
      const r = await t.admin.call('user.get', params);
      assert.equal(r.status, 200);
      assert.equal(r.body.total, 1, JSON.stringify(params));
      assert.equal(r.body.next, undefined);
      results.push(r.body.result);
    }
    for (const r of results) assert.deepEqual(r, results[0]);
    const u = results[0][0];
    assert.equal(u.ID, '1');
    assert.equal(u.ACTIVE, true);
    assert.equal(typeof u.ID, 'string');
    assert.equal(typeof u.ACTIVE, 'boolean');
  });

  test('the same call as GET, form and JSON', async () => {
    for (const enc of ENCODINGS) {
      const r = await t.admin.call('user.get', { FILTER: { ID: [anna.userId, bob.userId] } }, enc);
      assert.equal(r.status, 200, enc);
      assert.deepEqual(ids(r.body.result), [anna.userId, bob.userId], enc);
      assert.equal(r.body.total, 2, enc);
      const s = await t.admin.call('user.get', { ID: anna.userId }, enc);
      assert.deepEqual(ids(s.body.result), [anna.userId], enc);
    }
  });

  test('record values: dates as {}, null fields omitted, empty strings kept, UF_DEPARTMENT ints (§7.1)', async () => {
    const [a] = await t.admin.result('user.get', { ID: anna.userId });
    assert.deepEqual(Object.keys(a), [
      'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER', 'IS_ONLINE',
      'TIMESTAMP_X', 'PERSONAL_BIRTHDAY', 'WORK_POSITION', 'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
    ]);
    assert.equal(a.XML_ID, 'ext-anna');
    assert.equal(a.SECOND_NAME, '');
    assert.deepEqual(a.TIMESTAMP_X, {});
    assert.equal(a.LAST_LOGIN, ''); // never logged in
    assert.equal(a.IS_ONLINE, 'N');
    assert.deepEqual(a.UF_DEPARTMENT, [1, 7]);
    assert.match(a.DATE_REGISTER, ISO_MIDNIGHT);
    const [b] = await t.admin.result('user.get', { ID: bob.userId });
    assert.equal('SECOND_NAME' in b, false);
    // After an authenticated call the user has a login, an activity date ({} in lists) and is online.
    await anna.result('user.current');
    const [a2] = await t.admin.result('user.get', { ID: anna.userId });
    assert.match(a2.LAST_LOGIN, ISO_OFFSET);
    assert.deepEqual(a2.LAST_ACTIVITY_DATE, {});
    assert.equal(a2.IS_ONLINE, 'Y');
    // In user.current the same dates are strings.
    const cur = await anna.result('user.current');
    assert.match(cur.TIMESTAMP_X, SITE_FORMAT);
    assert.match(cur.LAST_ACTIVITY_DATE, PLAIN_FORMAT);
  });

  test('a filter that matches nothing is a bare [] without total (checklist 18)', async () => {
    for (const params of [{ ID: 99999 }, { FILTER: { NAME: 'Nobody' } }, { FILTER: { '>ID': 99999 } }]) {
      const r = await t.admin.call('user.get', params);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.result, []);
      assert.equal('total' in r.body, false);
      assert.equal('next' in r.body, false);
    }
  });

  test('deactivated users are listed unless ACTIVE is filtered; ACTIVE normalization (checklist 20)', async () => {
    const all = ids(await t.admin.result('user.get', {}));
    assert.ok(all.includes(carl.userId));
    const [c] = await t.admin.result('user.get', { ID: carl.userId });
    assert.equal(c.ACTIVE, false);
    for (const v of [true, 1, 'Y', 'true', 'false', 'x']) {
      const r = ids(await t.admin.result('user.get', { FILTER: { ACTIVE: v } }));
      assert.ok(!r.includes(carl.userId) && r.includes(anna.userId), `ACTIVE=${JSON.stringify(v)}`);
    }
    for (const v of [false, 0, '', '0', 'N']) {
      const r = ids(await t.admin.result('user.get', { FILTER: { ACTIVE: v } }));
      assert.deepEqual(r, [carl.userId], `ACTIVE=${JSON.stringify(v)}`);
    }
    // The same through a form (strings): "false" still means active.
    const f = await t.admin.call('user.get', { ACTIVE: 'false' }, 'form');
    assert.ok(!ids(f.body.result).includes(carl.userId));
    const n = ids(await t.admin.result('user.get', { '!ACTIVE': 'Y' }));
    assert.deepEqual(n, [carl.userId]);
  });

  test('filter operators (§7.3.2)', async () => {
    const q = async (filter: Record<string, unknown>) => ids(await t.admin.result('user.get', { FILTER: filter }));
    assert.deepEqual(await q({ '>ID': bob.userId, '<=ID': ext.userId }), [carl.userId, ext.userId]);
    assert.deepEqual(await q({ '>=ID': anna.userId, '<ID': carl.userId }), [anna.userId, bob.userId]);
    assert.deepEqual(await q({ '@ID': [bob.userId, ext.userId] }), [bob.userId, ext.userId]);
    assert.deepEqual(await q({ '@ID': bob.userId }), [bob.userId]);
    assert.ok(!(await q({ '!@ID': [1, anna.userId] })).includes(anna.userId));
    assert.ok(!(await q({ '!ID': anna.userId })).includes(anna.userId));
    assert.deepEqual(await q({ '><ID': [anna.userId, bob.userId] }), [anna.userId, bob.userId]);
    // Strings without an operator: case-insensitive LIKE; % and _ are wildcards.
    assert.deepEqual(await q({ NAME: 'anna' }), [anna.userId]);
    assert.deepEqual(await q({ LAST_NAME: 'smith%' }), [anna.userId, carl.userId]);
    assert.deepEqual(await q({ LAST_NAME: 'Ston__Jr' }), [bob.userId]);
    // '=' is exact.
    assert.deepEqual(await q({ '=NAME': 'anna' }), []);
    assert.deepEqual(await q({ '=NAME': 'Anna' }), [anna.userId]);
    // '%' is a case-insensitive substring with the value taken literally.
    assert.deepEqual(await q({ '%LAST_NAME': 'MITH' }), [anna.userId, carl.userId]);
    assert.deepEqual(await q({ '%LAST_NAME': 'e_J' }), [bob.userId]);
    assert.deepEqual(await q({ '%LAST_NAME': 'to%J' }), []);
    assert.deepEqual(await q({ LAST_NAME: '%to%J%' }), [bob.userId]);
    assert.ok(!(await q({ '!%LAST_NAME': 'smith' })).includes(anna.userId));
    assert.deepEqual(await q({ EMAIL: 'ANNA@example.com' }), [anna.userId]);
    assert.deepEqual(await q({ XML_ID: 'ext-anna' }), [anna.userId]);
    // Unknown operators and unknown fields are dropped (the filter then matches everybody).
    const everybody = await q({});
    assert.deepEqual(await q({ '~NAME': 'Anna' }), everybody);
    assert.deepEqual(await q({ NO_SUCH_FIELD: 'x', LOGIN: 'anna@example.com', SORT: 'ID' }), everybody);
  });

  test('departments, USER_TYPE, HAS_DEPARTAMENT, IS_ONLINE, NAME_SEARCH (§7.3.2)', async () => {
    const q = async (filter: Record<string, unknown>) => ids(await t.admin.result('user.get', { FILTER: filter }));
    assert.deepEqual(await q({ UF_DEPARTMENT: 7 }), [anna.userId, bob.userId]);
    assert.deepEqual(await q({ UF_DEPARTMENT: [7] }), [anna.userId, bob.userId]);
    assert.deepEqual(await q({ UF_DEPARTMENT: '7', '>ID': anna.userId }), [bob.userId]);
    const noDept = await q({ USER_TYPE: 'extranet' });
    assert.deepEqual(noDept, [ext.userId]);
    const employees = await q({ USER_TYPE: 'employee' });
    assert.ok(employees.includes(anna.userId) && !employees.includes(ext.userId));
    assert.deepEqual(await q({ HAS_DEPARTAMENT: 'Y' }), employees);
    assert.deepEqual(await q({ USER_TYPE: 'bot' }), []);
    // IS_ONLINE: the admin has just called; bob never did.
    await bob.result('user.current');
    const online = await q({ IS_ONLINE: 'Y' });
    assert.ok(online.includes(1) && online.includes(bob.userId) && !online.includes(carl.userId));
    const offline = await q({ IS_ONLINE: 'N' });
    assert.ok(offline.includes(carl.userId) && !offline.includes(1));
    // NAME_SEARCH: every word must start a word of a name, e-mail or position.
    assert.deepEqual(await q({ NAME_SEARCH: 'ann' }), [anna.userId]);
    assert.deepEqual(await q({ NAME_SEARCH: 'scrum ann' }), [anna.userId]);
    assert.deepEqual(await q({ NAME_SEARCH: 'master' }), [anna.userId]);
    assert.deepEqual(await q({ NAME_SEARCH: 'nna' }), []);
    assert.deepEqual(ids(await t.admin.result('user.get', { name_search: 'bob' })), [bob.userId]);
  });

  test('date filters read ISO-8601 values', async () => {
    const q = async (filter: Record<string, unknown>) => ids(await t.admin.result('user.get', { FILTER: filter }));
    const all = await q({});
    assert.deepEqual(await q({ '>=DATE_REGISTER': '2000-01-01T00:00:00+00:00' }), all);
    assert.deepEqual(await q({ '<DATE_REGISTER': '2000-01-01' }), []);
  });

  test('a user_brief webhook gets records without EMAIL and cannot filter on it (checklist 21)', async () => {
    const rows = await brief.result('user.get', { ID: anna.userId });
    assert.equal(rows.length, 1);
    assert.equal('EMAIL' in rows[0], false);
    assert.equal('WORK_POSITION' in rows[0], true);
    assert.equal('XML_ID' in rows[0], true);
    // EMAIL is not in the brief field set: the key is dropped and the filter matches everybody.
    const all = ids(await brief.result('user.get', {}));
    assert.deepEqual(ids(await brief.result('user.get', { EMAIL: 'anna@example.com' })), all);
    const r = await taskOnly.call('user.get', { ID: 1 });
    assert.deepEqual(errorOf(r), {
      status: 401,
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the webhook token',
    });
  });

  test('SORT and ORDER apply only together; default order is ID ascending', async () => {
    const asc = ids(await t.admin.result('user.get', {}));
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    assert.deepEqual(ids(await t.admin.result('user.get', { SORT: 'ID', ORDER: 'DESC' })), [...asc].reverse());
    assert.deepEqual(ids(await t.admin.result('user.get', { sort: 'id', order: 'desc' })), [...asc].reverse());
    assert.deepEqual(ids(await t.admin.result('user.get', { SORT: 'ID' })), asc);
    assert.deepEqual(ids(await t.admin.result('user.get', { ORDER: 'DESC' })), asc);
    const byName = await t.admin.result('user.get', { SORT: 'NAME', ORDER: 'ASC', FILTER: { '@ID': [anna.userId, bob.userId, carl.userId] } });
    assert.deepEqual(byName.map((u: { NAME: string }) => u.NAME), ['Anna', 'Bob', 'Carl']);
    const byNameDesc = await t.admin.result('user.get', { SORT: 'NAME', ORDER: 'desc', FILTER: { '@ID': [anna.userId, bob.userId, carl.userId] } });
    assert.deepEqual(byNameDesc.map((u: { NAME: string }) => u.NAME), ['Carl', 'Bob', 'Anna']);
  });
});

describe('user.get paging (§2.4: exact offset)', () => {
  let t: TestServer;
  let total: number;
  before(async () => {
    t = await startTestServer();
    for (let i = 0; i < 54; i++) await makeUser(t);
    total = 55; // user 1 and 54 more
  });
  after(() => t.close());

  test('start=0: 50 items, next 50, total', async () => {
    const r = await t.admin.call('user.get', { start: 0 });
    assert.equal(r.body.result.length, 50);
    assert.equal(r.body.next, 50);
    assert.equal(r.body.total, total);
    assert.deepEqual(ids(r.body.result).slice(0, 2), [1, 2]);
  });

  test('start=1 returns users from offset 1, not rounded (checklist 19)', async () => {
    for (const enc of ENCODINGS) {
      const r = await t.admin.call('user.get', { start: 1 }, enc);
      assert.equal(r.body.result.length, 50, enc);
      assert.equal(r.body.result[0].ID, '2', enc);
      assert.equal(r.body.next, 51, enc);
      assert.equal(r.body.total, total, enc);
    }
  });

  test('last page has total and no next; past the end is a bare []', async () => {
    const r = await t.admin.call('user.get', { start: 50 });
    assert.equal(r.body.result.length, 5);
    assert.equal(r.body.total, total);
    assert.equal('next' in r.body, false);
    const e = await t.admin.call('user.get', { start: 55 });
    assert.deepEqual(e.body.result, []);
    assert.equal('total' in e.body, false);
    assert.equal('next' in e.body, false);
  });

  test('start=-1: the first 50 without counting', async () => {
    const r = await t.admin.call('user.get', { start: -1 });
    assert.equal(r.body.result.length, 50);
    assert.equal(r.body.result[0].ID, '1');
    assert.equal('next' in r.body, false);
    assert.equal('total' in r.body, false);
  });

  test('start with a filter and the callList pattern (>ID, start=-1)', async () => {
    const r = await t.admin.call('user.get', { FILTER: { '>ID': 50 }, SORT: 'ID', ORDER: 'ASC', start: -1 });
    assert.deepEqual(ids(r.body.result), [51, 52, 53, 54, 55]);
    const p = await t.admin.call('user.get', { FILTER: { '>ID': 10 }, start: 3 });
    assert.equal(p.body.result[0].ID, '14');
    assert.equal(p.body.total, 45);
    assert.equal(p.body.result.length, 42);
    assert.equal('next' in p.body, false);
  });
});
