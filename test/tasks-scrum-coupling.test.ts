/**
 * The coupling of tasks with Scrum (platform.md §9, scrum-api.md A6) over real HTTP. Boards and
 * active sprints are set up directly in the store (sprint.start is someone else's), and every
 * effect is checked both in the store and through tasks.task.get.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { addMember, createScrum, startTestServer, type Client, type TestServer } from './helpers/harness.js';
import { addStage, itemOf, putOnBoard, sprintWithBoard, stageLinks, taskStageId, type Board } from './helpers/scrumBoard.js';

let t: TestServer;
let admin: Client;

before(async () => {
  t = await startTestServer();
  admin = t.admin;
});
after(() => t.close());

const db = () => t.server.app.store.db;

async function add(c: Client, fields: Record<string, unknown>): Promise<any> {
  const r = await c.call('tasks.task.add', { fields });
  assert.equal(r.status, 200, r.text);
  return r.body.result.task;
}

async function update(c: Client, taskId: string, fields: Record<string, unknown>): Promise<any> {
  const r = await c.call('tasks.task.update', { taskId, fields });
  assert.equal(r.status, 200, r.text);
  return r.body.result.task;
}

/** A Scrum with a backlog; returns the group and backlog ids. */
async function scrumWithBacklog(owner: Client = admin): Promise<{ group: number; backlog: number }> {
  const group = await createScrum(owner);
  const b = await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: owner.userId } });
  return { group, backlog: b.id };
}

/** What tasks.task.get says about the task's placement. */
async function placement(taskId: string) {
  const r = await admin.result('tasks.task.get', { taskId, select: ['ID', 'STAGE_ID', 'SPRINT_ID', 'BACKLOG_ID', 'STATUS'] });
  const o = r.task;
  return { stageId: o.stageId, sprintId: o.sprintId, backlogId: o.backlogId, status: o.status };
}

describe('task added to a Scrum (§9.2)', () => {
  test('an item in the backlog: sort 1, created by the task\'s creator, no epic', async () => {
    const { group, backlog } = await scrumWithBacklog();
    const u = await t.user();
    await addMember(admin, group, u.userId);
    const task = await add(admin, { TITLE: 'Story', CREATED_BY: u.userId, RESPONSIBLE_ID: u.userId, GROUP_ID: group });
    const item = await itemOf(db(), Number(task.id));
    assert.ok(item);
    assert.equal(item.entity_id, backlog);
    assert.equal(item.sort_float, 1);
    assert.equal(item.created_by, u.userId);
    assert.equal(item.modified_by, u.userId);
    assert.equal(item.epic_id, 0);
    assert.equal(item.active, 'Y');
    assert.equal(task.backlogId, String(backlog));
    assert.equal(task.sprintId, null);
    assert.equal(task.stageId, '0');
  });

  test('no backlog, no item — and none retroactively once a backlog exists', async () => {
    const group = await createScrum(admin);
    const task = await add(admin, { TITLE: 'Early', RESPONSIBLE_ID: 1, GROUP_ID: group });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
    await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: 1 } });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
    assert.equal((await placement(task.id)).backlogId, null);
  });

  test('a group that is not a Scrum gets no item, even with a backlog row', async () => {
    const group = await admin.result('sonet_group.create', { NAME: 'Not scrum', PROJECT: 'Y' });
    await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: 1 } });
    const task = await add(admin, { TITLE: 'Plain', RESPONSIBLE_ID: 1, GROUP_ID: group });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
  });

  test('a subtask joins its parent\'s entity: sort = number of the parent\'s subtasks, epic inherited', async () => {
    const { group, backlog } = await scrumWithBacklog();
    const parent = await add(admin, { TITLE: 'Parent', RESPONSIBLE_ID: 1, GROUP_ID: group });
    await db().updateTable('scrum_items').set({ epic_id: 42 }).where('source_id', '=', Number(parent.id)).execute();
    const c1 = await add(admin, { TITLE: 'Child 1', RESPONSIBLE_ID: 1, GROUP_ID: group, PARENT_ID: parent.id });
    const c2 = await add(admin, { TITLE: 'Child 2', RESPONSIBLE_ID: 1, GROUP_ID: group, PARENT_ID: parent.id });
    const i1 = await itemOf(db(), Number(c1.id));
    const i2 = await itemOf(db(), Number(c2.id));
    assert.equal(i1?.entity_id, backlog);
    assert.equal(i1?.sort_float, 1);
    assert.equal(i1?.epic_id, 42);
    assert.equal(i2?.sort_float, 2);
    assert.equal(i2?.epic_id, 42);
  });

  test('a subtask of a task in the active sprint goes into the sprint, on the NEW column', async () => {
    const { group } = await scrumWithBacklog();
    const parent = await add(admin, { TITLE: 'Sprint parent', RESPONSIBLE_ID: 1, GROUP_ID: group });
    const board = await sprintWithBoard(db(), group);
    await putOnBoard(db(), Number(parent.id), board.sprintId, board.WORK);
    const child = await add(admin, { TITLE: 'Sprint child', RESPONSIBLE_ID: 1, GROUP_ID: group, PARENT_ID: parent.id });
    assert.equal((await itemOf(db(), Number(child.id)))?.entity_id, board.sprintId);
    assert.deepEqual(await stageLinks(db(), Number(child.id)), [board.NEW]);
    assert.equal(await taskStageId(db(), Number(child.id)), board.NEW);
    assert.equal(child.stageId, String(board.NEW));
    assert.equal(child.sprintId, String(board.sprintId));
    assert.equal(child.backlogId, null);
  });

  test('with several NEW columns the first by sort is used', async () => {
    const { group } = await scrumWithBacklog();
    const parent = await add(admin, { TITLE: 'P', RESPONSIBLE_ID: 1, GROUP_ID: group });
    const board = await sprintWithBoard(db(), group);
    const earlierNew = await addStage(db(), board.sprintId, 'NEW', 50);
    await putOnBoard(db(), Number(parent.id), board.sprintId, board.NEW);
    const child = await add(admin, { TITLE: 'C', RESPONSIBLE_ID: 1, GROUP_ID: group, PARENT_ID: parent.id });
    assert.deepEqual(await stageLinks(db(), Number(child.id)), [earlierNew]);
  });

  test('a subtask of a task in a planned sprint goes into that sprint without a board column', async () => {
    const { group } = await scrumWithBacklog();
    const parent = await add(admin, { TITLE: 'Planned parent', RESPONSIBLE_ID: 1, GROUP_ID: group });
    const planned = await sprintWithBoard(db(), group, 'planned');
    await putOnBoard(db(), Number(parent.id), planned.sprintId, null);
    const child = await add(admin, { TITLE: 'Planned child', RESPONSIBLE_ID: 1, GROUP_ID: group, PARENT_ID: parent.id });
    assert.equal((await itemOf(db(), Number(child.id)))?.entity_id, planned.sprintId);
    assert.deepEqual(await stageLinks(db(), Number(child.id)), []);
    assert.equal(child.stageId, '0');
  });

  test('a parent whose item is in another group does not count: the backlog is used', async () => {
    const a = await scrumWithBacklog();
    const b = await scrumWithBacklog();
    const parent = await add(admin, { TITLE: 'Elsewhere', RESPONSIBLE_ID: 1, GROUP_ID: a.group });
    const child = await add(admin, { TITLE: 'Here', RESPONSIBLE_ID: 1, GROUP_ID: b.group, PARENT_ID: parent.id });
    assert.equal((await itemOf(db(), Number(child.id)))?.entity_id, b.backlog);
    assert.equal((await itemOf(db(), Number(child.id)))?.sort_float, 1);
  });
});

describe('group change (§9.3)', () => {
  test('into a Scrum: a task without an item gets one in the backlog', async () => {
    const { group, backlog } = await scrumWithBacklog();
    const task = await add(admin, { TITLE: 'Wanderer', RESPONSIBLE_ID: 1 });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
    const moved = await update(admin, task.id, { GROUP_ID: group });
    assert.equal(moved.backlogId, String(backlog));
    assert.equal((await itemOf(db(), Number(task.id)))?.created_by, 1);
  });

  test('Scrum to Scrum: the item is re-attached to the new backlog at the top, epic cleared, old board left', async () => {
    const a = await scrumWithBacklog();
    const b = await scrumWithBacklog();
    const other = await add(admin, { TITLE: 'Already in B', RESPONSIBLE_ID: 1, GROUP_ID: b.group });
    const task = await add(admin, { TITLE: 'Mover', RESPONSIBLE_ID: 1, GROUP_ID: a.group });
    const boardA = await sprintWithBoard(db(), a.group);
    await putOnBoard(db(), Number(task.id), boardA.sprintId, boardA.WORK);
    const before = await itemOf(db(), Number(task.id));
    await db().updateTable('scrum_items').set({ epic_id: 7 }).where('source_id', '=', Number(task.id)).execute();
    const moved = await update(admin, task.id, { GROUP_ID: b.group });
    const item = await itemOf(db(), Number(task.id));
    assert.equal(item?.id, before?.id, 'the same item');
    assert.equal(item?.entity_id, b.backlog);
    assert.equal(item?.epic_id, 0);
    const otherItem = await itemOf(db(), Number(other.id));
    assert.ok(item!.sort_float < otherItem!.sort_float, 'placed above the backlog\'s other items');
    assert.deepEqual(await stageLinks(db(), Number(task.id)), []);
    assert.equal(moved.stageId, '0');
    assert.equal(moved.backlogId, String(b.backlog));
    assert.equal(moved.sprintId, null);
  });

  test('Scrum to Scrum with the parent in the new group\'s active sprint: into that sprint, NEW column', async () => {
    const a = await scrumWithBacklog();
    const b = await scrumWithBacklog();
    const parent = await add(admin, { TITLE: 'Parent in B', RESPONSIBLE_ID: 1, GROUP_ID: b.group });
    const boardB = await sprintWithBoard(db(), b.group);
    await putOnBoard(db(), Number(parent.id), boardB.sprintId, boardB.WORK);
    const task = await add(admin, { TITLE: 'Child in A', RESPONSIBLE_ID: 1, GROUP_ID: a.group, PARENT_ID: parent.id });
    assert.equal((await itemOf(db(), Number(task.id)))?.entity_id, a.backlog);
    const moved = await update(admin, task.id, { GROUP_ID: b.group });
    assert.equal((await itemOf(db(), Number(task.id)))?.entity_id, boardB.sprintId);
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [boardB.NEW]);
    assert.equal(moved.stageId, String(boardB.NEW));
    assert.equal(moved.sprintId, String(boardB.sprintId));
  });

  test('out of a Scrum: the item is deleted and the task leaves the active sprint board', async () => {
    const { group } = await scrumWithBacklog();
    const plain = await admin.result('sonet_group.create', { NAME: 'Plain' });
    const task = await add(admin, { TITLE: 'Leaver', RESPONSIBLE_ID: 1, GROUP_ID: group });
    const board = await sprintWithBoard(db(), group);
    await putOnBoard(db(), Number(task.id), board.sprintId, board.WORK);
    const moved = await update(admin, task.id, { GROUP_ID: plain });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
    assert.deepEqual(await stageLinks(db(), Number(task.id)), []);
    assert.equal(moved.stageId, '0');
    assert.equal(moved.sprintId, null);
    const task2 = await add(admin, { TITLE: 'Leaver 2', RESPONSIBLE_ID: 1, GROUP_ID: group });
    await update(admin, task2.id, { GROUP_ID: 0 });
    assert.equal(await itemOf(db(), Number(task2.id)), undefined);
  });

  test('into a Scrum without a backlog, a task with an item loses it (no item stays in another group)', async () => {
    const a = await scrumWithBacklog();
    const bare = await createScrum(admin);
    const task = await add(admin, { TITLE: 'Homeless', RESPONSIBLE_ID: 1, GROUP_ID: a.group });
    assert.ok(await itemOf(db(), Number(task.id)));
    await update(admin, task.id, { GROUP_ID: bare });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
  });

  test('an update that keeps the group changes nothing on the Scrum side', async () => {
    const { group, backlog } = await scrumWithBacklog();
    const task = await add(admin, { TITLE: 'Stayer', RESPONSIBLE_ID: 1, GROUP_ID: group });
    await db().updateTable('scrum_items').set({ epic_id: 3, sort_float: 777 }).where('source_id', '=', Number(task.id)).execute();
    await update(admin, task.id, { GROUP_ID: group, TITLE: 'Stayer 2' });
    const item = await itemOf(db(), Number(task.id));
    assert.equal(item?.entity_id, backlog);
    assert.equal(item?.epic_id, 3);
    assert.equal(item?.sort_float, 777);
  });
});

describe('completion (§9.4)', () => {
  let group: number;
  let board: Board;

  before(async () => {
    group = (await scrumWithBacklog()).group;
    board = await sprintWithBoard(db(), group);
  });

  async function onBoard(stage: number | null = board.NEW, fields: Record<string, unknown> = {}) {
    const task = await add(admin, { TITLE: 'Board task', RESPONSIBLE_ID: 1, GROUP_ID: group, ...fields });
    await putOnBoard(db(), Number(task.id), board.sprintId, stage);
    return task;
  }

  test('tasks.task.complete moves a task of the active sprint to FINISH and sets stageId', async () => {
    const task = await onBoard(board.WORK);
    const r = await admin.result('tasks.task.complete', { taskId: task.id });
    assert.equal(r.task.status, '5');
    assert.equal(r.task.stageId, String(board.FINISH));
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.FINISH]);
    assert.equal(await taskStageId(db(), Number(task.id)), board.FINISH);
    assert.deepEqual(await placement(task.id), { stageId: String(board.FINISH), sprintId: String(board.sprintId), backlogId: null, status: '5' });
  });

  test('a task of the sprint that is not on the board yet is put into FINISH', async () => {
    const task = await onBoard(null);
    await admin.result('tasks.task.complete', { taskId: task.id });
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.FINISH]);
  });

  test('a task already in a FINISH column stays where it is', async () => {
    const secondFinish = await addStage(db(), board.sprintId, 'FINISH', 400);
    try {
      const task = await onBoard(secondFinish);
      await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 5 } });
      assert.deepEqual(await stageLinks(db(), Number(task.id)), [secondFinish]);
      assert.equal(await taskStageId(db(), Number(task.id)), secondFinish);
    } finally {
      await db().deleteFrom('kanban_stages').where('id', '=', secondFinish).execute();
    }
  });

  test('with several FINISH columns the first by sort is used', async () => {
    const b2 = await sprintWithBoard(db(), (await scrumWithBacklog()).group);
    const laterFinish = await addStage(db(), b2.sprintId, 'FINISH', 900);
    const g2 = (await db().selectFrom('scrum_entities').select('group_id').where('id', '=', b2.sprintId).executeTakeFirstOrThrow()).group_id;
    const task = await add(admin, { TITLE: 'Two finishes', RESPONSIBLE_ID: 1, GROUP_ID: g2 });
    await putOnBoard(db(), Number(task.id), b2.sprintId, b2.NEW);
    await admin.result('tasks.task.complete', { taskId: task.id });
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [b2.FINISH]);
    assert.notEqual(b2.FINISH, laterFinish);
  });

  test('tasks in the backlog or a planned sprint are not moved; status 4 does not move', async () => {
    const inBacklog = await add(admin, { TITLE: 'Backlog task', RESPONSIBLE_ID: 1, GROUP_ID: group });
    await admin.result('tasks.task.complete', { taskId: inBacklog.id });
    assert.deepEqual(await stageLinks(db(), Number(inBacklog.id)), []);
    assert.equal((await placement(inBacklog.id)).stageId, '0');

    const planned = await sprintWithBoard(db(), group, 'planned');
    const inPlanned = await add(admin, { TITLE: 'Planned task', RESPONSIBLE_ID: 1, GROUP_ID: group });
    await putOnBoard(db(), Number(inPlanned.id), planned.sprintId, planned.NEW);
    await admin.result('tasks.task.complete', { taskId: inPlanned.id });
    assert.deepEqual(await stageLinks(db(), Number(inPlanned.id)), [planned.NEW]);

    const r = await t.user();
    await addMember(admin, group, r.userId);
    const controlled = await onBoard(board.WORK, { RESPONSIBLE_ID: r.userId, TASK_CONTROL: 'Y' });
    const res = await r.result('tasks.task.complete', { taskId: controlled.id });
    assert.equal(res.task.status, '4');
    assert.deepEqual(await stageLinks(db(), Number(controlled.id)), [board.WORK]);
    // the creator's approval (STATUS 5) then moves it
    await admin.result('tasks.task.update', { taskId: controlled.id, fields: { STATUS: 5 } });
    assert.deepEqual(await stageLinks(db(), Number(controlled.id)), [board.FINISH]);
  });

  test('a board without a FINISH column: the task call still succeeds and nothing moves', async () => {
    const g = (await scrumWithBacklog()).group;
    const s = await db()
      .insertInto('scrum_entities')
      .values({ group_id: g, entity_type: 'sprint', name: 'No finish', sort: 0, created_by: 1, modified_by: 1, status: 'active', info: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const onlyNew = await addStage(db(), s.id, 'NEW', 100);
    const task = await add(admin, { TITLE: 'Nowhere to finish', RESPONSIBLE_ID: 1, GROUP_ID: g });
    await putOnBoard(db(), Number(task.id), s.id, onlyNew);
    const r = await admin.result('tasks.task.complete', { taskId: task.id });
    assert.equal(r.task.status, '5');
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [onlyNew]);
  });

  test('an effect that fails is rolled back and skipped; the task change itself is kept', async () => {
    const task = await onBoard(board.WORK);
    const postgres = t.server.app.store.dialect === 'postgres';
    if (postgres) {
      await sql`create function refuse_stage_link() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`.execute(db());
      await sql`create trigger refuse_stage_links before insert on kanban_task_stages for each row execute function refuse_stage_link()`.execute(db());
    } else {
      await sql`create trigger refuse_stage_links before insert on kanban_task_stages begin select raise(abort, 'refused'); end`.execute(db());
    }
    try {
      const r = await admin.call('tasks.task.complete', { taskId: task.id });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.task.status, '5');
      assert.match(r.body.result.task.closedDate, /^\d{4}-/);
      // the effect's own deletes were undone with it: the task is still in WORK
      assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.WORK]);
      assert.equal(await taskStageId(db(), Number(task.id)), board.WORK);
    } finally {
      if (postgres) {
        await sql`drop trigger refuse_stage_links on kanban_task_stages`.execute(db());
        await sql`drop function refuse_stage_link()`.execute(db());
      } else {
        await sql`drop trigger refuse_stage_links`.execute(db());
      }
    }
  });
});

describe('renewal (§9.4)', () => {
  test('from FINISH of the active sprint back to NEW (renew, STATUS 2 and STATUS 3)', async () => {
    const { group } = await scrumWithBacklog();
    const board = await sprintWithBoard(db(), group);
    for (const how of ['renew', 2, 3] as const) {
      const task = await add(admin, { TITLE: `Renew ${how}`, RESPONSIBLE_ID: 1, GROUP_ID: group });
      await putOnBoard(db(), Number(task.id), board.sprintId, board.WORK);
      await admin.result('tasks.task.complete', { taskId: task.id });
      assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.FINISH]);
      const r =
        how === 'renew'
          ? await admin.result('tasks.task.renew', { taskId: task.id })
          : await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: how } });
      assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.NEW], String(how));
      assert.equal(r.task.stageId, String(board.NEW));
      assert.equal(r.task.closedDate, null);
    }
  });

  test('a completed task in a completed sprint goes back to the backlog, at the top', async () => {
    const { group, backlog } = await scrumWithBacklog();
    const done = await sprintWithBoard(db(), group, 'completed');
    const other = await add(admin, { TITLE: 'Backlog resident', RESPONSIBLE_ID: 1, GROUP_ID: group });
    const task = await add(admin, { TITLE: 'Reopened', RESPONSIBLE_ID: 1, GROUP_ID: group, STATUS: 5 });
    await putOnBoard(db(), Number(task.id), done.sprintId, done.FINISH);
    await admin.result('tasks.task.renew', { taskId: task.id });
    const item = await itemOf(db(), Number(task.id));
    assert.equal(item?.entity_id, backlog);
    assert.ok(item!.sort_float < (await itemOf(db(), Number(other.id)))!.sort_float);
    assert.equal((await placement(task.id)).backlogId, String(backlog));
  });

  test('a task whose parent is in the active sprint joins it on NEW', async () => {
    const { group } = await scrumWithBacklog();
    const done = await sprintWithBoard(db(), group, 'completed');
    const active = await sprintWithBoard(db(), group);
    const parent = await add(admin, { TITLE: 'Parent now', RESPONSIBLE_ID: 1, GROUP_ID: group });
    await putOnBoard(db(), Number(parent.id), active.sprintId, active.WORK);
    const task = await add(admin, { TITLE: 'Old child', RESPONSIBLE_ID: 1, GROUP_ID: group, STATUS: 5 });
    await putOnBoard(db(), Number(task.id), done.sprintId, done.FINISH);
    await update(admin, task.id, { PARENT_ID: parent.id });
    const r = await admin.result('tasks.task.renew', { taskId: task.id });
    assert.equal((await itemOf(db(), Number(task.id)))?.entity_id, active.sprintId);
    assert.equal(r.task.stageId, String(active.NEW));
    assert.ok((await stageLinks(db(), Number(task.id))).includes(active.NEW));
  });

  test('renewal of a task that is not in FINISH leaves the board alone; deferring a completed task does nothing', async () => {
    const { group } = await scrumWithBacklog();
    const board = await sprintWithBoard(db(), group);
    const task = await add(admin, { TITLE: 'Odd', RESPONSIBLE_ID: 1, GROUP_ID: group, STATUS: 5 });
    await putOnBoard(db(), Number(task.id), board.sprintId, board.WORK);
    await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 6 } });
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.WORK]);
    await admin.result('tasks.task.renew', { taskId: task.id });
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.WORK]);
  });
});

describe('deletion (§8.7, §9.6)', () => {
  test('the item and the stage links go; subtasks keep their items', async () => {
    const { group } = await scrumWithBacklog();
    const board = await sprintWithBoard(db(), group);
    const task = await add(admin, { TITLE: 'Doomed', RESPONSIBLE_ID: 1, GROUP_ID: group });
    const child = await add(admin, { TITLE: 'Survivor', RESPONSIBLE_ID: 1, GROUP_ID: group, PARENT_ID: task.id });
    await putOnBoard(db(), Number(task.id), board.sprintId, board.WORK);
    assert.deepEqual(await admin.result('tasks.task.delete', { taskId: task.id }), { task: true });
    assert.equal(await itemOf(db(), Number(task.id)), undefined);
    assert.deepEqual(await stageLinks(db(), Number(task.id)), []);
    assert.ok(await itemOf(db(), Number(child.id)));
    assert.equal((await admin.result('tasks.task.get', { taskId: child.id, select: ['PARENT_ID'] })).task.parentId, null);
  });

  test('a refused call changes nothing on the Scrum side', async () => {
    const { group } = await scrumWithBacklog();
    const u = await t.user();
    await addMember(admin, group, u.userId);
    const task = await add(admin, { TITLE: 'Protected', RESPONSIBLE_ID: u.userId, GROUP_ID: group });
    const r = await u.call('tasks.task.delete', { taskId: task.id });
    assert.equal(r.body.error, '1048582');
    assert.ok(await itemOf(db(), Number(task.id)));
    const bad = await admin.call('tasks.task.update', { taskId: task.id, fields: { GROUP_ID: 0, TITLE: '' } });
    assert.equal(bad.body.error, 'ERROR_CORE');
    assert.ok(await itemOf(db(), Number(task.id)), 'validation failed before any effect');
  });
});
