/**
 * user.add, user.update, user.search and user.fields over real HTTP (platform.md §7.4–7.7, §4.3),
 * deactivation effects, and checklist §11 items 22 and 23.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, addMember, errorOf, startTestServer, type Encoding, type Reply, type TestServer } from './helpers/harness.js';

const ENCODINGS: Encoding[] = ['json', 'form', 'get'];
const ISO_MIDNIGHT = /^\d{4}-\d\d-\d\dT00:00:00[+-]\d\d:\d\d$/;

let seq = 0;
const email = (tag: string) => `${tag}.${++seq}.${process.pid}@example.com`;

function coreErr(r: Reply, description: string): void {
  assert.deepEqual(r.body, { error: 'ERROR_CORE', error_description: description }, r.text);
  assert.equal(r.status, 400);
}

function argErr(r: Reply, description: string, argument = ''): void {
  assert.deepEqual(r.body, { error: 'ERROR_ARGUMENT', error_description: description, argument }, r.text);
  assert.equal(r.status, 400);
}

async function userById(t: TestServer, id: number): Promise<Record<string, any>> {
  const rows = await t.admin.result('user.get', { ID: id });
  assert.equal(rows.length, 1, `user ${id}`);
  return rows[0];
}

async function countUsers(t: TestServer): Promise<number> {
  const r = await t.admin.call('user.get', {});
  return r.body.total as number;
}

const ids = (rows: { ID: string }[]) => rows.map((r) => Number(r.ID));

describe('user.add (§7.6)', () => {
  let t: TestServer;
  let w5: Client;
  before(async () => {
    t = await startTestServer();
    w5 = await t.user({ name: 'Five' });
  });
  after(() => t.close());

  test('checks in order: admin, profile field types, e-mail (checklist 22)', async () => {
    const before = await countUsers(t);
    // 1. Not an admin: access_denied whatever else is wrong.
    coreErr(await w5.call('user.add', { EMAIL: email('x') }), 'access_denied');
    coreErr(await w5.call('user.add', { WORK_PHONE: 123 }), 'access_denied');
    // 2. WORK_* / PERSONAL_* must be strings — before the e-mail check; the key is reported upper-cased.
    argErr(await t.admin.call('user.add', { WORK_PHONE: 123 }), 'invalid_type_field', 'WORK_PHONE');
    argErr(await t.admin.call('user.add', { EMAIL: email('x'), WORK_PHONE: 123 }), 'invalid_type_field', 'WORK_PHONE');
    argErr(await t.admin.call('user.add', { NAME: 'x', personal_city: true }), 'invalid_type_field', 'PERSONAL_CITY');
    argErr(await t.admin.call('user.add', { PERSONAL_NOTES: null, WORK_CITY: 5 }), 'invalid_type_field', 'PERSONAL_NOTES');
    argErr(await t.admin.call('user.add', { WORK_STREET: { a: 1 } }), 'invalid_type_field', 'WORK_STREET');
    argErr(await t.admin.call('user.add', { PERSONAL_FOO: ['x'] }), 'invalid_type_field', 'PERSONAL_FOO');
    // Files are exempt (and left out): they reach the e-mail check.
    argErr(await t.admin.call('user.add', { PERSONAL_PHOTO: 5, WORK_LOGO: ['a'] }), 'wrong_email');
    // 3. The e-mail: absent, empty or invalid.
    for (const params of [{}, { EMAIL: '' }, { EMAIL: '   ' }, { EMAIL: 'nope' }, { EMAIL: 'a@b' }, { EMAIL: 'a@@b.com' }, { EMAIL: 'a b@c.com' }, { EMAIL: '.a@b.com' }, { EMAIL: 12345 }]) {
      argErr(await t.admin.call('user.add', { NAME: 'Nobody', ...params }), 'wrong_email');
    }
    assert.equal(await countUsers(t), before);
  });

  test('a taken e-mail (any case, surrounding spaces) fails registration; a bad date adds its own line', async () => {
    const e = email('taken');
    assert.equal(typeof (await t.admin.result('user.add', { EMAIL: e })), 'number');
    const before = await countUsers(t);
    argErr(await t.admin.call('user.add', { EMAIL: e }), 'A user with this email already exists');
    argErr(await t.admin.call('user.add', { EMAIL: `  ${e.toUpperCase()} ` }), 'A user with this email already exists');
    argErr(await t.admin.call('user.add', { EMAIL: e, PERSONAL_BIRTHDAY: 'not a date' }), 'A user with this email already exists\nThe date of birth is incorrect.');
    argErr(await t.admin.call('user.add', { EMAIL: email('date'), PERSONAL_BIRTHDAY: 'not a date' }), 'The date of birth is incorrect.');
    argErr(await t.admin.call('user.add', { EMAIL: email('date'), UF_EMPLOYMENT_DATE: '31.31.2020' }), 'The hire date is incorrect.');
    assert.equal(await countUsers(t), before);
  });

  test('creates an active employee at once: integer id, given fields, defaults, read-only fields dropped', async () => {
    const e = email('anna');
    const r = await t.admin.call('user.add', {
      EMAIL: `  ${e} `,
      NAME: 'Anna',
      LAST_NAME: 'Smith',
      SECOND_NAME: '',
      WORK_POSITION: 'Scrum master',
      PERSONAL_BIRTHDAY: '1990-05-17',
      UF_EMPLOYMENT_DATE: '2024-07-22T15:00:00+00:00',
      XML_ID: 'ext-1',
      ID: 777,
      LAST_LOGIN: '2020-01-01T00:00:00+00:00',
      DATE_REGISTER: '2000-01-01',
      IS_ONLINE: 'Y',
      USER_TYPE: 'extranet',
      MESSAGE_TEXT: 'Welcome',
      UNKNOWN_KEY: 'x',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.body.result, 'number');
    const id = r.body.result as number;
    assert.notEqual(id, 777);
    const u = await userById(t, id);
    assert.equal(u.ID, String(id));
    assert.equal(u.ACTIVE, true);
    assert.equal(u.EMAIL, e);
    assert.equal(u.NAME, 'Anna');
    assert.equal(u.LAST_NAME, 'Smith');
    assert.equal(u.SECOND_NAME, '');
    assert.equal(u.WORK_POSITION, 'Scrum master');
    assert.equal(u.XML_ID, 'ext-1');
    assert.equal(u.PERSONAL_BIRTHDAY, '1990-05-17T00:00:00+00:00');
    assert.equal(u.UF_EMPLOYMENT_DATE, '2024-07-22T00:00:00+00:00');
    assert.deepEqual(u.UF_DEPARTMENT, [1]);
    assert.equal(u.USER_TYPE, 'employee');
    assert.equal(u.LAST_LOGIN, '');
    assert.match(u.DATE_REGISTER, ISO_MIDNIGHT);
    assert.notEqual(u.DATE_REGISTER.slice(0, 4), '2000');
    assert.equal(u.IS_ONLINE, 'N');
    // Fields never set are omitted.
    assert.equal('PERSONAL_PHONE' in u, false);
    assert.equal('TITLE' in u, false);
    // The new user can be a member and an assignee at once.
    const g: number = await t.admin.result('sonet_group.create', { NAME: 'With Anna' });
    assert.deepEqual(await t.admin.result('sonet_group.user.add', { GROUP_ID: g, USER_ID: [id] }), [String(id)]);
    const task = await t.admin.result('tasks.task.add', { fields: { TITLE: 'For Anna', GROUP_ID: g, RESPONSIBLE_ID: id } });
    assert.equal(task.task.responsibleId, String(id));
    assert.equal(await t.admin.result('sonet_group.create', { NAME: 'Anna as Scrum master', SCRUM_MASTER_ID: id }) > 0, true);
  });

  test('ACTIVE normalized like the filter; UF_DEPARTMENT as one id or a list; lower-case keys', async () => {
    const cases: [Record<string, unknown>, boolean, number[], string][] = [
      [{ ACTIVE: 'N' }, false, [1], 'employee'],
      [{ ACTIVE: false }, false, [1], 'employee'],
      [{ ACTIVE: '0' }, false, [1], 'employee'],
      [{ ACTIVE: 'false' }, true, [1], 'employee'],
      [{ ACTIVE: 'Y', UF_DEPARTMENT: 1 }, true, [1], 'employee'],
      [{ UF_DEPARTMENT: [1, '3', 3] }, true, [1, 3], 'employee'],
      [{ uf_department: [] }, true, [], 'extranet'],
    ];
    for (const [params, active, depts, type] of cases) {
      const id: number = await t.admin.result('user.add', { email: email('norm'), name: 'Norm', ...params });
      const u = await userById(t, id);
      assert.equal(u.ACTIVE, active, JSON.stringify(params));
      assert.deepEqual(u.UF_DEPARTMENT, depts, JSON.stringify(params));
      assert.equal(u.USER_TYPE, type, JSON.stringify(params));
      assert.equal(u.NAME, 'Norm');
    }
  });

  test('JSON, form and GET', async () => {
    for (const enc of ENCODINGS) {
      const e = email(`enc-${enc}`);
      const r = await t.admin.call('user.add', { EMAIL: e, NAME: `Enc ${enc}`, WORK_PHONE: '555', UF_DEPARTMENT: ['1'] }, enc);
      assert.equal(r.status, 200, r.text);
      const u = await userById(t, r.body.result);
      assert.equal(u.EMAIL, e);
      assert.equal(u.WORK_PHONE, '555');
      assert.deepEqual(u.UF_DEPARTMENT, [1]);
    }
  });

  test('needs the user scope: user_basic → 401 insufficient_scope', async () => {
    const basicAdmin = await t.user({ admin: true, scopes: ['user_basic', 'user_brief'] });
    const r = await basicAdmin.call('user.add', { EMAIL: email('scope') });
    assert.deepEqual(errorOf(r), {
      status: 401,
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the webhook token',
    });
    const fullAdmin = await t.user({ admin: true, scopes: ['user'] });
    assert.equal(typeof (await fullAdmin.result('user.add', { EMAIL: email('scope') })), 'number');
  });
});

describe('user.update (§7.7)', () => {
  let t: TestServer;
  let w5: Client;
  before(async () => {
    t = await startTestServer();
    w5 = await t.user({ name: 'Five' });
  });
  after(() => t.close());

  test('checks in order: ID, caller, the record\'s validation, existence (checklist 23)', async () => {
    for (const params of [{}, { ID: 0 }, { ID: -1 }, { ID: 'abc' }, { USER_ID: 1, NAME: 'x' }]) {
      coreErr(await t.admin.call('user.update', params), 'access_denied');
      coreErr(await w5.call('user.update', params), 'access_denied');
    }
    coreErr(await w5.call('user.update', { ID: 1, NAME: 'Hacked' }), 'access_denied');
    coreErr(await w5.call('user.update', { ID: 99999, EMAIL: 'bad' }), 'access_denied');
    assert.equal((await userById(t, 1)).NAME, 'Admin');
    coreErr(await t.admin.call('user.update', { ID: 99999, EMAIL: 'bad' }), 'Incorrect e-mail address.<br>');
    coreErr(await t.admin.call('user.update', { ID: 99999, NAME: 'Ghost' }), '');
  });

  test('a non-admin updates itself; ACTIVE and UF_DEPARTMENT are dropped silently (checklist 23)', async () => {
    const r = await w5.call('user.update', { ID: w5.userId, ACTIVE: false, UF_DEPARTMENT: [], NAME: 'Fifth', WORK_POSITION: 'Dev' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    const u = await userById(t, w5.userId);
    assert.equal(u.ACTIVE, true);
    assert.deepEqual(u.UF_DEPARTMENT, [1]);
    assert.equal(u.NAME, 'Fifth');
    assert.equal(u.WORK_POSITION, 'Dev');
    // Its webhook still works.
    assert.equal((await w5.result('user.current')).NAME, 'Fifth');
  });

  test('fields not passed stay; read-only fields dropped; no type check; TIMESTAMP_X moves; lower-case keys', async () => {
    const id: number = await t.admin.result('user.add', { EMAIL: email('upd'), NAME: 'Before', LAST_NAME: 'Same', PERSONAL_CITY: 'Rome' });
    const db = t.server.app.store.db;
    await db.updateTable('users').set({ timestamp_x: 1000 }).where('id', '=', id).execute();
    const before = await userById(t, id);
    const r = await t.admin.call('user.update', {
      id,
      name: 'After',
      WORK_PHONE: 123,
      PERSONAL_CITY: '',
      PERSONAL_BIRTHDAY: '1985-12-01',
      DATE_REGISTER: '2000-01-01',
      LAST_LOGIN: '2000-01-01T00:00:00+00:00',
      IS_ONLINE: 'Y',
      TIME_ZONE_OFFSET: 3600,
      USER_TYPE: 'extranet',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    const u = await userById(t, id);
    assert.equal(u.NAME, 'After');
    assert.equal(u.LAST_NAME, 'Same');
    assert.equal(u.WORK_PHONE, '123');
    assert.equal(u.PERSONAL_CITY, '');
    assert.equal(u.PERSONAL_BIRTHDAY, '1985-12-01T00:00:00+00:00');
    assert.equal(u.DATE_REGISTER, before.DATE_REGISTER);
    assert.equal(u.LAST_LOGIN, '');
    assert.equal(u.USER_TYPE, 'employee');
    assert.equal('TIME_ZONE_OFFSET' in u, false);
    const row = await db.selectFrom('users').select('timestamp_x').where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.timestamp_x > 1000);
    // An empty birthday clears it.
    await t.admin.result('user.update', { ID: id, PERSONAL_BIRTHDAY: '' });
    assert.equal((await userById(t, id)).PERSONAL_BIRTHDAY, '');
  });

  test('e-mail: invalid or taken is rejected with the record\'s text; a change frees the old address', async () => {
    const a = email('a');
    const b = email('b');
    const idA: number = await t.admin.result('user.add', { EMAIL: a });
    await t.admin.result('user.add', { EMAIL: b });
    for (const bad of ['', 'nope', 'x@y']) coreErr(await t.admin.call('user.update', { ID: idA, EMAIL: bad }), 'Incorrect e-mail address.<br>');
    coreErr(await t.admin.call('user.update', { ID: idA, EMAIL: b.toUpperCase() }), 'A user with this email already exists<br>');
    coreErr(await t.admin.call('user.update', { ID: idA, EMAIL: 'nope', PERSONAL_BIRTHDAY: 'never' }), 'Incorrect e-mail address.<br>The date of birth is incorrect.<br>');
    assert.equal((await userById(t, idA)).EMAIL, a);
    // The user's own address in another case is fine.
    assert.equal(await t.admin.result('user.update', { ID: idA, EMAIL: a.toUpperCase() }), true);
    const c = email('c');
    assert.equal(await t.admin.result('user.update', { ID: idA, EMAIL: ` ${c} ` }), true);
    assert.equal((await userById(t, idA)).EMAIL, c);
    assert.equal(typeof (await t.admin.result('user.add', { EMAIL: a })), 'number');
    argErr(await t.admin.call('user.add', { EMAIL: c }), 'A user with this email already exists');
  });

  test('deactivation by an admin: the webhook stops authenticating, the user leaves sonet_group.user.get and the counters, keeps relations and tasks', async () => {
    const owner = await t.user({ name: 'Owner' });
    const victim = await t.user({ name: 'Victim' });
    const g: number = await owner.result('sonet_group.create', { NAME: 'Team', PROJECT: 'Y', SCRUM_MASTER_ID: owner.userId });
    await addMember(t.admin, g, victim.userId, 'E');
    const task = await owner.result('tasks.task.add', { fields: { TITLE: 'Victim\'s', GROUP_ID: g, RESPONSIBLE_ID: victim.userId } });
    assert.equal((await victim.call('user.current')).status, 200);
    assert.deepEqual(await owner.result('sonet_group.user.get', { ID: g }), [
      { USER_ID: String(owner.userId), ROLE: 'A' },
      { USER_ID: String(victim.userId), ROLE: 'E' },
    ]);

    assert.equal(await t.admin.result('user.update', { ID: victim.userId, ACTIVE: false }), true);

    for (const method of ['user.current', 'sonet_group.user.groups', 'tasks.task.list']) {
      assert.deepEqual(errorOf(await victim.call(method)), { status: 401, error: 'authorization_error', error_description: 'Unable to authorize user' }, method);
    }
    assert.deepEqual(await owner.result('sonet_group.user.get', { ID: g }), [{ USER_ID: String(owner.userId), ROLE: 'A' }]);
    let w = await owner.result('socialnetwork.api.workgroup.get', { params: { groupId: g } });
    assert.equal(w.NUMBER_OF_MEMBERS, 1);
    assert.equal(w.NUMBER_OF_MODERATORS, 1);
    const [legacy] = await owner.result('sonet_group.get', { FILTER: { ID: g } });
    assert.equal(legacy.NUMBER_OF_MEMBERS, '1');
    // Relation, task and record are kept; user.get still returns the user, inactive.
    const rel = await t.server.app.store.db.selectFrom('group_members').select('role').where('group_id', '=', g).where('user_id', '=', victim.userId).executeTakeFirst();
    assert.equal(rel?.role, 'E');
    const kept = (await owner.result('tasks.task.get', { taskId: task.task.id })).task;
    assert.equal(kept.responsibleId, String(victim.userId));
    assert.equal((await userById(t, victim.userId)).ACTIVE, false);

    // "false" as a string means active (§7.3.2): it reactivates.
    assert.equal(await t.admin.result('user.update', { ID: victim.userId, ACTIVE: 'false' }), true);
    assert.equal((await victim.call('user.current')).status, 200);
    w = await owner.result('socialnetwork.api.workgroup.get', { params: { groupId: g } });
    assert.equal(w.NUMBER_OF_MEMBERS, 2);
    assert.equal(w.NUMBER_OF_MODERATORS, 2);
    assert.equal((await owner.result('sonet_group.user.get', { ID: g })).length, 2);
  });

  test('JSON, form and GET; needs the user scope', async () => {
    for (const enc of ENCODINGS) {
      const r = await w5.call('user.update', { ID: String(w5.userId), LAST_NAME: `Enc ${enc}` }, enc);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result, true);
      assert.equal((await userById(t, w5.userId)).LAST_NAME, `Enc ${enc}`);
    }
    const brief = await t.user({ scopes: ['user_brief'] });
    const r = await brief.call('user.update', { ID: brief.userId, NAME: 'x' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'insufficient_scope');
  });
});

describe('user.search (§7.4)', () => {
  let t: TestServer;
  let anna: number, annabel: number, bob: number, carl: number, ext: number;
  before(async () => {
    t = await startTestServer();
    anna = await t.admin.result('user.add', { EMAIL: 'anna.s@example.com', NAME: 'Anna', LAST_NAME: 'Smith', WORK_POSITION: 'Scrum master' });
    annabel = await t.admin.result('user.add', { EMAIL: 'belle@example.com', NAME: 'Annabel', LAST_NAME: 'Lee', SECOND_NAME: 'Marie' });
    bob = await t.admin.result('user.add', { EMAIL: 'bob@example.com', NAME: 'Bob', LAST_NAME: 'Annenberg', WORK_POSITION: 'Developer' });
    carl = await t.admin.result('user.add', { EMAIL: 'carl@example.com', NAME: 'Carl', LAST_NAME: 'Smithers', ACTIVE: 'N' });
    ext = await t.admin.result('user.add', { EMAIL: 'eve@example.com', NAME: 'Eve', LAST_NAME: 'Outside', UF_DEPARTMENT: [] });
  });
  after(() => t.close());

  const search = async (params: Record<string, unknown>, c?: Client) => ids(await (c ?? t.admin).result('user.search', params));

  test('FIND: every word must start a word of NAME, LAST_NAME, SECOND_NAME, EMAIL or WORK_POSITION', async () => {
    assert.deepEqual(await search({ FIND: 'ann' }), [anna, annabel, bob]);
    assert.deepEqual(await search({ FIND: 'ANNA smi' }), [anna]);
    assert.deepEqual(await search({ FIND: 'smi' }), [anna, carl]);
    assert.deepEqual(await search({ FIND: 'nna' }), []);
    assert.deepEqual(await search({ FIND: 'mas' }), [anna]);
    assert.deepEqual(await search({ FIND: 'marie' }), [annabel]);
    assert.deepEqual(await search({ FIND: 'belle@' }), [annabel]);
    assert.deepEqual(await search({ FIND: 'a%' }), []);
    // Case-insensitive keys, FILTER or top level, NAME_SEARCH as a synonym.
    for (const params of [{ find: 'smi' }, { FILTER: { FIND: 'smi' } }, { filter: { find: 'smi' } }, { NAME_SEARCH: 'smi' }, { FILTER: { name_search: 'smi' } }]) {
      assert.deepEqual(await search(params), [anna, carl], JSON.stringify(params));
    }
  });

  test('FIND combines with the other user.get filters; deactivated users are found unless ACTIVE is filtered', async () => {
    assert.deepEqual(await search({ FILTER: { FIND: 'smi', ACTIVE: true } }), [anna]);
    assert.deepEqual(await search({ FILTER: { FIND: 'smi', ACTIVE: 'N' } }), [carl]);
    assert.deepEqual(await search({ FILTER: { FIND: 'ann', '!ID': bob } }), [anna, annabel]);
    assert.deepEqual(await search({ FILTER: { FIND: 'e', USER_TYPE: 'extranet' } }), [ext]);
  });

  test('without FIND: NAME, LAST_NAME, SECOND_NAME, WORK_POSITION, UF_DEPARTMENT_NAME are word-prefix searches on their field', async () => {
    assert.deepEqual(await search({ NAME: 'ann' }), [anna, annabel]);
    assert.deepEqual(await search({ NAME: 'nna' }), []);
    assert.deepEqual(await search({ LAST_NAME: 'ann' }), [bob]);
    assert.deepEqual(await search({ LAST_NAME: 'smith' }), [anna, carl]);
    assert.deepEqual(await search({ SECOND_NAME: 'ma' }), [annabel]);
    assert.deepEqual(await search({ WORK_POSITION: 'master' }), [anna]);
    assert.deepEqual(await search({ FILTER: { NAME: 'an', LAST_NAME: 'le' } }), [annabel]);
    // The only department is "Company": employees match, the extranet user does not.
    const company = await search({ UF_DEPARTMENT_NAME: 'comp' });
    assert.ok(company.includes(anna) && company.includes(1) && company.includes(carl));
    assert.equal(company.includes(ext), false);
    assert.deepEqual(await search({ UF_DEPARTMENT_NAME: 'sales' }), []);
    // Operator keys stay ordinary filters.
    assert.deepEqual(await search({ FILTER: { '%NAME': 'nab' } }), [annabel]);
    // CONFIRM_CODE: users are created confirmed, so no code matches.
    assert.deepEqual(await search({ CONFIRM_CODE: 'abc123' }), []);
  });

  test('output and paging as user.get: records, total, exact offset, empty result without total', async () => {
    const r = await t.admin.call('user.search', { FIND: 'ann' });
    assert.equal(r.status, 200);
    assert.equal(r.body.total, 3);
    assert.equal('next' in r.body, false);
    const a = r.body.result[0];
    assert.equal(a.ID, String(anna));
    assert.equal(a.ACTIVE, true);
    assert.equal(a.EMAIL, 'anna.s@example.com');
    assert.deepEqual(a.TIMESTAMP_X, {});
    assert.deepEqual(a.UF_DEPARTMENT, [1]);
    const page = await t.admin.call('user.search', { FIND: 'ann', start: 1 });
    assert.deepEqual(ids(page.body.result), [annabel, bob]);
    assert.equal(page.body.total, 3);
    const empty = await t.admin.call('user.search', { FIND: 'zzz' });
    assert.deepEqual(empty.body.result, []);
    assert.equal('total' in empty.body, false);
    assert.deepEqual(await search({ FIND: 'ann', SORT: 'NAME', ORDER: 'DESC' }), [bob, annabel, anna]);
    for (const enc of ENCODINGS) {
      const e = await t.admin.call('user.search', { FILTER: { FIND: 'anna smith' } }, enc);
      assert.deepEqual(ids(e.body.result), [anna], enc);
    }
  });

  test('the field set follows the user scope; task-only is refused', async () => {
    const brief = await t.user({ scopes: ['user_brief'] });
    const [row] = await brief.result('user.search', { FIND: 'anna smith' });
    assert.equal(row.ID, String(anna));
    assert.equal('EMAIL' in row, false);
    // A brief caller cannot filter on EMAIL (the key is dropped), but FIND still reads it.
    assert.equal((await search({ FILTER: { EMAIL: 'nobody@example.com' } }, brief)).length > 1, true);
    const taskOnly = await t.user({ scopes: ['task'] });
    const r = await taskOnly.call('user.search', { FIND: 'ann' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'insufficient_scope');
  });
});

describe('user.fields (§7.5)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test('full set: every field in output order with its label; a field without one maps to itself', async () => {
    const r = await t.admin.call('user.fields');
    assert.equal(r.status, 200);
    const f = r.body.result as Record<string, string>;
    assert.deepEqual(Object.keys(f), [
      'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER',
      'TIME_ZONE', 'IS_ONLINE', 'TIMESTAMP_X', 'LAST_ACTIVITY_DATE', 'PERSONAL_GENDER', 'PERSONAL_PROFESSION',
      'PERSONAL_WWW', 'PERSONAL_BIRTHDAY', 'PERSONAL_PHOTO', 'PERSONAL_ICQ', 'PERSONAL_PHONE', 'PERSONAL_FAX',
      'PERSONAL_MOBILE', 'PERSONAL_PAGER', 'PERSONAL_STREET', 'PERSONAL_CITY', 'PERSONAL_STATE', 'PERSONAL_ZIP',
      'PERSONAL_COUNTRY', 'PERSONAL_MAILBOX', 'PERSONAL_NOTES', 'WORK_PHONE', 'WORK_COMPANY', 'WORK_POSITION',
      'WORK_DEPARTMENT', 'WORK_WWW', 'WORK_FAX', 'WORK_PAGER', 'WORK_STREET', 'WORK_MAILBOX', 'WORK_CITY',
      'WORK_STATE', 'WORK_ZIP', 'WORK_COUNTRY', 'WORK_PROFILE', 'WORK_LOGO', 'WORK_NOTES', 'UF_EMPLOYMENT_DATE',
      'UF_DEPARTMENT', 'USER_TYPE',
    ]);
    assert.equal(f.ID, 'ID');
    assert.equal(f.NAME, 'First Name');
    assert.equal(f.EMAIL, 'E-Mail');
    assert.equal(f.UF_DEPARTMENT, 'Units');
    assert.equal(f.WORK_FAX, 'WORK_FAX');
    assert.equal(f.USER_TYPE, 'USER_TYPE');
    for (const v of Object.values(f)) assert.equal(typeof v, 'string');
    for (const enc of ENCODINGS) assert.deepEqual((await t.admin.call('user.fields', { ignored: 1 }, enc)).body.result, f, enc);
  });

  test('basic and brief sets; task-only refused', async () => {
    const basic = await t.user({ scopes: ['user_basic'] });
    const b = Object.keys(await basic.result('user.fields'));
    assert.equal(b.includes('EMAIL'), true);
    assert.equal(b.includes('LAST_LOGIN'), false);
    assert.equal(b.includes('PERSONAL_WWW'), false);
    assert.equal(b[b.length - 1], 'USER_TYPE');
    const brief = await t.user({ scopes: ['user_brief'] });
    const k = Object.keys(await brief.result('user.fields'));
    assert.deepEqual(k, [
      'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'IS_ONLINE', 'TIME_ZONE', 'TIMESTAMP_X',
      'DATE_REGISTER', 'PERSONAL_PROFESSION', 'PERSONAL_GENDER', 'PERSONAL_BIRTHDAY', 'PERSONAL_PHOTO', 'PERSONAL_CITY',
      'PERSONAL_STATE', 'PERSONAL_COUNTRY', 'WORK_POSITION', 'WORK_CITY', 'WORK_STATE', 'WORK_COUNTRY',
      'LAST_ACTIVITY_DATE', 'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
    ]);
    const taskOnly = await t.user({ scopes: ['task'] });
    assert.equal((await taskOnly.call('user.fields')).status, 401);
  });
});
