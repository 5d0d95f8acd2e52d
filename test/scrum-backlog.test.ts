/** tasks.api.scrum.backlog.* over real HTTP (scrum-api.md C1). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, createScrum, errorOf, startTestServer, type Client, type Encoding, type TestServer } from './helpers/harness.js';

let t: TestServer;
let admin: Client;

before(async () => {
  t = await startTestServer();
  admin = t.admin;
});
after(() => t.close());

const ENCODINGS: Encoding[] = ['json', 'form', 'get'];

async function newGroup(): Promise<number> {
  return createScrum(admin);
}

async function insertItem(entityId: number, sourceId: number, sort = 1024): Promise<void> {
  await t.server.app.store.db
    .insertInto('scrum_items')
    .values({ entity_id: entityId, source_id: sourceId, epic_id: 0, active: 'Y', sort_float: sort, story_points: null, created_by: 1, modified_by: 1, info: '{}' })
    .execute();
}

async function backlogRow(id: number) {
  return t.server.app.store.db.selectFrom('scrum_entities').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('backlog.add', () => {
  test('creates the backlog; modifiedBy echoes the input, storage keeps createdBy', async () => {
    const g = await newGroup();
    const r = await admin.call('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.result), ['id', 'groupId', 'createdBy', 'modifiedBy']);
    assert.deepEqual(r.body.result, { id: r.body.result.id, groupId: g, createdBy: 1, modifiedBy: 0 });
    assert.equal(typeof r.body.result.id, 'number');
    const got = await admin.result('tasks.api.scrum.backlog.get', { id: g });
    assert.deepEqual(got, { id: r.body.result.id, groupId: g, createdBy: 1, modifiedBy: 1 });
    const row = await backlogRow(r.body.result.id);
    assert.equal(row?.entity_type, 'backlog');
    assert.equal(row?.name, '');
    assert.equal(row?.status, null);
    assert.equal(row?.date_start, null);
  });

  test('modifiedBy is validated and echoed but not stored', async () => {
    const g = await newGroup();
    const u = await t.user();
    const r = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1, modifiedBy: u.userId } });
    assert.equal(r.modifiedBy, u.userId);
    assert.equal((await backlogRow(r.id))?.modified_by, 1);
  });

  for (const enc of ENCODINGS) {
    test(`the same call as ${enc} gives the same answer`, async () => {
      const g = await newGroup();
      const r = await admin.call('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1, modifiedBy: 1 } }, enc);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.result, { id: r.body.result.id, groupId: g, createdBy: 1, modifiedBy: 1 });
    });
  }

  test('binding errors', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.add', {})), {
      status: 400,
      error: '100',
      error_description: 'Could not find value for parameter {fields}',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.add', { fields: 'x' })), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {x} to match with parameter {fields}. Should be value of type array.',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.add', { fields: null })), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {} to match with parameter {fields}. Should be value of type array.',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.add', { fields: 5 })), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {5} to match with parameter {fields}. Should be value of type array.',
    });
  });

  test('business errors in the reference order', async () => {
    const e = async (fields: unknown, client = admin) => errorOf(await client.call('tasks.api.scrum.backlog.add', { fields }));
    const err = (msg: string) => ({ status: 400, error: '0', error_description: msg });
    assert.deepEqual(await e({}), err('Group id not found'));
    assert.deepEqual(await e({ groupId: 'abc', createdBy: 1 }), err('Group id not found'));
    assert.deepEqual(await e({ groupId: 999999, createdBy: 1 }), err('Access denied'));
    const g = await newGroup();
    const outsider = await t.user();
    assert.deepEqual(await e({ groupId: g, createdBy: outsider.userId }, outsider), err('Access denied'));
    assert.deepEqual(await e({ groupId: g, createdBy: 424242 }), err('createdBy user not found'));
    assert.deepEqual(await e({ groupId: g, createdBy: 0 }), err('createdBy user not found'));
    assert.deepEqual(await e({ groupId: g, createdBy: '0' }), err('createdBy user not found'));
    assert.deepEqual(await e({ groupId: g, createdBy: 1, modifiedBy: 424242 }), err('modifiedBy user not found'));
    // createdBy absent or not numeric: the insert fails.
    assert.deepEqual(await e({ groupId: g }), err('Unable to add backlog'));
    assert.deepEqual(await e({ groupId: g, createdBy: 'me' }), err('Unable to add backlog'));
    await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    assert.deepEqual(await e({ groupId: g, createdBy: 1 }), err('Backlog already added'));
    // Access is checked before "already added".
    assert.deepEqual(await e({ groupId: g, createdBy: 1 }, outsider), err('Access denied'));
  });

  test('groupId is read with PHP integer semantics', async () => {
    const g = await newGroup();
    const r = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: `${g}abc`, createdBy: '1' } }, 'form');
    assert.equal(r.groupId, g);
    assert.equal(r.createdBy, 1);
  });

  test('members may add; the backlog of a group is unique even under concurrent adds', async () => {
    const g = await newGroup();
    const member = await t.user();
    await addMember(admin, g, member.userId);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => member.call('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: member.userId } })),
    );
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1);
    for (const r of results.filter((x) => x.status !== 200)) assert.deepEqual(errorOf(r), { status: 400, error: '0', error_description: 'Backlog already added' });
    const rows = await t.server.app.store.db.selectFrom('scrum_entities').select('id').where('group_id', '=', g).where('entity_type', '=', 'backlog').execute();
    assert.equal(rows.length, 1);
  });
});

describe('backlog.update', () => {
  async function withBacklog(): Promise<{ g: number; id: number }> {
    const g = await newGroup();
    const r = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    return { g, id: r.id };
  }

  test('moves an empty backlog to another group; response echoes input, modifiedBy 0 when not passed', async () => {
    const { id } = await withBacklog();
    const g2 = await newGroup();
    const r = await admin.call('tasks.api.scrum.backlog.update', { id, fields: { groupId: g2 } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { id, groupId: g2, createdBy: 1, modifiedBy: 0 });
    assert.deepEqual(await admin.result('tasks.api.scrum.backlog.get', { id: g2 }), { id, groupId: g2, createdBy: 1, modifiedBy: 1 });
  });

  test('createdBy is validated and echoed but never persisted; modifiedBy is persisted', async () => {
    const { g, id } = await withBacklog();
    const u = await t.user();
    const r = await admin.result('tasks.api.scrum.backlog.update', { id, fields: { createdBy: u.userId, modifiedBy: u.userId } });
    assert.deepEqual(r, { id, groupId: g, createdBy: u.userId, modifiedBy: u.userId });
    const row = await backlogRow(id);
    assert.equal(row?.created_by, 1);
    assert.equal(row?.modified_by, u.userId);
  });

  test('groupId 0 passes and is echoed but not persisted; an empty fields object is accepted', async () => {
    const { g, id } = await withBacklog();
    assert.deepEqual(await admin.result('tasks.api.scrum.backlog.update', { id, fields: { groupId: 0 } }), { id, groupId: 0, createdBy: 1, modifiedBy: 0 });
    assert.equal((await backlogRow(id))?.group_id, g);
    assert.deepEqual(await admin.result('tasks.api.scrum.backlog.update', { id, fields: {} }), { id, groupId: g, createdBy: 1, modifiedBy: 0 });
    // Non-numeric values are not considered.
    assert.deepEqual(await admin.result('tasks.api.scrum.backlog.update', { id, fields: { groupId: 'x', createdBy: 'y' } }), {
      id,
      groupId: g,
      createdBy: 1,
      modifiedBy: 0,
    });
  });

  test('errors in the reference order', async () => {
    const err = (msg: string) => ({ status: 400, error: '0', error_description: msg });
    const call = async (params: Record<string, unknown>, c = admin) => errorOf(await c.call('tasks.api.scrum.backlog.update', params));
    assert.deepEqual(await call({ fields: {} }), { status: 400, error: '100', error_description: 'Could not find value for parameter {id}' });
    assert.deepEqual(await call({ id: 1 }), { status: 400, error: '100', error_description: 'Could not find value for parameter {fields}' });
    assert.deepEqual(await call({ id: 'abc', fields: {} }), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {abc} to match with parameter {id}. Should be value of type int.',
    });
    // id is bound before fields.
    assert.deepEqual(await call({ id: true, fields: 'x' }), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {1} to match with parameter {id}. Should be value of type int.',
    });
    assert.deepEqual(await call({ id: 0, fields: {} }), err('Backlog id not found'));
    assert.deepEqual(await call({ id: 987654, fields: {} }), err('Backlog not found'));
    const { g, id } = await withBacklog();
    const sprint = await t.server.app.store.db
      .insertInto('scrum_entities')
      .values({ group_id: g, entity_type: 'sprint', name: 'S', sort: 0, created_by: 1, modified_by: 1, status: 'planned', info: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.deepEqual(await call({ id: sprint.id, fields: {} }), err('Backlog not found'));
    const outsider = await t.user();
    assert.deepEqual(await call({ id, fields: {} }, outsider), err('Access denied'));
    const { id: other } = await withBacklog();
    const otherGroup = (await backlogRow(other))!.group_id;
    assert.deepEqual(await call({ id, fields: { groupId: otherGroup } }), err('The target group already has a backlog'));
    await insertItem(id, 900001);
    assert.deepEqual(await call({ id, fields: { groupId: otherGroup } }), err('It is forbidden move a backlog with items'));
    assert.deepEqual(await call({ id, fields: { createdBy: 424242 } }), err('createdBy user not found'));
    assert.deepEqual(await call({ id, fields: { modifiedBy: 424242 } }), err('modifiedBy user not found'));
    // Nothing was changed by the rejected calls.
    const row = await backlogRow(id);
    assert.equal(row?.group_id, g);
    assert.equal(row?.modified_by, 1);
  });

  test('no access check on the target group', async () => {
    const member = await t.user();
    const g = await newGroup();
    await addMember(admin, g, member.userId);
    const { id } = await member.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: member.userId } }).then((r) => ({ id: r.id }));
    const foreign = await newGroup(); // member has no access here
    const r = await member.result('tasks.api.scrum.backlog.update', { id, fields: { groupId: foreign } });
    assert.equal(r.groupId, foreign);
    assert.equal((await backlogRow(id))?.group_id, foreign);
  });
});

describe('backlog.get', () => {
  test('returns stored values; id is the group id', async () => {
    const g = await newGroup();
    const u = await t.user();
    const added = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: u.userId } });
    for (const enc of ENCODINGS) {
      const r = await admin.call('tasks.api.scrum.backlog.get', { id: g }, enc);
      assert.deepEqual(r.body.result, { id: added.id, groupId: g, createdBy: u.userId, modifiedBy: u.userId });
    }
  });

  test('errors: existence is checked before access', async () => {
    const err = (msg: string) => ({ status: 400, error: '0', error_description: msg });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.get', {})), {
      status: 400,
      error: '100',
      error_description: 'Could not find value for parameter {id}',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.get', { id: [1] })), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {Array} to match with parameter {id}. Should be value of type int.',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.get', { id: 0 })), err('Group id not found'));
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.get', { id: 999999 })), err('Backlog not found'));
    const g = await newGroup();
    const outsider = await t.user();
    assert.deepEqual(errorOf(await outsider.call('tasks.api.scrum.backlog.get', { id: g })), err('Backlog not found'));
    await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    assert.deepEqual(errorOf(await outsider.call('tasks.api.scrum.backlog.get', { id: g })), err('Access denied'));
  });

  test('numeric strings bind as integers ("7.9" → 7, " 7" → 7)', async () => {
    const g = await newGroup();
    await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    assert.equal((await admin.result('tasks.api.scrum.backlog.get', { id: `${g}.9` })).groupId, g);
    assert.equal((await admin.result('tasks.api.scrum.backlog.get', { id: ` ${g}` })).groupId, g);
    assert.equal((await admin.result('tasks.api.scrum.backlog.get', { id: g + 0.5 })).groupId, g);
  });
});

describe('backlog.delete', () => {
  test('deletes an empty backlog and returns []', async () => {
    const g = await newGroup();
    const { id } = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    const r = await admin.call('tasks.api.scrum.backlog.delete', { id });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, []);
    assert.equal(await backlogRow(id), undefined);
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.get', { id: g })), { status: 400, error: '0', error_description: 'Backlog not found' });
    // A new backlog can be added afterwards, with a new id.
    const again = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    assert.ok(again.id > id);
  });

  test('errors', async () => {
    const err = (msg: string) => ({ status: 400, error: '0', error_description: msg });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.delete', {})), {
      status: 400,
      error: '100',
      error_description: 'Could not find value for parameter {id}',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.delete', { id: 0 })), err('Backlog id not found'));
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.delete', { id: 999999 })), err('Backlog not found'));
    const g = await newGroup();
    const { id } = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
    const outsider = await t.user();
    assert.deepEqual(errorOf(await outsider.call('tasks.api.scrum.backlog.delete', { id })), err('Access denied'));
    await insertItem(id, 900002);
    await t.server.app.store.db.updateTable('scrum_items').set({ active: 'N' }).where('source_id', '=', 900002).execute();
    // Items of tasks in the recycle bin count too.
    assert.deepEqual(errorOf(await admin.call('tasks.api.scrum.backlog.delete', { id })), err('It is forbidden remove a backlog with items'));
    assert.ok(await backlogRow(id));
  });
});

test('backlog.getFields', async () => {
  for (const enc of ENCODINGS) {
    const r = await admin.call('tasks.api.scrum.backlog.getFields', {}, enc);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { fields: { groupId: { type: 'integer' }, createdBy: { type: 'integer' }, modifiedBy: { type: 'integer' } } });
  }
  // No check beyond authentication: a user without any group gets it too.
  const u = await t.user({ scopes: ['task'] });
  assert.equal((await u.call('tasks.api.scrum.backlog.getFields')).status, 200);
  // ... but the task scope is required.
  const noTask = await t.user({ scopes: ['sonet_group'] });
  assert.deepEqual(errorOf(await noTask.call('tasks.api.scrum.backlog.getFields')), {
    status: 401,
    error: 'insufficient_scope',
    error_description: 'The request requires higher privileges than provided by the webhook token',
  });
});
