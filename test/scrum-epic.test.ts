/**
 * tasks.api.scrum.epic.add / update / get / list / delete / getFields (scrum-api.md C4, B5, B8, B9),
 * over real HTTP against a real server.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { createScrum, errorOf, startTestServer, type Client, type Encoding, type Reply, type TestServer } from './helpers/harness.js';

const KEYS = ['id', 'groupId', 'name', 'description', 'createdBy', 'modifiedBy', 'color'];

function expectError(r: Reply, code: '0' | '100', description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error: code, error_description: description }, r.text);
  assert.equal('time' in r.body, false);
}

async function insertMember(ts: TestServer, groupId: number, userId: number, role: 'A' | 'E' | 'K' | 'T' | 'Z'): Promise<void> {
  await ts.server.app.store.db
    .insertInto('group_members')
    .values({ group_id: groupId, user_id: userId, role, initiated_by_type: 'U', initiated_by_user_id: userId, auto_member: 'N', date_create: 0, date_update: 0 })
    .execute();
}

let ts: TestServer;
let owner: Client;
let member: Client;
let outsider: Client;
let group: number;
let otherGroup: number;

async function epicRow(id: number) {
  return ts.server.app.store.db.selectFrom('scrum_epics').selectAll().where('id', '=', id).executeTakeFirst();
}

async function fileRows(epicId: number) {
  return ts.server.app.store.db.selectFrom('scrum_epic_files').select(['id', 'file_id']).where('epic_id', '=', epicId).orderBy('id').execute();
}

async function addEpic(c: Client, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return c.result('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'Epic', ...extra } });
}

/** A trigger that makes one kind of statement fail, to reach the storage-failure branches (SQLite and PostgreSQL). */
async function failing(kind: 'INSERT' | 'DELETE', table: string, fn: () => Promise<void>, server: TestServer = ts): Promise<void> {
  const db = server.server.app.store.db;
  const postgres = server.server.app.store.dialect === 'postgres';
  const name = sql.id(`test_fail_${kind.toLowerCase()}_${table}`);
  if (postgres) {
    await sql`create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'test failure'; end $$`.execute(db);
    await sql`create trigger ${name} before ${sql.raw(kind)} on ${sql.table(table)} for each row execute function ${name}()`.execute(db);
  } else {
    await sql`create trigger ${name} before ${sql.raw(kind)} on ${sql.table(table)} begin select raise(abort, 'test failure'); end`.execute(db);
  }
  try {
    await fn();
  } finally {
    if (postgres) {
      await sql`drop trigger ${name} on ${sql.table(table)}`.execute(db);
      await sql`drop function ${name}()`.execute(db);
    } else {
      await sql`drop trigger ${name}`.execute(db);
    }
  }
}

before(async () => {
  ts = await startTestServer();
  owner = await ts.user();
  member = await ts.user();
  outsider = await ts.user();
  group = await createScrum(owner, 'Epic team');
  otherGroup = await createScrum(owner, 'Other epic team');
  await ts.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [member.userId] });
});

after(async () => {
  await ts.close();
});

// ---------------------------------------------------------------------------------------------

describe('epic.getFields', () => {
  test('answers the exact descriptor (HTTP 200) without any check', async () => {
    const r = await outsider.call('tasks.api.scrum.epic.getFields');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, {
      fields: {
        name: { type: 'string' },
        description: { type: 'string' },
        groupId: { type: 'integer' },
        color: { type: 'string' },
        files: { type: 'array' },
        createdBy: { type: 'integer' },
        modifiedBy: { type: 'integer' },
      },
    });
    assert.deepEqual(Object.keys(r.body.result.fields), ['name', 'description', 'groupId', 'color', 'files', 'createdBy', 'modifiedBy']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('epic.add', () => {
  test('creates an epic; the answer is the in-memory object: modifiedBy 0, no files key', async () => {
    const r = await owner.call('tasks.api.scrum.epic.add', {
      fields: { groupId: group, name: 'Epic 1', description: 'Text', color: '#69dafc', modifiedBy: member.userId },
    });
    assert.equal(r.status, 200, r.text);
    const e = r.body.result;
    assert.deepEqual(Object.keys(e), KEYS);
    assert.ok(Number.isInteger(e.id) && e.id > 0);
    assert.deepEqual(e, { id: e.id, groupId: group, name: 'Epic 1', description: 'Text', createdBy: owner.userId, modifiedBy: 0, color: '#69dafc' });
    // storage: MODIFIED_BY is not set; modifiedBy of the input is ignored entirely
    const row = await epicRow(e.id);
    assert.deepEqual(row, { id: e.id, group_id: group, name: 'Epic 1', description: 'Text', created_by: owner.userId, modified_by: null, color: '#69dafc' });
  });

  test('coercions: numeric groupId only, name/description/color only strings, createdBy defaults to the caller', async () => {
    const a = await addEpic(member, { groupId: ` ${group}`, color: 12, description: 5 });
    assert.equal(a.groupId, group);
    assert.equal(a.color, '');
    assert.equal(a.description, '');
    assert.equal(a.createdBy, member.userId);
    const b = await addEpic(member, { createdBy: String(owner.userId), groupId: `${group}.0` });
    assert.equal(b.createdBy, owner.userId);
    assert.equal((await epicRow(b.id))?.created_by, owner.userId);
    // "12abc" is not numeric: group 0, unlike sprint/backlog
    expectError(await member.call('tasks.api.scrum.epic.add', { fields: { groupId: `${group}abc`, name: 'x' } }), '0', 'Group id not found');
    // a number is not a name
    expectError(await member.call('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 42 } }), '0', 'Name not found');
    // modifiedBy is neither validated nor stored
    const c = await addEpic(member, { modifiedBy: 999999 });
    assert.equal(c.modifiedBy, 0);
    // a createdBy that is not numeric is the caller
    assert.equal((await addEpic(member, { createdBy: 'abc' })).createdBy, member.userId);
  });

  test('binding errors of fields (code 100)', async () => {
    expectError(await owner.call('tasks.api.scrum.epic.add', {}), '100', 'Could not find value for parameter {fields}');
    expectError(await owner.call('tasks.api.scrum.epic.add', { fields: 'abc' }), '100', 'Invalid value {abc} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.epic.add', { fields: null }), '100', 'Invalid value {} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.epic.add', { fields: 7 }), '100', 'Invalid value {7} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.epic.add', { fields: false }), '100', 'Invalid value {} to match with parameter {fields}. Should be value of type array.');
  });

  test('every business error in check order: createdBy before group and name', async () => {
    const call = (f: Record<string, unknown>, c: Client = owner) => c.call('tasks.api.scrum.epic.add', { fields: f });
    // 2: createdBy numeric and unknown — even before "Group id not found"
    expectError(await call({ createdBy: 999999 }), '0', 'createdBy user not found');
    expectError(await call({ createdBy: 0, groupId: 0, name: '' }), '0', 'createdBy user not found');
    expectError(await call({ createdBy: '0' }, outsider), '0', 'createdBy user not found');
    // 3: group
    expectError(await call({}), '0', 'Group id not found');
    expectError(await call({ groupId: 0, name: '' }), '0', 'Group id not found');
    expectError(await call({ groupId: 'abc', name: 'x' }), '0', 'Group id not found');
    // 4: name before access
    expectError(await call({ groupId: group }, outsider), '0', 'Name not found');
    expectError(await call({ groupId: group, name: '' }, outsider), '0', 'Name not found');
    // 5: access (non-member, missing group)
    expectError(await call({ groupId: group, name: 'x'.repeat(300) }, outsider), '0', 'Access denied');
    expectError(await call({ groupId: 999999, name: 'x' }), '0', 'Access denied');
    // 6: insert failures: name > 255 characters, color > 18
    expectError(await call({ groupId: group, name: 'x'.repeat(256) }), '0', 'Epic not created');
    expectError(await call({ groupId: group, name: 'x', color: '#'.repeat(19) }), '0', 'Epic not created');
    // the limits themselves are fine (characters, not bytes)
    const ok = await addEpic(owner, { name: 'é'.repeat(255), color: 'ü'.repeat(18) });
    assert.equal(ok.name, 'é'.repeat(255));
    assert.equal(ok.color, 'ü'.repeat(18));
  });

  test('access: members, non-member administrators; not pending or banned relations', async () => {
    const pending = await ts.user();
    const banned = await ts.user();
    await insertMember(ts, otherGroup, pending.userId, 'Z');
    await insertMember(ts, otherGroup, banned.userId, 'T');
    assert.equal((await addEpic(ts.admin, { groupId: otherGroup })).createdBy, 1);
    assert.equal((await addEpic(owner, { groupId: otherGroup })).groupId, otherGroup);
    expectError(await pending.call('tasks.api.scrum.epic.add', { fields: { groupId: otherGroup, name: 'x' } }), '0', 'Access denied');
    expectError(await banned.call('tasks.api.scrum.epic.add', { fields: { groupId: otherGroup, name: 'x' } }), '0', 'Access denied');
    expectError(await member.call('tasks.api.scrum.epic.add', { fields: { groupId: otherGroup, name: 'x' } }), '0', 'Access denied');
  });

  test('the description is sanitized, BB-code and line breaks become HTML', async () => {
    const cases: [string, string][] = [
      ['Plain text', 'Plain text'],
      ['line 1\nline 2\r\nline 3', 'line 1<br />line 2<br />line 3'],
      ['[b]bold[/b] [I]it[/I] [u]u[/u] [s]s[/s]', '<b>bold</b> <i>it</i> <u>u</u> <s>s</s>'],
      ['[url]https://example.com/a?b=1&c=2[/url]', '<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>'],
      ['[url=http://example.com]site[/url]', '<a href="http://example.com">site</a>'],
      ['[url=javascript:alert(1)]bad[/url]', 'bad'],
      ['[quote]said[/quote][code][b]raw[/b][/code]', '<blockquote>said</blockquote><code>[b]raw[/b]</code>'],
      ['<p onclick="steal()" style="x">para</p><script>alert(1)</script>', '<p>para</p>'],
      ['<a href="javascript:alert(1)">x</a><iframe src="http://e.com">in</iframe><style>p{}</style>', '<a>x</a>'],
      ['<img src="http://e.com/i.png" onerror="x()">', '<img src="http://e.com/i.png" />'],
      ['Tom & Jerry <3', 'Tom &amp; Jerry &lt;3'],
      ['[b]unclosed', '[b]unclosed'],
    ];
    for (const [input, expected] of cases) {
      const e = await addEpic(owner, { description: input });
      assert.equal(e.description, expected, input);
      assert.equal((await epicRow(e.id))?.description, expected);
    }
  });

  test('files: "n<id>" attaches Drive files (once each), other entries are skipped', async () => {
    const e = await addEpic(owner, { files: ['n428', 'n345', 'n428', 'x', 17, 'n0', 'nabc'] });
    assert.equal('files' in e, false);
    const rows = await fileRows(e.id);
    assert.deepEqual(rows.map((r) => r.file_id), [428, 345]);
    const got = await owner.result('tasks.api.scrum.epic.get', { id: e.id });
    assert.deepEqual(got.files.VALUE, rows.map((r) => r.id));
    // files that are not an array are ignored
    const s = await addEpic(owner, { files: 'n5' });
    assert.deepEqual(await fileRows(s.id), []);
    // an object works like a list
    const o = await addEpic(owner, { files: { a: 'n9' } });
    assert.deepEqual((await fileRows(o.id)).map((r) => r.file_id), [9]);
  });

  test('a failure to attach the files is reported, but the epic stays created', async () => {
    const before = await ts.server.app.store.db.selectFrom('scrum_epics').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
    await failing('INSERT', 'scrum_epic_files', async () => {
      expectError(await owner.call('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'With files', files: ['n1'] } }), '0', 'Epic files not attached');
      // an empty files array attaches nothing and cannot fail
      assert.equal((await addEpic(owner, { files: [] })).name, 'Epic');
    });
    const created = await ts.server.app.store.db
      .selectFrom('scrum_epics')
      .selectAll()
      .where('id', '>', Number(before?.m ?? 0))
      .orderBy('id')
      .execute();
    assert.equal(created[0]?.name, 'With files');
    assert.deepEqual(await fileRows(created[0]!.id), []);
  });

  test('a storage failure of the insert is "Epic not created"', async () => {
    await failing('INSERT', 'scrum_epics', async () => {
      expectError(await owner.call('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'x' } }), '0', 'Epic not created');
    });
  });

  test('the same call as JSON, form and GET', async () => {
    const f = { groupId: group, name: 'Encoded', description: 'a\nb', color: '#fff', createdBy: member.userId, files: ['n1', 'n2'] };
    const results = [];
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      const r = await owner.call('tasks.api.scrum.epic.add', { fields: f }, enc);
      assert.equal(r.status, 200, r.text);
      const { id, ...rest } = r.body.result;
      assert.deepEqual((await fileRows(id)).map((x) => x.file_id), [1, 2]);
      results.push(rest);
    }
    assert.deepEqual(results[0], { groupId: group, name: 'Encoded', description: 'a<br />b', createdBy: member.userId, modifiedBy: 0, color: '#fff' });
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      expectError(await owner.call('tasks.api.scrum.epic.add', { fields: { groupId: group } }, enc), '0', 'Name not found');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('epic.update', () => {
  test('writes the given values and answers the re-read object; modifiedBy defaults to the caller', async () => {
    const e = await addEpic(owner, { name: 'Before', description: 'old', color: '#000' });
    const r = await member.call('tasks.api.scrum.epic.update', { id: e.id, fields: { name: 'After', description: '[b]new[/b]', color: '#111' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body.result), KEYS);
    assert.deepEqual(r.body.result, { ...e, name: 'After', description: '<b>new</b>', color: '#111', modifiedBy: member.userId });
    const row = await epicRow(e.id);
    assert.equal(row?.modified_by, member.userId);
    assert.equal(row?.description, '<b>new</b>');
    // createdBy and modifiedBy inputs are persisted
    const u = await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { createdBy: member.userId, modifiedBy: String(owner.userId) } });
    assert.equal(u.createdBy, member.userId);
    assert.equal(u.modifiedBy, owner.userId);
  });

  test('only non-empty values are written: name, description, color cannot be cleared; wrong types are ignored', async () => {
    const e = await addEpic(owner, { name: 'Keep', description: 'Desc', color: '#abc' });
    const u = await owner.result('tasks.api.scrum.epic.update', {
      id: e.id,
      fields: { name: '', description: '', color: '', groupId: 'abc', createdBy: 'x', modifiedBy: 'y', unknown: 1 },
    });
    assert.deepEqual(u, { ...e, modifiedBy: owner.userId });
    const v = await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { name: 5, description: ['x'], color: true } });
    assert.deepEqual(v, u);
    // a description that sanitizes to nothing is not written either
    const w = await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { description: '<script>x</script>' } });
    assert.equal(w.description, 'Desc');
    // an empty fields array is fine
    assert.deepEqual(await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: [] }), w);
    // the 255/18 limits hold, longer values fail the update
    expectError(await owner.call('tasks.api.scrum.epic.update', { id: e.id, fields: { name: 'x'.repeat(256) } }), '0', 'Epic not updated');
    expectError(await owner.call('tasks.api.scrum.epic.update', { id: e.id, fields: { color: 'c'.repeat(19) } }), '0', 'Epic not updated');
    assert.equal((await epicRow(e.id))?.name, 'Keep');
  });

  test('moving to another group needs read access there too; the items keep referencing the epic', async () => {
    const e = await addEpic(owner);
    const m = await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { groupId: String(otherGroup) } });
    assert.equal(m.groupId, otherGroup);
    // the member of `group` cannot read the epic any more, nor move one into otherGroup
    expectError(await member.call('tasks.api.scrum.epic.update', { id: e.id, fields: {} }), '0', 'Access denied');
    const e2 = await addEpic(member);
    expectError(await member.call('tasks.api.scrum.epic.update', { id: e2.id, fields: { groupId: otherGroup, createdBy: 999999 } }), '0', 'Access denied');
    // group 0 does not exist: refused as well; a non-numeric groupId is not considered
    expectError(await member.call('tasks.api.scrum.epic.update', { id: e2.id, fields: { groupId: 0 } }), '0', 'Access denied');
    expectError(await member.call('tasks.api.scrum.epic.update', { id: e2.id, fields: { groupId: '0' } }), '0', 'Access denied');
    assert.equal((await member.result('tasks.api.scrum.epic.update', { id: e2.id, fields: { groupId: 'x' } })).groupId, group);
    // an administrator may move it anywhere
    assert.equal((await ts.admin.result('tasks.api.scrum.epic.update', { id: e2.id, fields: { groupId: otherGroup } })).groupId, otherGroup);
  });

  test('binding errors: id first, then fields (code 100)', async () => {
    const call = (p: Record<string, unknown>) => owner.call('tasks.api.scrum.epic.update', p);
    expectError(await call({}), '100', 'Could not find value for parameter {id}');
    expectError(await call({ fields: {} }), '100', 'Could not find value for parameter {id}');
    expectError(await call({ id: 'abc', fields: 'x' }), '100', 'Invalid value {abc} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: true, fields: {} }), '100', 'Invalid value {1} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: 1 }), '100', 'Could not find value for parameter {fields}');
    expectError(await call({ id: 1, fields: 3.5 }), '100', 'Invalid value {3.5} to match with parameter {fields}. Should be value of type array.');
  });

  test('every business error in check order; a refused call writes nothing', async () => {
    const e = await addEpic(owner, { name: 'Orig' });
    const call = (id: unknown, f: Record<string, unknown>, c: Client = owner) => c.call('tasks.api.scrum.epic.update', { id, fields: f });
    const bad = { name: 'x'.repeat(300), createdBy: 999999, modifiedBy: 999999, groupId: 999999 };
    expectError(await call(0, bad), '0', 'Epic not found');
    expectError(await call('0', bad), '0', 'Epic not found');
    expectError(await call(999999, bad), '0', 'Epic not found');
    expectError(await call(e.id, bad, outsider), '0', 'Access denied');
    expectError(await call(e.id, bad), '0', 'Access denied');
    expectError(await call(e.id, { ...bad, groupId: otherGroup }), '0', 'createdBy user not found');
    expectError(await call(e.id, { ...bad, groupId: otherGroup, createdBy: 0 }), '0', 'createdBy user not found');
    expectError(await call(e.id, { ...bad, createdBy: member.userId, groupId: undefined }), '0', 'modifiedBy user not found');
    expectError(await call(e.id, { ...bad, createdBy: member.userId, modifiedBy: 0, groupId: undefined }), '0', 'modifiedBy user not found');
    expectError(await call(e.id, { ...bad, createdBy: member.userId, modifiedBy: member.userId, groupId: otherGroup }), '0', 'Epic not updated');
    assert.deepEqual(await epicRow(e.id), { id: e.id, group_id: group, name: 'Orig', description: '', created_by: owner.userId, modified_by: null, color: '' });
  });

  test('files: an array appends, [] or a non-array clears, an absent key keeps', async () => {
    const e = await addEpic(owner, { files: ['n10'] });
    const ids = async () => (await fileRows(e.id)).map((r) => r.file_id);
    await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: ['n11', 'n10', 'n12'] } });
    assert.deepEqual(await ids(), [10, 11, 12]);
    // a plain number names an existing attachment: kept, nothing added
    const [first] = await fileRows(e.id);
    await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: [first!.id, 'n13'] } });
    assert.deepEqual(await ids(), [10, 11, 12, 13]);
    await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { name: 'No files key' } });
    assert.deepEqual(await ids(), [10, 11, 12, 13]);
    await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: [] } });
    assert.deepEqual(await ids(), []);
    for (const clearing of ['n1', null, 0, {}]) {
      await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: ['n20'] } });
      assert.deepEqual(await ids(), [20]);
      await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: clearing } });
      assert.deepEqual(await ids(), [], JSON.stringify(clearing));
    }
    // over a form, an empty value clears
    await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: ['n21'] } }, 'form');
    assert.deepEqual(await ids(), [21]);
    await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: '' } }, 'form');
    assert.deepEqual(await ids(), []);
    // the answer never has a files key
    const r = await owner.result('tasks.api.scrum.epic.update', { id: e.id, fields: { files: ['n1'] } });
    assert.deepEqual(Object.keys(r), KEYS);
  });

  test('a failure to attach the files is reported; the other changes stay saved', async () => {
    const e = await addEpic(owner, { name: 'Files fail' });
    await failing('INSERT', 'scrum_epic_files', async () => {
      expectError(await owner.call('tasks.api.scrum.epic.update', { id: e.id, fields: { name: 'Renamed', files: ['n1'] } }), '0', 'Epic files not attached');
    });
    assert.equal((await epicRow(e.id))?.name, 'Renamed');
    assert.deepEqual(await fileRows(e.id), []);
  });
});

// ---------------------------------------------------------------------------------------------

describe('epic.get', () => {
  test('answers the stored epic and the files descriptor', async () => {
    const e = await addEpic(owner, { name: 'Got', description: 'D', color: '#123', files: ['n7', 'n8'] });
    const r = await member.call('tasks.api.scrum.epic.get', { id: e.id });
    assert.equal(r.status, 200, r.text);
    const g = r.body.result;
    assert.deepEqual(Object.keys(g), [...KEYS, 'files']);
    const attachments = (await fileRows(e.id)).map((x) => x.id);
    assert.equal(attachments.length, 2);
    assert.deepEqual(g, {
      ...e,
      files: {
        ID: '1',
        ENTITY_ID: 'TASKS_SCRUM_EPIC',
        FIELD_NAME: 'UF_SCRUM_EPIC_FILES',
        USER_TYPE_ID: 'disk_file',
        XML_ID: null,
        SORT: '100',
        MULTIPLE: 'Y',
        MANDATORY: 'N',
        SHOW_FILTER: 'N',
        SHOW_IN_LIST: 'N',
        EDIT_IN_LIST: 'N',
        IS_SEARCHABLE: 'N',
        SETTINGS: { IBLOCK_ID: null, SECTION_ID: null, UF_TO_SAVE_ALLOW_EDIT: false },
        USER_TYPE: { USER_TYPE_ID: 'disk_file', CLASS_NAME: 'Bitrix\\Disk\\Uf\\FileUserType', DESCRIPTION: 'File (Drive)', BASE_TYPE: 'int', TAG: ['DISK FILE ID', 'DOCUMENT ID'] },
        VALUE: attachments,
        ENTITY_VALUE_ID: e.id,
        CUSTOM_DATA: { PHOTO_TEMPLATE: '' },
        EDIT_FORM_LABEL: 'UF_SCRUM_EPIC_FILES',
        TAG: 'DOCUMENT ID',
      },
    });
    assert.deepEqual(Object.keys(g.files), [
      'ID', 'ENTITY_ID', 'FIELD_NAME', 'USER_TYPE_ID', 'XML_ID', 'SORT', 'MULTIPLE', 'MANDATORY', 'SHOW_FILTER', 'SHOW_IN_LIST',
      'EDIT_IN_LIST', 'IS_SEARCHABLE', 'SETTINGS', 'USER_TYPE', 'VALUE', 'ENTITY_VALUE_ID', 'CUSTOM_DATA', 'EDIT_FORM_LABEL', 'TAG',
    ]);
    // an epic without attachments has an empty VALUE; modifiedBy after an update
    const plain = await addEpic(owner);
    await member.result('tasks.api.scrum.epic.update', { id: plain.id, fields: {} });
    const pg = await owner.result('tasks.api.scrum.epic.get', { id: plain.id });
    assert.deepEqual(pg.files.VALUE, []);
    assert.equal(pg.modifiedBy, member.userId);
  });

  test('withFiles: PHP truthiness; false leaves the files key out', async () => {
    const e = await addEpic(owner, { files: ['n1'] });
    const hasFiles = async (withFiles: unknown, enc: Encoding = 'json') =>
      'files' in (await owner.result('tasks.api.scrum.epic.get', { id: e.id, withFiles }, enc));
    for (const v of [false, 0, '', '0', 0.0]) assert.equal(await hasFiles(v), false, JSON.stringify(v));
    for (const v of [true, 1, 'false', 'N', 'yes', 0.5]) assert.equal(await hasFiles(v), true, JSON.stringify(v));
    assert.equal(await hasFiles('0', 'get'), false);
    assert.equal(await hasFiles('1', 'form'), true);
    const without = await owner.result('tasks.api.scrum.epic.get', { id: e.id, withFiles: false });
    assert.deepEqual(Object.keys(without), KEYS);
  });

  test('binding errors of id and withFiles (code 100), in that order', async () => {
    const call = (p: Record<string, unknown>) => owner.call('tasks.api.scrum.epic.get', p);
    expectError(await call({}), '100', 'Could not find value for parameter {id}');
    expectError(await call({ withFiles: [] }), '100', 'Could not find value for parameter {id}');
    expectError(await call({ id: 'x', withFiles: [] }), '100', 'Invalid value {x} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: 1, withFiles: [] }), '100', 'Invalid value {Array} to match with parameter {withFiles}. Should be value of type bool.');
    expectError(await call({ id: 1, withFiles: null }), '100', 'Invalid value {} to match with parameter {withFiles}. Should be value of type bool.');
  });

  test('business errors in order, and access', async () => {
    const e = await addEpic(owner);
    expectError(await owner.call('tasks.api.scrum.epic.get', { id: 0 }), '0', 'Epic not found');
    expectError(await owner.call('tasks.api.scrum.epic.get', { id: '0' }), '0', 'Epic not found');
    expectError(await outsider.call('tasks.api.scrum.epic.get', { id: 999999 }), '0', 'Epic not found');
    expectError(await outsider.call('tasks.api.scrum.epic.get', { id: e.id }), '0', 'Access denied');
    const pending = await ts.user();
    await insertMember(ts, group, pending.userId, 'Z');
    expectError(await pending.call('tasks.api.scrum.epic.get', { id: e.id }), '0', 'Access denied');
    assert.equal((await ts.admin.result('tasks.api.scrum.epic.get', { id: e.id })).id, e.id);
    assert.equal((await member.result('tasks.api.scrum.epic.get', { id: ` ${e.id}` })).id, e.id);
  });
});

// ---------------------------------------------------------------------------------------------

describe('epic.delete', () => {
  test('deletes the epic and its attachments; items keep the deleted epic id', async () => {
    const e = await addEpic(owner, { files: ['n3'] });
    await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: owner.userId } });
    const t = await owner.result('tasks.task.add', { fields: { TITLE: 'With epic', RESPONSIBLE_ID: owner.userId, GROUP_ID: group } });
    const taskId = Number(t.task.id);
    assert.equal(await owner.result('tasks.api.scrum.task.update', { id: taskId, fields: { epicId: e.id } }), true);
    const r = await member.call('tasks.api.scrum.epic.delete', { id: e.id });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.result, []);
    assert.equal(await epicRow(e.id), undefined);
    assert.deepEqual(await fileRows(e.id), []);
    expectError(await owner.call('tasks.api.scrum.epic.get', { id: e.id }), '0', 'Epic not found');
    const item = await ts.server.app.store.db.selectFrom('scrum_items').selectAll().where('source_id', '=', taskId).executeTakeFirst();
    assert.equal(item?.epic_id, e.id);
    assert.equal((await owner.result('tasks.api.scrum.task.get', { id: taskId })).epicId, e.id);
  });

  test('binding and business errors in order', async () => {
    const e = await addEpic(owner);
    expectError(await owner.call('tasks.api.scrum.epic.delete', {}), '100', 'Could not find value for parameter {id}');
    expectError(await owner.call('tasks.api.scrum.epic.delete', { id: [] }), '100', 'Invalid value {Array} to match with parameter {id}. Should be value of type int.');
    expectError(await owner.call('tasks.api.scrum.epic.delete', { id: 0 }), '0', 'Epic not found');
    expectError(await outsider.call('tasks.api.scrum.epic.delete', { id: 999999 }), '0', 'Epic not found');
    expectError(await outsider.call('tasks.api.scrum.epic.delete', { id: e.id }), '0', 'Access denied');
    assert.ok(await epicRow(e.id));
    assert.deepEqual(await ts.admin.result('tasks.api.scrum.epic.delete', { id: e.id }, 'get'), []);
    assert.equal(await epicRow(e.id), undefined);
  });

  test('a failing deletion is swallowed (B9); the strict mode reports it', async () => {
    const e = await addEpic(owner);
    await failing('DELETE', 'scrum_epics', async () => {
      const r = await owner.call('tasks.api.scrum.epic.delete', { id: e.id });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.result, []);
    });
    assert.ok(await epicRow(e.id));

    const strict = await startTestServer({ strictErrors: true });
    try {
      const g = await createScrum(strict.admin, 'strict');
      const se = await strict.admin.result('tasks.api.scrum.epic.add', { fields: { groupId: g, name: 'S' } });
      await failing(
        'DELETE',
        'scrum_epics',
        async () => expectError(await strict.admin.call('tasks.api.scrum.epic.delete', { id: se.id }), '0', 'Epic not deleted'),
        strict,
      );
      assert.deepEqual(await strict.admin.result('tasks.api.scrum.epic.delete', { id: se.id }), []);
    } finally {
      await strict.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('epic.list', () => {
  let lg: number;
  let lowner: Client;
  const made: Record<string, any>[] = [];

  before(async () => {
    lowner = await ts.user();
    lg = await createScrum(lowner, 'epic list team');
    const specs: Record<string, unknown>[] = [
      { name: 'Login page', color: '#ff0000', description: 'Sign in' },
      { name: 'Billing', color: '#00ff00' },
      { name: 'login_api', color: '#0000ff', description: 'REST' },
      { name: '100%', color: '' },
      { name: '42', color: '#ff0000' },
    ];
    for (const sp of specs) made.push(await lowner.result('tasks.api.scrum.epic.add', { fields: { groupId: lg, ...sp } }));
    // one updated epic has a modifier
    made[1] = await ts.admin.result('tasks.api.scrum.epic.update', { id: made[1]!.id, fields: {} });
  });

  const list = (params: Record<string, unknown>, c?: Client, enc: Encoding = 'json') => (c ?? lowner).call('tasks.api.scrum.epic.list', params, enc);
  async function ids(params: Record<string, unknown>, enc: Encoding = 'json'): Promise<number[]> {
    const r = await list({ ...params, filter: { GROUP_ID: lg, ...(params.filter as object | undefined) } }, undefined, enc);
    assert.equal(r.status, 200, r.text);
    return r.body.result.map((s: { id: number }) => s.id);
  }
  const idOf = (i: number) => made[i]!.id as number;

  test('lists the visible epics in ascending id, full objects without files, no next/total', async () => {
    const r = await list({});
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['result', 'time']);
    assert.deepEqual(r.body.result, made);
    for (const e of r.body.result) assert.deepEqual(Object.keys(e), KEYS);
    assert.equal(made[1]!.modifiedBy, 1);
  });

  test('visibility: any relation (pending, banned included); administrators and outsiders without one see nothing', async () => {
    const pending = await ts.user();
    const banned = await ts.user();
    await insertMember(ts, lg, pending.userId, 'Z');
    await insertMember(ts, lg, banned.userId, 'T');
    assert.deepEqual((await list({}, pending)).body.result, made);
    assert.deepEqual((await list({}, banned)).body.result, made);
    assert.deepEqual((await list({ filter: { GROUP_ID: lg } }, ts.admin)).body.result, []);
    assert.deepEqual((await list({}, outsider)).body.result, []);
    // a member of several groups sees the epics of all of them
    const mine = (await list({}, owner)).body.result as { groupId: number }[];
    assert.ok(mine.some((e) => e.groupId === group) && mine.some((e) => e.groupId === otherGroup));
    assert.ok(!mine.some((e) => e.groupId === lg));
  });

  test('filter operators on storage names (B8.3)', async () => {
    assert.deepEqual(await ids({ filter: { NAME: 'login%' } }), [idOf(0), idOf(2)]);
    assert.deepEqual(await ids({ filter: { '%NAME': 'LOGIN' } }), [idOf(0), idOf(2)]);
    assert.deepEqual(await ids({ filter: { '%NAME': '_' } }), [idOf(2)]);
    assert.deepEqual(await ids({ filter: { '%NAME': '0%' } }), [idOf(3)]);
    assert.deepEqual(await ids({ filter: { '=NAME': 'billing' } }), []);
    assert.deepEqual(await ids({ filter: { '=NAME': 'Billing' } }), [idOf(1)]);
    assert.deepEqual(await ids({ filter: { NAME: '42' } }), [idOf(4)]);
    assert.deepEqual(await ids({ filter: { '!%NAME': 'login' } }), [idOf(1), idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { COLOR: '#ff0000' } }), [idOf(0), idOf(4)]);
    assert.deepEqual(await ids({ filter: { COLOR: '' } }), [idOf(3)]);
    assert.deepEqual(await ids({ filter: { '!=COLOR': '#ff0000' } }), [idOf(1), idOf(2), idOf(3)]);
    assert.deepEqual(await ids({ filter: { DESCRIPTION: '' } }), [idOf(1), idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '%DESCRIPTION': 'rest' } }), [idOf(2)]);
    assert.deepEqual(await ids({ filter: { '>ID': idOf(2) } }), [idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '><ID': [idOf(1), idOf(3)] } }), [idOf(1), idOf(2), idOf(3)]);
    assert.deepEqual(await ids({ filter: { '@ID': [idOf(0), idOf(4)] } }), [idOf(0), idOf(4)]);
    assert.deepEqual(await ids({ filter: { CREATED_BY: lowner.userId } }), made.map((e) => e.id));
    assert.deepEqual(await ids({ filter: { MODIFIED_BY: 1 } }), [idOf(1)]);
    // MODIFIED_BY 0 also matches NULL (never modified)
    assert.deepEqual(await ids({ filter: { MODIFIED_BY: 0 } }), [idOf(0), idOf(2), idOf(3), idOf(4)]);
    // single-word lower-case names work; camelCase names are unknown fields → []
    assert.deepEqual(await ids({ filter: { name: 'Billing', id: idOf(1), group_id: lg } }), [idOf(1)]);
    assert.deepEqual((await list({ filter: { groupId: lg } })).body.result, []);
    assert.deepEqual((await list({ filter: { createdBy: lowner.userId } })).body.result, []);
    // nested groups with LOGIC
    assert.deepEqual(await ids({ filter: { 0: { LOGIC: 'OR', NAME: 'Billing', '%COLOR': '0000ff' } } }), [idOf(1), idOf(2)]);
  });

  test('select: the shape is fixed, unselected fields read as defaults', async () => {
    const r = await list({ filter: { GROUP_ID: lg }, select: ['NAME', 'color'] });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.result,
      made.map((e) => ({ id: 0, groupId: 0, name: e.name, description: '', createdBy: 0, modifiedBy: 0, color: e.color })),
    );
    const all = await list({ filter: { GROUP_ID: lg }, select: ['*'] });
    assert.deepEqual(all.body.result, made);
    const empty = await list({ filter: { GROUP_ID: lg }, select: [] });
    assert.deepEqual(empty.body.result, made);
    const idOnly = await list({ filter: { GROUP_ID: lg }, select: ['ID', 'GROUP_ID', 'CREATED_BY', 'MODIFIED_BY', 'DESCRIPTION'] });
    assert.deepEqual(idOnly.body.result, made.map((e) => ({ ...e, name: '', color: '' })));
    // an unknown field → []
    assert.deepEqual((await list({ filter: { GROUP_ID: lg }, select: ['ID', 'FILES'] })).body.result, []);
  });

  test('order: key order, case-insensitive direction; invalid direction or field → []', async () => {
    assert.deepEqual(await ids({ order: { ID: 'desc' } }), made.map((e) => e.id).reverse());
    assert.deepEqual(await ids({ order: { COLOR: 'ASC', ID: 'Desc' } }), [idOf(3), idOf(2), idOf(1), idOf(4), idOf(0)]);
    assert.deepEqual(await ids({ order: { name: 'asc' } }), [idOf(3), idOf(4), idOf(1), idOf(0), idOf(2)]);
    assert.deepEqual(await ids({ order: ['NAME'] }), [idOf(3), idOf(4), idOf(1), idOf(0), idOf(2)]);
    assert.deepEqual((await list({ filter: { GROUP_ID: lg }, order: { ID: 'up' } })).body.result, []);
    assert.deepEqual((await list({ filter: { GROUP_ID: lg }, order: { groupId: 'asc' } })).body.result, []);
  });

  test('filter, select and order are typed arrays (code 100), bound in that order', async () => {
    expectError(await list({ filter: 'x' }), '100', 'Invalid value {x} to match with parameter {filter}. Should be value of type array.');
    expectError(await list({ filter: null, select: 'y' }), '100', 'Invalid value {} to match with parameter {filter}. Should be value of type array.');
    expectError(await list({ filter: {}, select: 'y', order: 'z' }), '100', 'Invalid value {y} to match with parameter {select}. Should be value of type array.');
    expectError(await list({ select: [], order: 5 }), '100', 'Invalid value {5} to match with parameter {order}. Should be value of type array.');
    expectError(await list({ order: true }), '100', 'Invalid value {1} to match with parameter {order}. Should be value of type array.');
    expectError(await list({ filter: '' }, undefined, 'form'), '100', 'Invalid value {} to match with parameter {filter}. Should be value of type array.');
  });

  test('pages of 50 over more than 50 epics: floor(start/50)*50, no next/total', async () => {
    const pg = await createScrum(lowner, 'many epics');
    const all: number[] = [];
    for (let i = 0; i < 123; i++) {
      all.push((await lowner.result('tasks.api.scrum.epic.add', { fields: { groupId: pg, name: `E${i}` } })).id);
    }
    const page = async (start?: unknown) => {
      const r = await list({ filter: { GROUP_ID: pg }, ...(start === undefined ? {} : { start }) });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['result', 'time']);
      return r.body.result.map((e: { id: number }) => e.id);
    };
    assert.deepEqual(await page(), all.slice(0, 50));
    assert.deepEqual(await page(10), all.slice(0, 50));
    assert.deepEqual(await page(-1), all.slice(0, 50));
    assert.deepEqual(await page(50), all.slice(50, 100));
    assert.deepEqual(await page(75), all.slice(50, 100));
    assert.deepEqual(await page('100'), all.slice(100));
    assert.deepEqual(await page(150), []);
    // paging with order
    const r = await list({ filter: { GROUP_ID: pg }, order: { ID: 'desc' }, start: 100 });
    assert.deepEqual(r.body.result.map((e: { id: number }) => e.id), [...all].reverse().slice(100));
  });

  test('the same call as JSON, form and GET', async () => {
    const params = { filter: { GROUP_ID: lg, '%NAME': 'login' }, select: ['ID', 'NAME'], order: { ID: 'desc' } };
    const expected = [idOf(2), idOf(0)].map((id) => ({ id, groupId: 0, name: made.find((e) => e.id === id)!.name, description: '', createdBy: 0, modifiedBy: 0, color: '' }));
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      const r = await list(params, undefined, enc);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.result, expected, enc);
    }
  });
});

describe('epic.list in strict mode', () => {
  test('a failing list query (an unknown filter field) is an empty list, or "Could not load list" with strict errors', async () => {
    const lenient = await startTestServer();
    const strict = await startTestServer({ strictErrors: true });
    try {
      for (const [server, isStrict] of [
        [lenient, false],
        [strict, true],
      ] as const) {
        const g = await createScrum(server.admin, 'strict epics');
        await server.admin.result('tasks.api.scrum.epic.add', { fields: { groupId: g, name: 'E' } });
        const bad = await server.admin.call('tasks.api.scrum.epic.list', { filter: { GROUP_ID: g, FOO: 1 } });
        if (isStrict) expectError(bad, '0', 'Could not load list');
        else assert.deepEqual([bad.status, bad.body.result], [200, []]);
        const good = await server.admin.call('tasks.api.scrum.epic.list', { filter: { GROUP_ID: g } });
        assert.equal(good.status, 200);
        assert.equal(good.body.result.length, 1);
      }
    } finally {
      await lenient.close();
      await strict.close();
    }
  });
});
