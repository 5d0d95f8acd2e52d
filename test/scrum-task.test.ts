/**
 * tasks.api.scrum.task.update / get / getFields (scrum-api.md C5, A2.3, A4, A5), over real HTTP
 * against a real server. Tasks are ordinary tasks created with tasks.task.add; in a Scrum with a
 * backlog they get their item automatically (A6).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createScrum, errorOf, startTestServer, type Client, type Encoding, type Reply, type TestServer } from './helpers/harness.js';

const KEYS = ['entityId', 'storyPoints', 'epicId', 'sort', 'sortFloat', 'createdBy', 'modifiedBy'];

function expectError(r: Reply, code: '0' | '100', description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error: code, error_description: description }, r.text);
  assert.equal('time' in r.body, false);
}

let ts: TestServer;
let owner: Client;
let member: Client;
let outsider: Client;
/** a Scrum with a backlog and a planned sprint */
let group: number;
let backlog: number;
let sprint: number;
/** another Scrum of the owner (the member has no access there) */
let otherGroup: number;
let otherBacklog: number;

const db = () => ts.server.app.store.db;

async function addTask(c: Client, groupId: number, extra: Record<string, unknown> = {}): Promise<number> {
  const r = await c.result('tasks.task.add', { fields: { TITLE: 'Task', RESPONSIBLE_ID: c.userId, GROUP_ID: groupId, ...extra } });
  return Number(r.task.id);
}

async function itemRow(taskId: number) {
  return db().selectFrom('scrum_items').selectAll().where('source_id', '=', taskId).executeTakeFirst();
}

async function setSort(taskId: number, sortFloat: number): Promise<void> {
  await db().updateTable('scrum_items').set({ sort_float: sortFloat }).where('source_id', '=', taskId).execute();
}

async function smallestSort(): Promise<number> {
  const r = await db().selectFrom('scrum_items').select((eb) => eb.fn.min('sort_float').as('m')).executeTakeFirst();
  return r?.m === null || r?.m === undefined ? 1024 : Number(r.m);
}

async function addBacklog(c: Client, groupId: number): Promise<number> {
  return (await c.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: c.userId } })).id;
}

async function addSprint(c: Client, groupId: number, status = 'planned'): Promise<number> {
  const s = await c.result('tasks.api.scrum.sprint.add', {
    fields: { groupId, name: 'Sprint', createdBy: c.userId, dateStart: '2025-01-01', dateEnd: '2025-01-15', status },
  });
  return s.id;
}

async function addEpic(c: Client, groupId: number): Promise<number> {
  return (await c.result('tasks.api.scrum.epic.add', { fields: { groupId, name: 'Epic' } })).id;
}

const update = (c: Client, id: unknown, fields: unknown, enc: Encoding = 'json') => c.call('tasks.api.scrum.task.update', { id, fields }, enc);
const get = (c: Client, id: unknown, enc: Encoding = 'json') => c.call('tasks.api.scrum.task.get', { id }, enc);

before(async () => {
  ts = await startTestServer();
  owner = await ts.user();
  member = await ts.user();
  outsider = await ts.user();
  group = await createScrum(owner, 'Task team');
  otherGroup = await createScrum(owner, 'Other task team');
  await ts.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [member.userId] });
  backlog = await addBacklog(owner, group);
  sprint = await addSprint(owner, group);
  otherBacklog = await addBacklog(owner, otherGroup);
});

after(async () => {
  await ts.close();
});

// ---------------------------------------------------------------------------------------------

describe('task.getFields', () => {
  test('answers the exact descriptor without any check', async () => {
    const r = await outsider.call('tasks.api.scrum.task.getFields');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, {
      fields: {
        entityId: { type: 'integer' },
        storyPoints: { type: 'string' },
        epicId: { type: 'integer' },
        sort: { type: 'integer' },
        sortFloat: { type: 'float' },
        createdBy: { type: 'integer' },
        modifiedBy: { type: 'integer' },
      },
    });
    assert.deepEqual(Object.keys(r.body.result.fields), KEYS);
  });
});

// ---------------------------------------------------------------------------------------------

describe('task.get', () => {
  test('answers the item of a task created in the Scrum, keys in order', async () => {
    const taskId = await addTask(member, group);
    const r = await get(member, taskId);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body.result), KEYS);
    // the automatic item: backlog, sort 1, created by the task's creator
    assert.deepEqual(r.body.result, { entityId: backlog, storyPoints: '', epicId: 0, sort: 1, sortFloat: 1, createdBy: member.userId, modifiedBy: member.userId });
  });

  test('sort = round(sortFloat) clamped to 0…255; a stored 0 reads as sortFloat 1024 with sort 0', async () => {
    const taskId = await addTask(owner, group);
    const cases: [number, number, number][] = [
      [0, 0, 1024],
      [2048, 255, 2048],
      [255.4, 255, 255.4],
      [254.5, 255, 254.5],
      [3.4, 3, 3.4],
      [2.5, 3, 2.5],
      [0.25, 0, 0.25],
      [-5, 0, -5],
      [1e-7, 0, 1e-7],
    ];
    for (const [stored, sort, sortFloat] of cases) {
      await setSort(taskId, stored);
      const g = await owner.result('tasks.api.scrum.task.get', { id: taskId });
      assert.equal(g.sort, sort, `sort of ${stored}`);
      assert.equal(g.sortFloat, sortFloat, `sortFloat of ${stored}`);
    }
    // integral floats are plain JSON numbers
    await setSort(taskId, 2048);
    assert.match((await get(owner, taskId)).text, /"sortFloat":2048[,}]/);
  });

  test('binding and business errors in order', async () => {
    expectError(await owner.call('tasks.api.scrum.task.get', {}), '100', 'Could not find value for parameter {id}');
    expectError(await get(owner, 'abc'), '100', 'Invalid value {abc} to match with parameter {id}. Should be value of type int.');
    expectError(await get(owner, null), '100', 'Invalid value {} to match with parameter {id}. Should be value of type int.');
    expectError(await get(owner, 0), '0', 'Task id not found');
    expectError(await get(owner, '0'), '0', 'Task id not found');
    // no item: a missing task, a task outside any Scrum
    expectError(await get(outsider, 999999), '0', 'Task not found');
    const plain = await addTask(owner, 0);
    expectError(await get(owner, plain), '0', 'Task not found');
    // an item whose entity is gone
    const orphan = await addTask(owner, group);
    const other = await addSprint(owner, group);
    await db().updateTable('scrum_items').set({ entity_id: other }).where('source_id', '=', orphan).execute();
    await db().deleteFrom('scrum_entities').where('id', '=', other).execute();
    expectError(await get(owner, orphan), '0', 'Access denied');
    expectError(await get(ts.admin, orphan), '0', 'Access denied');
    // no group access and no task access
    const t = await addTask(owner, group);
    expectError(await get(outsider, t), '0', 'Access denied');
  });

  test('access is relaxed to the readers of the task: responsible, accomplice, auditor, creator', async () => {
    const responsible = await ts.user();
    const accomplice = await ts.user();
    const auditor = await ts.user();
    const t = await addTask(owner, group, { RESPONSIBLE_ID: responsible.userId, ACCOMPLICES: [accomplice.userId], AUDITORS: [auditor.userId] });
    for (const c of [responsible, accomplice, auditor, owner, member, ts.admin]) {
      const r = await get(c, t);
      assert.equal(r.status, 200, `user ${c.userId}: ${r.text}`);
      assert.equal(r.body.result.entityId, backlog);
    }
    expectError(await get(outsider, t), '0', 'Access denied');
    // the creator of a task that is no longer a member keeps access through the task
    const leaver = await ts.user();
    await ts.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [leaver.userId] });
    const own = await addTask(leaver, group);
    await db().deleteFrom('group_members').where('group_id', '=', group).where('user_id', '=', leaver.userId).execute();
    assert.equal((await leaver.result('tasks.api.scrum.task.get', { id: own })).createdBy, leaver.userId);
    // the relaxation is task.get only: task.update still needs group access
    expectError(await update(responsible, t, { storyPoints: '1' }), '0', 'Access denied');
  });

  test('the same call as JSON, form and GET', async () => {
    const t = await addTask(owner, group);
    const expected = await owner.result('tasks.api.scrum.task.get', { id: t });
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      assert.deepEqual(await owner.result('tasks.api.scrum.task.get', { id: String(t) }, enc), expected);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('task.update on a task that has an item', () => {
  test('writes story points, epic, sort, author and modifier; answers true', async () => {
    const t = await addTask(owner, group);
    const epic = await addEpic(owner, group);
    const r = await update(member, t, { storyPoints: '3', epicId: epic, sortFloat: 2048.5, createdBy: member.userId, modifiedBy: member.userId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    assert.ok('time' in r.body);
    const row = await itemRow(t);
    assert.equal(row?.story_points, '3');
    assert.equal(row?.epic_id, epic);
    assert.equal(row?.sort_float, 2048.5);
    assert.equal(row?.created_by, member.userId);
    assert.equal(row?.modified_by, member.userId);
    assert.equal(row?.entity_id, backlog);
    assert.deepEqual(await owner.result('tasks.api.scrum.task.get', { id: t }), {
      entityId: backlog, storyPoints: '3', epicId: epic, sort: 255, sortFloat: 2048.5, createdBy: member.userId, modifiedBy: member.userId,
    });
  });

  test('coercions: storyPoints only strings ("" clears), epicId/createdBy/modifiedBy only numeric; modifiedBy not defaulted', async () => {
    const t = await addTask(owner, group);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: 'XL' } });
    assert.equal((await itemRow(t))?.story_points, 'XL');
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: 5, epicId: 'abc', createdBy: 'x', modifiedBy: [1], sort: 'top' } });
    const row = await itemRow(t);
    assert.equal(row?.story_points, 'XL');
    assert.equal(row?.sort_float, 1);
    assert.equal(row?.created_by, owner.userId);
    // the caller is not written as modifier
    await member.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: '0.5' } });
    assert.equal((await itemRow(t))?.modified_by, owner.userId);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: '' } });
    assert.equal((await owner.result('tasks.api.scrum.task.get', { id: t })).storyPoints, '');
    // an empty fields array changes nothing
    const before = await itemRow(t);
    assert.equal(await owner.result('tasks.api.scrum.task.update', { id: t, fields: [] }), true);
    assert.deepEqual(await itemRow(t), before);
  });

  test('epic: of the item group; an unknown id or 0 unlinks; another group\'s epic is "Epic not found"', async () => {
    const t = await addTask(owner, group);
    const epic = await addEpic(owner, group);
    const foreign = await addEpic(owner, otherGroup);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { epicId: String(epic) } });
    assert.equal((await itemRow(t))?.epic_id, epic);
    expectError(await update(owner, t, { epicId: foreign, storyPoints: 'kept?' }), '0', 'Epic not found');
    const row = await itemRow(t);
    assert.equal(row?.epic_id, epic);
    assert.equal(row?.story_points, null);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { epicId: 999999 } });
    assert.equal((await itemRow(t))?.epic_id, 0);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { epicId: epic } });
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { epicId: 0 } });
    assert.equal((await itemRow(t))?.epic_id, 0);
    // the group is the one of the item's current entity, not of the target entity
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { epicId: epic } });
    expectError(await update(owner, t, { entityId: otherBacklog, epicId: foreign }), '0', 'Epic not found');
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: otherBacklog, epicId: epic } });
    assert.equal((await itemRow(t))?.epic_id, epic);
    assert.equal((await itemRow(t))?.entity_id, otherBacklog);
  });

  test('sort: sortFloat before sort, 0 → 1024, negative and fractional values as given', async () => {
    const t = await addTask(owner, group);
    const sortOf = async () => (await itemRow(t))?.sort_float;
    const cases: [Record<string, unknown>, number][] = [
      [{ sortFloat: 10.25 }, 10.25],
      [{ sort: '7.5' }, 7.5],
      [{ sort: -3 }, -3],
      [{ sortFloat: 0 }, 1024],
      [{ sort: '0' }, 1024],
      [{ sortFloat: '5', sort: 6 }, 5],
      [{ sortFloat: 'x', sort: 6 }, 6],
      [{ sortFloat: null, sort: ' 12 ' }, 12],
      [{ sort: '1e3' }, 1000],
    ];
    for (const [fields, expected] of cases) {
      await owner.result('tasks.api.scrum.task.update', { id: t, fields });
      assert.equal(await sortOf(), expected, JSON.stringify(fields));
    }
    // not numeric: kept
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { sort: '12abc', sortFloat: true } });
    assert.equal(await sortOf(), 1000);
    // a value the storage cannot hold
    expectError(await update(owner, t, { sort: '1e400' }), '0', 'Unable to update task');
  });

  test('entityId moves the item anywhere readable (another group\'s entity too) without touching boards', async () => {
    const t = await addTask(owner, group);
    const active = await addSprint(owner, otherGroup, 'active');
    // a board of the group's sprint, with the task in a column
    const stage = await db()
      .insertInto('kanban_stages')
      .values({ title: '', sort: 100, color: '', system_type: 'NEW', entity_id: sprint, entity_type: 'A' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db().insertInto('kanban_task_stages').values({ task_id: t, stage_id: stage.id }).execute();
    await db().updateTable('tasks').set({ stage_id: stage.id }).where('id', '=', t).execute();
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: sprint } });
    assert.equal((await itemRow(t))?.entity_id, sprint);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: String(active) } });
    assert.equal((await itemRow(t))?.entity_id, active);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: backlog } });
    assert.equal((await itemRow(t))?.entity_id, backlog);
    // links and STAGE_ID untouched, the task keeps its group, nothing was put on the active board
    const links = await db().selectFrom('kanban_task_stages').select('stage_id').where('task_id', '=', t).execute();
    assert.deepEqual(links, [{ stage_id: stage.id }]);
    const task = await db().selectFrom('tasks').select(['group_id', 'stage_id']).where('id', '=', t).executeTakeFirst();
    assert.deepEqual(task, { group_id: group, stage_id: stage.id });
    // entityId 0 / absent: the item stays
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: 0 } });
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: 'abc' } });
    assert.equal((await itemRow(t))?.entity_id, backlog);
  });

  test('binding errors: id first, then fields (code 100)', async () => {
    const call = (p: Record<string, unknown>) => owner.call('tasks.api.scrum.task.update', p);
    expectError(await call({}), '100', 'Could not find value for parameter {id}');
    expectError(await call({ fields: {} }), '100', 'Could not find value for parameter {id}');
    expectError(await call({ id: '1x', fields: 'x' }), '100', 'Invalid value {1x} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: 1 }), '100', 'Could not find value for parameter {fields}');
    expectError(await call({ id: 1, fields: 'x' }), '100', 'Invalid value {x} to match with parameter {fields}. Should be value of type array.');
    expectError(await call({ id: 0, fields: null }), '100', 'Invalid value {} to match with parameter {fields}. Should be value of type array.');
  });

  test('every business error in check order; a refused call writes nothing', async () => {
    const t = await addTask(owner, group);
    const foreign = await addEpic(owner, otherGroup);
    const before = await itemRow(t);
    const bad = { storyPoints: 'no', createdBy: 999999, modifiedBy: 999999, epicId: foreign };
    expectError(await update(owner, 0, { ...bad, entityId: 999999 }), '0', 'Task id not found');
    // 3: the target entity is missing or not readable
    expectError(await update(owner, t, { ...bad, entityId: 999999 }), '0', 'Access denied');
    expectError(await update(member, t, { ...bad, entityId: otherBacklog }), '0', 'Access denied');
    // 6: the item's current entity is not readable
    expectError(await update(outsider, t, bad), '0', 'Access denied');
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: otherBacklog } });
    expectError(await update(member, t, { ...bad, entityId: backlog }), '0', 'Access denied');
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: backlog } });
    // 9, 11, 12
    expectError(await update(member, t, bad), '0', 'Epic not found');
    expectError(await update(member, t, { ...bad, epicId: 0 }), '0', 'createdBy user not found');
    expectError(await update(member, t, { ...bad, epicId: 0, createdBy: 0 }), '0', 'createdBy user not found');
    expectError(await update(member, t, { ...bad, epicId: 0, createdBy: member.userId }), '0', 'modifiedBy user not found');
    expectError(await update(member, t, { ...bad, epicId: 0, createdBy: member.userId, modifiedBy: '0' }), '0', 'modifiedBy user not found');
    assert.deepEqual(await itemRow(t), before);
    // an item whose entity is gone
    const gone = await addSprint(owner, group);
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: gone } });
    await db().deleteFrom('scrum_entities').where('id', '=', gone).execute();
    expectError(await update(ts.admin, t, { storyPoints: '1' }), '0', 'Access denied');
    // … but a readable target does not help: the current entity is checked too
    expectError(await update(ts.admin, t, { entityId: backlog }), '0', 'Access denied');
  });

  test('access: members and administrators; not pending members', async () => {
    const t = await addTask(owner, group);
    assert.equal(await member.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: '1' } }), true);
    assert.equal(await ts.admin.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: '2' } }), true);
    const pending = await ts.user();
    await db()
      .insertInto('group_members')
      .values({ group_id: group, user_id: pending.userId, role: 'Z', initiated_by_type: 'U', initiated_by_user_id: pending.userId, auto_member: 'N', date_create: 0, date_update: 0 })
      .execute();
    expectError(await update(pending, t, { storyPoints: '3' }), '0', 'Access denied');
    assert.equal((await itemRow(t))?.story_points, '2');
  });

  test('an item in the recycle bin is still updated and read', async () => {
    const t = await addTask(owner, group);
    await db().updateTable('scrum_items').set({ active: 'N' }).where('source_id', '=', t).execute();
    await owner.result('tasks.api.scrum.task.update', { id: t, fields: { storyPoints: '8' } });
    assert.equal((await owner.result('tasks.api.scrum.task.get', { id: t })).storyPoints, '8');
  });

  test('the same call as JSON, form and GET', async () => {
    const epic = await addEpic(owner, group);
    const rows = [];
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      const t = await addTask(owner, group);
      const r = await update(owner, String(t), { entityId: String(sprint), storyPoints: '13', epicId: String(epic), sort: '3.5', modifiedBy: String(member.userId) }, enc);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result, true);
      rows.push(await owner.result('tasks.api.scrum.task.get', { id: t }));
    }
    assert.deepEqual(rows[0], { entityId: sprint, storyPoints: '13', epicId: epic, sort: 4, sortFloat: 3.5, createdBy: owner.userId, modifiedBy: member.userId });
    assert.deepEqual(rows[1], rows[0]);
    assert.deepEqual(rows[2], rows[0]);
    for (const enc of ['json', 'form', 'get'] as Encoding[]) expectError(await update(owner, '0', { a: 1 }, enc), '0', 'Task id not found');
  });
});

// ---------------------------------------------------------------------------------------------

describe('task.update creating the item', () => {
  let lg: number;
  let lbacklog: number;
  let lsprint: number;

  /** A task of the Scrum without an item (created before the group had a backlog). */
  const bare = async (c: Client = owner, extra: Record<string, unknown> = {}) => {
    const t = await addTask(c, lg, extra);
    await db().deleteFrom('scrum_items').where('source_id', '=', t).execute();
    return t;
  };

  before(async () => {
    lg = await createScrum(owner, 'Item creation');
    await ts.admin.result('sonet_group.user.add', { GROUP_ID: lg, USER_ID: [member.userId] });
    // a task added before the backlog existed has no item
    const early = await addTask(owner, lg);
    assert.equal(await itemRow(early), undefined);
    lbacklog = await addBacklog(owner, lg);
    lsprint = await addSprint(owner, lg);
  });

  test('creates the item at the top (m/2) with the given author, then applies the other fields', async () => {
    const t = await bare();
    const epic = await addEpic(owner, lg);
    const m = await smallestSort();
    const r = await update(member, t, { entityId: lbacklog, createdBy: member.userId, storyPoints: '5', epicId: epic });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    const row = await itemRow(t);
    assert.equal(row?.entity_id, lbacklog);
    assert.equal(row?.sort_float, m / 2);
    assert.equal(row?.created_by, member.userId);
    assert.equal(row?.modified_by, member.userId);
    assert.equal(row?.story_points, '5');
    assert.equal(row?.epic_id, epic);
    assert.equal(row?.active, 'Y');
    // m is portal-wide: the next item goes above this one
    const t2 = await bare();
    await owner.result('tasks.api.scrum.task.update', { id: t2, fields: { entityId: lsprint, createdBy: owner.userId, modifiedBy: member.userId } });
    const row2 = await itemRow(t2);
    assert.equal(row2?.sort_float, m / 4);
    assert.equal(row2?.entity_id, lsprint);
    assert.equal(row2?.modified_by, member.userId);
    assert.equal((await owner.result('tasks.api.scrum.task.get', { id: t2 })).sort, 0);
  });

  test('a given sort is used as is (0 → 1024)', async () => {
    const a = await bare();
    await owner.result('tasks.api.scrum.task.update', { id: a, fields: { entityId: lbacklog, createdBy: owner.userId, sort: 300 } });
    assert.equal((await itemRow(a))?.sort_float, 300);
    const b = await bare();
    await owner.result('tasks.api.scrum.task.update', { id: b, fields: { entityId: lbacklog, createdBy: owner.userId, sortFloat: '0' } });
    assert.equal((await itemRow(b))?.sort_float, 1024);
  });

  test('errors in order: Entity id not found, Task not found., Access denied, createdBy, Item not created', async () => {
    const t = await bare();
    expectError(await update(owner, t, { createdBy: 999999 }), '0', 'Entity id not found');
    expectError(await update(owner, t, { entityId: 0 }), '0', 'Entity id not found');
    expectError(await update(owner, t, { entityId: 'abc' }), '0', 'Entity id not found');
    // the entity check (3) comes before
    expectError(await update(owner, t, { entityId: 999999 }), '0', 'Access denied');
    // 5.b: a missing task, a task the caller may not read
    expectError(await update(owner, 999999, { entityId: lbacklog, createdBy: owner.userId }), '0', 'Task not found.');
    const othersGroupTask = await addTask(owner, otherGroup);
    await db().deleteFrom('scrum_items').where('source_id', '=', othersGroupTask).execute();
    const hidden = await ts.user();
    await ts.admin.result('sonet_group.user.add', { GROUP_ID: lg, USER_ID: [hidden.userId] });
    expectError(await update(hidden, othersGroupTask, { entityId: lbacklog, createdBy: 999999 }), '0', 'Task not found.');
    // 5.c: the task is in another group than the entity (the owner reads both)
    expectError(await update(owner, othersGroupTask, { entityId: lbacklog, createdBy: 999999 }), '0', 'Access denied');
    // … or the task has no group
    const noGroup = await addTask(owner, 0);
    expectError(await update(owner, noGroup, { entityId: lbacklog, createdBy: owner.userId }), '0', 'Access denied');
    // … or the caller reads the task but not its group
    const participant = await ts.user();
    await ts.admin.result('sonet_group.user.add', { GROUP_ID: otherGroup, USER_ID: [participant.userId] });
    const viaTask = await bare(owner, { AUDITORS: [participant.userId] });
    expectError(await update(participant, viaTask, { entityId: otherBacklog, createdBy: participant.userId }), '0', 'Access denied');
    // 5.d
    expectError(await update(owner, t, { entityId: lbacklog, createdBy: 999999 }), '0', 'createdBy user not found');
    expectError(await update(owner, t, { entityId: lbacklog, createdBy: 0 }), '0', 'createdBy user not found');
    // 5.e: without createdBy the item cannot be created
    expectError(await update(owner, t, { entityId: lbacklog }), '0', 'Item not created');
    expectError(await update(owner, t, { entityId: lbacklog, createdBy: 'me', modifiedBy: owner.userId }), '0', 'Item not created');
    assert.equal(await itemRow(t), undefined);
    // a later failure rolls the new item back with the call
    const foreign = await addEpic(owner, otherGroup);
    expectError(await update(owner, t, { entityId: lbacklog, createdBy: owner.userId, epicId: foreign }), '0', 'Epic not found');
    assert.equal(await itemRow(t), undefined);
    expectError(await update(ts.admin, t, { entityId: lbacklog, createdBy: owner.userId, modifiedBy: 999999 }), '0', 'modifiedBy user not found');
    assert.equal(await itemRow(t), undefined);
    // the successful call
    assert.equal(await ts.admin.result('tasks.api.scrum.task.update', { id: t, fields: { entityId: lbacklog, createdBy: owner.userId } }), true);
    assert.equal((await itemRow(t))?.entity_id, lbacklog);
    // task.get of a task without item
    const none = await bare();
    expectError(await get(owner, none), '0', 'Task not found');
  });
});
