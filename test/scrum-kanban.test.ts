/**
 * tasks.api.scrum.kanban.* (scrum-api.md C3, B9) over real HTTP: the seven methods, their result
 * types, every documented error in check order, the HTTP 200 `false` of the boolean methods and the
 * strict mode that reports those errors instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createScrum, type Client, type TestServer, startTestServer } from './helpers/harness.js';
import { Fixtures, expectError, expectResult } from './helpers/sprintFixtures.js';

interface World {
  ts: TestServer;
  fx: Fixtures;
  owner: Client;
  member: Client;
  outsider: Client;
  group: number;
  backlog: number;
  sprint: number;
  /** a group the member and outsider cannot read */
  otherGroup: number;
  otherSprint: number;
}

async function world(strictErrors: boolean): Promise<World> {
  const ts = await startTestServer({ strictErrors });
  const fx = new Fixtures(ts);
  const owner = await ts.user();
  const member = await ts.user();
  const outsider = await ts.user();
  const group = await createScrum(owner, 'Kanban team');
  await ts.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [member.userId] });
  const backlog = await fx.backlog(owner, group);
  const sprint = await fx.sprint(owner, group, { name: 'Board sprint' });
  const otherGroup = await createScrum(owner, 'Other team');
  const otherSprint = await fx.sprint(owner, otherGroup, { name: 'Other sprint' });
  return { ts, fx, owner, member, outsider, group, backlog, sprint, otherGroup, otherSprint };
}

let w: World;
let s: World;

before(async () => {
  w = await world(false);
  s = await world(true);
});

after(async () => {
  await w.ts.close();
  await s.ts.close();
});

async function addStage(c: Client, fields: Record<string, unknown>): Promise<number> {
  const r = await c.call('tasks.api.scrum.kanban.addStage', { fields });
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.body.result, 'number');
  return r.body.result;
}

async function stageRow(x: World, id: number) {
  return x.fx.db.selectFrom('kanban_stages').selectAll().where('id', '=', id).executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------

describe('kanban.getFields', () => {
  test('answers the exact descriptor for anyone', async () => {
    const r = await w.outsider.call('tasks.api.scrum.kanban.getFields');
    expectResult(r, {
      fields: {
        name: { type: 'string' },
        sort: { type: 'integer' },
        type: { type: 'string' },
        sprintId: { type: 'integer' },
        color: { type: 'string' },
      },
    });
    assert.deepEqual(Object.keys(r.body.result.fields), ['name', 'sort', 'type', 'sprintId', 'color']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban.addStage', () => {
  test('returns the new id as a number and stores the defaults: WORK, sort 100, color 00C4FB', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const r = await w.member.call('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, name: 'Review' } });
    assert.equal(r.status, 200);
    const id = r.body.result;
    assert.ok(Number.isInteger(id) && id > 0);
    assert.deepEqual(await stageRow(w, id), { id, title: 'Review', sort: 100, color: '00C4FB', system_type: 'WORK', entity_id: sprint, entity_type: 'A' });
  });

  test('stores the given type, sort and color; coerces them as the reference does', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const a = await addStage(w.owner, { sprintId: String(sprint), name: 'A', type: 'FINISH', sort: '250.7', color: 'FF0000' });
    assert.deepEqual(await stageRow(w, a), { id: a, title: 'A', sort: 250, color: 'FF0000', system_type: 'FINISH', entity_id: sprint, entity_type: 'A' });
    // lower-case type → WORK, non-numeric sort → 100, color null → "", empty name allowed
    const b = await addStage(w.owner, { sprintId: sprint, name: '', type: 'new', sort: 'abc', color: null });
    assert.deepEqual(await stageRow(w, b), { id: b, title: '', sort: 100, color: '', system_type: 'WORK', entity_id: sprint, entity_type: 'A' });
    // a numeric color becomes its string; NEW kept
    const c = await addStage(w.owner, { sprintId: sprint, name: 'C', type: 'NEW', sort: -5, color: 123 });
    assert.deepEqual(await stageRow(w, c), { id: c, title: 'C', sort: -5, color: '123', system_type: 'NEW', entity_id: sprint, entity_type: 'A' });
  });

  test('works with form encoding and accepts a backlog id as sprint id', async () => {
    const r = await w.owner.call('tasks.api.scrum.kanban.addStage', { fields: { sprintId: w.backlog, name: 'On backlog', sort: '300' } }, 'form');
    assert.equal(r.status, 200, r.text);
    const row = await stageRow(w, r.body.result);
    assert.equal(row?.entity_id, w.backlog);
    assert.equal(row?.sort, 300);
  });

  test('binding errors of fields (code 100)', async () => {
    expectError(await w.owner.call('tasks.api.scrum.kanban.addStage', {}), '100', 'Could not find value for parameter {fields}');
    expectError(await w.owner.call('tasks.api.scrum.kanban.addStage', { fields: 'x' }), '100', 'Invalid value {x} to match with parameter {fields}. Should be value of type array.');
    expectError(await w.owner.call('tasks.api.scrum.kanban.addStage', { fields: null }), '100', 'Invalid value {} to match with parameter {fields}. Should be value of type array.');
  });

  test('business errors in check order', async () => {
    const call = (c: Client, fields: Record<string, unknown>) => c.call('tasks.api.scrum.kanban.addStage', { fields });
    // sprintId absent / 0 / non-numeric → before the name check
    expectError(await call(w.owner, {}), '0', 'Sprint id not found');
    expectError(await call(w.owner, { sprintId: 0, name: 5 }), '0', 'Sprint id not found');
    expectError(await call(w.owner, { sprintId: 'abc', name: 'x' }), '0', 'Sprint id not found');
    expectError(await call(w.owner, { sprintId: 999999, name: 5 }), '0', 'Sprint not found');
    // access before the name check
    expectError(await call(w.outsider, { sprintId: w.sprint, name: 5 }), '0', 'Access denied');
    expectError(await call(w.member, { sprintId: w.otherSprint, name: 'x' }), '0', 'Access denied');
    expectError(await call(w.owner, { sprintId: w.sprint }), '0', 'Incorrect name format');
    expectError(await call(w.owner, { sprintId: w.sprint, name: 5 }), '0', 'Incorrect name format');
    expectError(await call(w.owner, { sprintId: w.sprint, name: null }), '0', 'Incorrect name format');
    expectError(await call(w.owner, { sprintId: w.sprint, name: ['a'] }), '0', 'Incorrect name format');
    assert.equal((await w.fx.stages(w.sprint)).length, 0);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban.getStages', () => {
  test('returns the raw stages with string ids, sorts and sprint ids, ordered by sort then id', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const b = await addStage(w.owner, { sprintId: sprint, name: 'Second', type: 'WORK', sort: 200, color: 'ABCDEF' });
    const a = await addStage(w.owner, { sprintId: sprint, name: 'First', type: 'NEW', sort: 100, color: '00C4FB' });
    const c = await addStage(w.owner, { sprintId: sprint, name: 'Tie', type: 'FINISH', sort: 200, color: '' });
    const r = await w.member.call('tasks.api.scrum.kanban.getStages', { sprintId: sprint });
    expectResult(r, [
      { id: String(a), name: 'First', sort: '100', type: 'NEW', sprintId: String(sprint), color: '00C4FB' },
      { id: String(b), name: 'Second', sort: '200', type: 'WORK', sprintId: String(sprint), color: 'ABCDEF' },
      // an empty color reads as 47D1E2
      { id: String(c), name: 'Tie', sort: '200', type: 'FINISH', sprintId: String(sprint), color: '47D1E2' },
    ]);
    assert.deepEqual(Object.keys(r.body.result[0]), ['id', 'name', 'sort', 'type', 'sprintId', 'color']);
  });

  test('empty titles read as the default title of their type; "" and null types are returned raw', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const ids: number[] = [];
    for (const [sort, type] of [[1, 'NEW'], [2, 'WORK'], [3, 'FINISH'], [4, ''], [5, null]] as const) {
      const r = await w.fx.db
        .insertInto('kanban_stages')
        .values({ title: '', sort, color: '', system_type: type, entity_id: sprint, entity_type: 'A' })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(r.id);
    }
    const result = await w.owner.result('tasks.api.scrum.kanban.getStages', { sprintId: sprint });
    assert.deepEqual(
      result.map((x: any) => [x.name, x.type]),
      [['New', 'NEW'], ['In progress', 'WORK'], ['Finished', 'FINISH'], ['New', ''], ['New', null]],
    );
    assert.deepEqual(result.map((x: any) => x.id), ids.map(String));
  });

  test('a sprint without board gives [] and creates nothing', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group, { status: 'completed' });
    expectResult(await w.owner.call('tasks.api.scrum.kanban.getStages', { sprintId: sprint }, 'get'), []);
    assert.equal((await w.fx.stages(sprint)).length, 0);
  });

  test('errors in order: binding (100), id 0, missing or backlog, access', async () => {
    const call = (c: Client, p: Record<string, unknown>) => c.call('tasks.api.scrum.kanban.getStages', p);
    expectError(await call(w.owner, {}), '100', 'Could not find value for parameter {sprintId}');
    expectError(await call(w.owner, { sprintId: 'abc' }), '100', 'Invalid value {abc} to match with parameter {sprintId}. Should be value of type int.');
    expectError(await call(w.owner, { sprintId: [1] }), '100', 'Invalid value {Array} to match with parameter {sprintId}. Should be value of type int.');
    expectError(await call(w.owner, { sprintId: 0 }), '0', 'Sprint id not found');
    expectError(await call(w.outsider, { sprintId: 999999 }), '0', 'Sprint not found');
    // getStages is the one kanban method that checks the entity type
    expectError(await call(w.outsider, { sprintId: w.backlog }), '0', 'Sprint not found');
    expectError(await call(w.outsider, { sprintId: w.sprint }), '0', 'Access denied');
    expectResult(await call(w.ts.admin, { sprintId: w.sprint }), []);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban.updateStage', () => {
  test('updates every accepted field and answers true', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const id = await addStage(w.owner, { sprintId: sprint, name: 'Old', type: 'WORK', sort: 100, color: '111111' });
    expectResult(
      await w.member.call('tasks.api.scrum.kanban.updateStage', { stageId: id, fields: { name: 'New name', color: '222222', sort: '450.9', type: 'FINISH' } }),
      true,
    );
    assert.deepEqual(await stageRow(w, id), { id, title: 'New name', sort: 450, color: '222222', system_type: 'FINISH', entity_id: sprint, entity_type: 'A' });
    // "" is a string: the title can be emptied
    expectResult(await w.owner.call('tasks.api.scrum.kanban.updateStage', { stageId: id, fields: { name: '' } }), true);
    assert.equal((await stageRow(w, id))?.title, '');
  });

  test('ignores values of the wrong type silently; nothing to change is still true', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const id = await addStage(w.owner, { sprintId: sprint, name: 'Keep', type: 'NEW', sort: 100, color: '111111' });
    const before = await stageRow(w, id);
    expectResult(
      await w.owner.call('tasks.api.scrum.kanban.updateStage', { stageId: id, fields: { name: 5, color: 7, sort: 'abc', type: 'work', unknown: 1 } }),
      true,
    );
    expectResult(await w.owner.call('tasks.api.scrum.kanban.updateStage', { stageId: id, fields: {} }), true);
    assert.deepEqual(await stageRow(w, id), before);
  });

  test('sprintId moves the stage to another board and leaves its task links alone', async () => {
    const from = await w.fx.sprint(w.owner, w.group);
    const to = await w.fx.sprint(w.owner, w.group);
    const id = await addStage(w.owner, { sprintId: from, name: 'Mobile', type: 'WORK' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.link(task, id);
    expectResult(await w.owner.call('tasks.api.scrum.kanban.updateStage', { stageId: id, fields: { sprintId: String(to) } }), true);
    assert.equal((await stageRow(w, id))?.entity_id, to);
    assert.deepEqual(await w.fx.links(task), [id]);
    // a backlog id is accepted as target as well
    expectResult(await w.owner.call('tasks.api.scrum.kanban.updateStage', { stageId: id, fields: { sprintId: w.backlog } }), true);
    assert.equal((await stageRow(w, id))?.entity_id, w.backlog);
  });

  test('binding errors stay HTTP 400 code 100', async () => {
    const call = (p: Record<string, unknown>) => w.owner.call('tasks.api.scrum.kanban.updateStage', p);
    expectError(await call({ fields: {} }), '100', 'Could not find value for parameter {stageId}');
    expectError(await call({ stageId: 'x', fields: {} }), '100', 'Invalid value {x} to match with parameter {stageId}. Should be value of type int.');
    expectError(await call({ stageId: 1 }), '100', 'Could not find value for parameter {fields}');
    expectError(await call({ stageId: 1, fields: 'x' }), '100', 'Invalid value {x} to match with parameter {fields}. Should be value of type array.');
  });

  test('every business error is HTTP 200 false and changes nothing', async () => {
    const id = await addStage(w.owner, { sprintId: w.sprint, name: 'Guarded', type: 'WORK', sort: 100 });
    const before = await stageRow(w, id);
    const call = (c: Client, stageId: unknown, fields: Record<string, unknown>) => c.call('tasks.api.scrum.kanban.updateStage', { stageId, fields });
    expectResult(await call(w.owner, 0, { name: 'x' }), false);
    expectResult(await call(w.owner, 999999, { name: 'x' }), false);
    expectResult(await call(w.outsider, id, { name: 'x' }), false);
    // invalid target: missing entity, "0", a group the caller cannot read — checked before any change is written
    expectResult(await call(w.owner, id, { name: 'x', sprintId: 999999 }), false);
    expectResult(await call(w.owner, id, { name: 'x', sprintId: '0' }), false);
    expectResult(await call(w.member, id, { name: 'x', sprintId: w.otherSprint }), false);
    assert.deepEqual(await stageRow(w, id), before);
  });

  test('strict mode reports the recorded messages in check order', async () => {
    const id = await addStage(s.owner, { sprintId: s.sprint, name: 'Strict', type: 'WORK', sort: 100 });
    const call = (c: Client, stageId: unknown, fields: Record<string, unknown>) => c.call('tasks.api.scrum.kanban.updateStage', { stageId, fields });
    expectError(await call(s.owner, 0, { sprintId: 999999 }), '0', 'Stage id not found');
    expectError(await call(s.owner, 999999, { sprintId: 999999 }), '0', 'Stage not found');
    expectError(await call(s.outsider, id, { sprintId: 999999 }), '0', 'Access denied');
    expectError(await call(s.owner, id, { sprintId: 999999 }), '0', 'Incorrect sprintId value');
    expectError(await call(s.member, id, { sprintId: s.otherSprint }), '0', 'Incorrect sprintId value');
    expectError(await s.owner.call('tasks.api.scrum.kanban.updateStage', { stageId: 'x', fields: {} }), '100', 'Invalid value {x} to match with parameter {stageId}. Should be value of type int.');
    expectResult(await call(s.owner, id, { name: 'Done' }), true);
    assert.equal((await stageRow(s, id))?.title, 'Done');
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban.deleteStage', () => {
  test('deletes an empty stage — NEW, FINISH and the last one included — and answers true', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const n = await addStage(w.owner, { sprintId: sprint, name: 'N', type: 'NEW' });
    const f = await addStage(w.owner, { sprintId: sprint, name: 'F', type: 'FINISH' });
    expectResult(await w.member.call('tasks.api.scrum.kanban.deleteStage', { stageId: n }), true);
    expectResult(await w.member.call('tasks.api.scrum.kanban.deleteStage', { stageId: String(f) }, 'form'), true);
    assert.equal(await stageRow(w, n), undefined);
    assert.equal(await stageRow(w, f), undefined);
    expectResult(await w.owner.call('tasks.api.scrum.kanban.getStages', { sprintId: sprint }), []);
  });

  test('a stage with tasks is refused with HTTP 200 false; other business errors too', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const id = await addStage(w.owner, { sprintId: sprint, name: 'Busy', type: 'NEW' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.link(task, id);
    expectResult(await w.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: id }), false);
    expectResult(await w.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: 0 }), false);
    expectResult(await w.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: 999999 }), false);
    const free = await addStage(w.owner, { sprintId: sprint, name: 'Free' });
    expectResult(await w.outsider.call('tasks.api.scrum.kanban.deleteStage', { stageId: free }), false);
    // nothing was changed: the busy NEW stage keeps its type
    assert.equal((await stageRow(w, id))?.system_type, 'NEW');
    assert.ok(await stageRow(w, free));
    expectError(await w.owner.call('tasks.api.scrum.kanban.deleteStage', {}), '100', 'Could not find value for parameter {stageId}');
    expectError(await w.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: null }), '100', 'Invalid value {} to match with parameter {stageId}. Should be value of type int.');
  });

  test('a link of a task in the recycle bin still blocks', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const id = await addStage(w.owner, { sprintId: sprint, name: 'Bin' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.moveItem(task, sprint, 1024);
    await w.fx.db.updateTable('scrum_items').set({ active: 'N' }).where('source_id', '=', task).execute();
    await w.fx.link(task, id);
    expectResult(await w.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: id }), false);
  });

  test('strict mode reports the recorded messages in check order', async () => {
    const id = await addStage(s.owner, { sprintId: s.sprint, name: 'Busy', type: 'WORK' });
    const task = await s.fx.task(s.owner, s.group);
    await s.fx.link(task, id);
    expectError(await s.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: 0 }), '0', 'Stage id not found');
    expectError(await s.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: 999999 }), '0', 'Stage not found');
    expectError(await s.outsider.call('tasks.api.scrum.kanban.deleteStage', { stageId: id }), '0', 'Access denied');
    expectError(await s.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: id }), '0', 'Stage has tasks');
    await s.fx.db.deleteFrom('kanban_task_stages').where('task_id', '=', task).execute();
    expectResult(await s.owner.call('tasks.api.scrum.kanban.deleteStage', { stageId: id }), true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban.addTask', () => {
  test('links the task to the stage, keeps its other links and does not touch STAGE_ID', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const a = await addStage(w.owner, { sprintId: sprint, name: 'A', type: 'NEW' });
    const b = await addStage(w.owner, { sprintId: sprint, name: 'B', type: 'WORK' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.moveItem(task, sprint, 1024);
    expectResult(await w.member.call('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: task, stageId: a }), true);
    assert.deepEqual(await w.fx.links(task), [a]);
    assert.equal(await w.fx.taskStage(task), 0);
    // a second column: both links exist (use deleteTask first to move a task)
    expectResult(await w.member.call('tasks.api.scrum.kanban.addTask', { sprintId: String(sprint), taskId: String(task), stageId: String(b) }, 'form'), true);
    assert.deepEqual(await w.fx.links(task), [a, b]);
    // linking again merges: still one link per pair
    expectResult(await w.member.call('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: task, stageId: a }), true);
    assert.deepEqual(await w.fx.links(task), [a, b]);
    assert.equal(await w.fx.taskStage(task), 0);
  });

  test('accepts a stage of another sprint, a backlog id as sprint, and a backlog task', async () => {
    const s1 = await w.fx.sprint(w.owner, w.group);
    const s2 = await w.fx.sprint(w.owner, w.group);
    const foreign = await addStage(w.owner, { sprintId: s2, name: 'Other board' });
    const task = await w.fx.task(w.owner, w.group); // its item stays in the backlog
    expectResult(await w.owner.call('tasks.api.scrum.kanban.addTask', { sprintId: s1, taskId: task, stageId: foreign }), true);
    const onBacklog = await addStage(w.owner, { sprintId: w.backlog, name: 'Backlog column' });
    expectResult(await w.owner.call('tasks.api.scrum.kanban.addTask', { sprintId: w.backlog, taskId: task, stageId: onBacklog }), true);
    assert.deepEqual(await w.fx.links(task), [foreign, onBacklog].sort((x, y) => x - y));
    assert.equal((await w.fx.itemOf(task)).entity_id, w.backlog);
  });

  test('binding errors in the order sprintId, taskId, stageId', async () => {
    const call = (p: Record<string, unknown>) => w.owner.call('tasks.api.scrum.kanban.addTask', p);
    expectError(await call({}), '100', 'Could not find value for parameter {sprintId}');
    expectError(await call({ sprintId: 1 }), '100', 'Could not find value for parameter {taskId}');
    expectError(await call({ sprintId: 1, taskId: 1 }), '100', 'Could not find value for parameter {stageId}');
    expectError(await call({ sprintId: 'a', taskId: 'b' }), '100', 'Invalid value {a} to match with parameter {sprintId}. Should be value of type int.');
    expectError(await call({ sprintId: 1, taskId: true, stageId: 1 }), '100', 'Invalid value {1} to match with parameter {taskId}. Should be value of type int.');
    expectError(await call({ sprintId: 1, taskId: 1, stageId: null }), '100', 'Invalid value {} to match with parameter {stageId}. Should be value of type int.');
  });

  test('every business error is HTTP 200 false and links nothing', async () => {
    const stage = await addStage(w.owner, { sprintId: w.sprint, name: 'Target' });
    const task = await w.fx.task(w.owner, w.group);
    const foreignTask = await w.fx.task(w.owner, w.otherGroup);
    const call = (c: Client, sprintId: number, taskId: number, stageId: number) => c.call('tasks.api.scrum.kanban.addTask', { sprintId, taskId, stageId });
    expectResult(await call(w.owner, 0, task, stage), false);
    expectResult(await call(w.owner, w.sprint, 0, stage), false);
    expectResult(await call(w.owner, w.sprint, task, 0), false);
    expectResult(await call(w.owner, 999999, task, stage), false);
    expectResult(await call(w.outsider, w.sprint, task, stage), false);
    expectResult(await call(w.owner, w.sprint, task, 999999), false);
    expectResult(await call(w.owner, w.sprint, 999999, stage), false);
    expectResult(await call(w.owner, w.sprint, foreignTask, stage), false);
    assert.deepEqual(await w.fx.links(task), []);
    assert.deepEqual(await w.fx.links(foreignTask), []);
  });

  test('strict mode reports the recorded messages in check order', async () => {
    const stage = await addStage(s.owner, { sprintId: s.sprint, name: 'Target' });
    const task = await s.fx.task(s.owner, s.group);
    const foreignTask = await s.fx.task(s.owner, s.otherGroup);
    const call = (c: Client, sprintId: number, taskId: number, stageId: number) => c.call('tasks.api.scrum.kanban.addTask', { sprintId, taskId, stageId });
    expectError(await call(s.owner, 0, 0, 0), '0', 'Sprint id not found');
    expectError(await call(s.owner, 999999, 0, 0), '0', 'Task id not found');
    expectError(await call(s.owner, 999999, 999999, 0), '0', 'Stage id not found');
    expectError(await call(s.outsider, 999999, 999999, 999999), '0', 'Sprint not found');
    expectError(await call(s.outsider, s.sprint, 999999, 999999), '0', 'Access denied');
    expectError(await call(s.owner, s.sprint, 999999, 999999), '0', 'Stage not found');
    expectError(await call(s.owner, s.sprint, 999999, stage), '0', 'Task not found. The task must be with GROUP_ID');
    expectError(await call(s.owner, s.sprint, foreignTask, stage), '0', 'Task not found. The task must be with GROUP_ID');
    expectResult(await call(s.owner, s.sprint, task, stage), true);
    assert.deepEqual(await s.fx.links(task), [stage]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban.deleteTask', () => {
  test('removes every link of the task on that board, resets STAGE_ID, keeps the item and other boards', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    const other = await w.fx.sprint(w.owner, w.group);
    const a = await addStage(w.owner, { sprintId: sprint, name: 'A', type: 'NEW' });
    const b = await addStage(w.owner, { sprintId: sprint, name: 'B', type: 'WORK' });
    const elsewhere = await addStage(w.owner, { sprintId: other, name: 'X' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.moveItem(task, sprint, 1024);
    await w.fx.link(task, a);
    await w.fx.link(task, b);
    await w.fx.link(task, elsewhere);
    await w.fx.db.updateTable('tasks').set({ stage_id: elsewhere }).where('id', '=', task).execute();
    expectResult(await w.member.call('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint, taskId: task }), true);
    assert.deepEqual(await w.fx.links(task), [elsewhere]);
    // at least one link was removed: STAGE_ID becomes 0 whatever it pointed at
    assert.equal(await w.fx.taskStage(task), 0);
    assert.equal((await w.fx.itemOf(task)).entity_id, sprint);
    assert.ok(await stageRow(w, a));
  });

  test('a task that is not on the board: true, STAGE_ID untouched', async () => {
    const sprint = await w.fx.sprint(w.owner, w.group);
    await addStage(w.owner, { sprintId: sprint, name: 'A' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.db.updateTable('tasks').set({ stage_id: 4242 }).where('id', '=', task).execute();
    expectResult(await w.owner.call('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint, taskId: task }, 'get'), true);
    assert.equal(await w.fx.taskStage(task), 4242);
    // a backlog id is accepted as sprint id
    expectResult(await w.owner.call('tasks.api.scrum.kanban.deleteTask', { sprintId: w.backlog, taskId: task }), true);
  });

  test('binding errors in the order sprintId, taskId', async () => {
    const call = (p: Record<string, unknown>) => w.owner.call('tasks.api.scrum.kanban.deleteTask', p);
    expectError(await call({ taskId: 'x' }), '100', 'Could not find value for parameter {sprintId}');
    expectError(await call({ sprintId: 1 }), '100', 'Could not find value for parameter {taskId}');
    expectError(await call({ sprintId: {}, taskId: 1 }), '100', 'Invalid value {Array} to match with parameter {sprintId}. Should be value of type int.');
  });

  test('every business error is HTTP 200 false and removes nothing', async () => {
    const stage = await addStage(w.owner, { sprintId: w.sprint, name: 'Kept' });
    const task = await w.fx.task(w.owner, w.group);
    await w.fx.link(task, stage);
    const foreignTask = await w.fx.task(w.owner, w.otherGroup);
    const call = (c: Client, sprintId: number, taskId: number) => c.call('tasks.api.scrum.kanban.deleteTask', { sprintId, taskId });
    expectResult(await call(w.owner, 0, task), false);
    expectResult(await call(w.owner, w.sprint, 0), false);
    expectResult(await call(w.owner, 999999, task), false);
    expectResult(await call(w.outsider, w.sprint, task), false);
    expectResult(await call(w.owner, w.sprint, 999999), false);
    expectResult(await call(w.owner, w.sprint, foreignTask), false);
    assert.deepEqual(await w.fx.links(task), [stage]);
  });

  test('strict mode reports the recorded messages in check order', async () => {
    const task = await s.fx.task(s.owner, s.group);
    const foreignTask = await s.fx.task(s.owner, s.otherGroup);
    const call = (c: Client, sprintId: number, taskId: number) => c.call('tasks.api.scrum.kanban.deleteTask', { sprintId, taskId });
    expectError(await call(s.owner, 0, 0), '0', 'Sprint id not found');
    expectError(await call(s.owner, 999999, 0), '0', 'Task id not found');
    expectError(await call(s.outsider, 999999, 999999), '0', 'Sprint not found');
    expectError(await call(s.outsider, s.sprint, 999999), '0', 'Access denied');
    expectError(await call(s.owner, s.sprint, 999999), '0', 'Task not found. The task must be with GROUP_ID');
    expectError(await call(s.owner, s.sprint, foreignTask), '0', 'Task not found. The task must be with GROUP_ID');
    expectResult(await call(s.owner, s.sprint, task), true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('kanban access', () => {
  test('a moderator, a plain member and a non-member administrator may use the board; banned and pending users may not', async () => {
    const moderator = await w.ts.user();
    const banned = await w.ts.user();
    const pending = await w.ts.user();
    await w.fx.setRole(w.group, moderator.userId, 'E');
    await w.fx.setRole(w.group, banned.userId, 'T');
    await w.fx.setRole(w.group, pending.userId, 'Z');
    for (const c of [moderator, w.member, w.ts.admin]) {
      const id = await addStage(c, { sprintId: w.sprint, name: `by ${c.userId}` });
      expectResult(await c.call('tasks.api.scrum.kanban.deleteStage', { stageId: id }), true);
    }
    for (const c of [banned, pending]) {
      expectError(await c.call('tasks.api.scrum.kanban.addStage', { fields: { sprintId: w.sprint, name: 'x' } }), '0', 'Access denied');
      expectError(await c.call('tasks.api.scrum.kanban.getStages', { sprintId: w.sprint }), '0', 'Access denied');
    }
  });
});
