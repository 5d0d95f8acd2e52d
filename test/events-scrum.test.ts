/**
 * Which Scrum and task operations fire which task events (spec events.md §7.2), the cases
 * test/events.test.ts does not cover: status actions, subtasks of tasks in the active sprint,
 * sprint.start's collected subtasks, sprint.complete, stages, epics, backlog/sprint edits and deletes,
 * a task moved into a Scrum next to its parent in the active sprint; and the workgroup events of §7.3
 * (membership, owner, one ONSONETGROUPUPDATE per group, application and call) — deliveries counted per
 * object by a real receiver on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOauthApp, findApp, issueTokens } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { delivererOf } from '../src/events/deliverer.js';
import { createScrum, rawCall, startTestServer, type TestServer } from './helpers/harness.js';
import { Receiver } from './helpers/receiver.js';
import { Fixtures } from './helpers/sprintFixtures.js';

let t: TestServer;
let rx: Receiver;
let token: string;

before(async () => {
  t = await startTestServer();
  rx = await Receiver.start();
  const db = t.server.app.store.db;
  const made = await addOauthApp(db, { title: 'Scrum watcher', scopes: ['task', 'sonet_group'] }, nowSeconds());
  token = (await issueTokens(db, (await findApp(db, made.clientId))!, 1, 'task,sonet_group', nowSeconds())).accessToken;
  for (const event of ['ONTASKADD', 'ONTASKUPDATE', 'ONTASKDELETE', 'ONSONETGROUPADD', 'ONSONETGROUPUPDATE', 'ONSONETGROUPDELETE']) {
    const r = await rawCall(`${t.origin}/rest/event.bind`, { event, handler: `${rx.url}/scrum`, auth: token }, 'json');
    assert.equal(r.status, 200, r.text);
  }
});
after(async () => {
  await t.close();
  await rx.close();
});

/** The events delivered since the last look, as `EVENT:task id`, sorted; the receiver is emptied. */
async function delivered(): Promise<string[]> {
  await delivererOf(t.server.app)!.idle();
  const out = rx.received.map((r) => {
    const d = r.body.data;
    const id = d.FIELDS ? d.FIELDS.ID : d.FIELDS_AFTER === 'undefined' ? d.FIELDS_BEFORE.ID : d.FIELDS_AFTER.ID;
    return `${r.body.event}:${id}${r.path === '/scrum' ? '' : ` ${r.path}`}`;
  });
  rx.received.length = 0;
  return out.sort();
}

const upd = (...ids: number[]) => ids.map((id) => `ONTASKUPDATE:${id}`).sort();

describe('task events of Scrum operations (spec events.md §7.2)', () => {
  test('status actions fire ONTASKUPDATE once each; delete fires ONTASKDELETE only', async () => {
    const id = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Statuses', RESPONSIBLE_ID: 1 } })).task.id);
    assert.deepEqual(await delivered(), [`ONTASKADD:${id}`]);
    for (const action of ['start', 'pause', 'defer', 'complete', 'renew']) {
      await t.admin.result(`tasks.task.${action}`, { taskId: id });
      assert.deepEqual(await delivered(), upd(id), action);
    }
    await t.admin.result('tasks.task.delete', { taskId: id });
    assert.deepEqual(await delivered(), [`ONTASKDELETE:${id}`]);
  });

  test('a sprint from start to completion: which operations fire, which do not', async () => {
    const fx = new Fixtures(t);
    const group = await createScrum(t.admin, 'Events of a sprint');
    assert.deepEqual(await delivered(), [`ONSONETGROUPADD:${group}`]);
    const backlog = await fx.backlog(t.admin, group);
    const sprint = await fx.sprint(t.admin, group);
    const parent = await fx.task(t.admin, group);
    const open = await fx.task(t.admin, group);
    const done = await fx.task(t.admin, group);
    for (const id of [parent, open, done]) await t.admin.result('tasks.api.scrum.task.update', { id, fields: { entityId: sprint } });
    const sub = await fx.task(t.admin, group, { PARENT_ID: parent }); // joins its parent's planned sprint, no board yet
    assert.equal((await fx.itemOf(sub)).entity_id, sprint);
    assert.deepEqual(await delivered(), [parent, open, done, sub].map((id) => `ONTASKADD:${id}`).sort());

    // sprint.start: every open task of the sprint and its collected subtask are put on the board
    await t.admin.result('tasks.api.scrum.sprint.start', { id: sprint });
    assert.deepEqual(await delivered(), upd(parent, open, done, sub));

    // completing a task of the active sprint moves it to FINISH: still one event
    await t.admin.result('tasks.task.complete', { taskId: done });
    assert.deepEqual(await delivered(), upd(done));
    assert.equal(await fx.taskStage(done), await fx.stageId(sprint, 'FINISH'));

    // a subtask of a task in the active sprint: ONTASKADD, and ONTASKUPDATE for its place on the board
    const late = await fx.task(t.admin, group, { PARENT_ID: parent });
    assert.deepEqual(await delivered(), [`ONTASKADD:${late}`, `ONTASKUPDATE:${late}`]);
    assert.equal(await fx.taskStage(late), await fx.stageId(sprint, 'NEW'));

    // a task moved into the Scrum next to its parent in the active sprint: one ONTASKUPDATE (the update's and the board's collapse)
    const moved = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Outside', RESPONSIBLE_ID: 1, PARENT_ID: parent } })).task.id);
    assert.deepEqual(await delivered(), [`ONTASKADD:${moved}`]);
    await t.admin.result('tasks.task.update', { taskId: moved, fields: { GROUP_ID: group } });
    assert.deepEqual(await delivered(), upd(moved));
    assert.equal(await fx.taskStage(moved), await fx.stageId(sprint, 'NEW'));

    // stages, epics, backlog and sprint edits touch no task: nothing
    const stageId = await t.admin.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, name: 'Review', sort: 250 } });
    await t.admin.result('tasks.api.scrum.kanban.updateStage', { stageId, fields: { name: 'Reviewing' } });
    await t.admin.result('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: open, stageId });
    const epic = await t.admin.result('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'Epic', createdBy: 1 } });
    await t.admin.result('tasks.api.scrum.epic.update', { id: epic.id, fields: { name: 'Epic 2' } });
    await t.admin.result('tasks.api.scrum.task.update', { id: open, fields: { epicId: epic.id, storyPoints: '3' } });
    await t.admin.result('tasks.api.scrum.epic.delete', { id: epic.id });
    await t.admin.result('tasks.api.scrum.sprint.update', { id: sprint, fields: { name: 'Renamed sprint' } });
    await t.admin.result('tasks.api.scrum.backlog.update', { id: backlog, fields: { modifiedBy: 1 } });
    // deleteStage drops the links directly (the task's stage is left stale): nothing either
    await t.admin.result('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint, taskId: open }); // ONTASKUPDATE (a link went)
    assert.deepEqual(await delivered(), upd(open));
    const empty = await t.admin.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, name: 'Empty', sort: 260 } });
    await t.admin.result('tasks.api.scrum.kanban.deleteStage', { stageId: empty });
    assert.deepEqual(await delivered(), []);

    // a completed task taken off FINISH: sprint.complete puts it back (ONTASKUPDATE); the open ones go to the backlog silently
    await t.admin.result('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: done, stageId: await fx.stageId(sprint, 'NEW') });
    assert.deepEqual(await delivered(), []);
    await t.admin.result('tasks.api.scrum.sprint.complete', { id: group });
    assert.deepEqual(await delivered(), upd(done));
    assert.equal((await fx.itemOf(parent)).entity_id, backlog);

    // a planned sprint deleted with an item: the item moves to the backlog, no event
    const planned = await fx.sprint(t.admin, group, { name: 'Planned' });
    await t.admin.result('tasks.api.scrum.task.update', { id: open, fields: { entityId: planned } });
    await t.admin.result('tasks.api.scrum.sprint.delete', { id: planned });
    assert.equal((await fx.itemOf(open)).entity_id, backlog);
    assert.deepEqual(await delivered(), []);
  });
});

describe('workgroup events (spec events.md §7.3)', () => {
  test('membership and owner changes fire ONSONETGROUPUPDATE; one per group, application and call', async () => {
    const [u1, u2] = [await t.user(), await t.user()];
    const gid = Number(await t.admin.result('sonet_group.create', { NAME: 'Evented members' }));
    assert.deepEqual(await delivered(), [`ONSONETGROUPADD:${gid}`]);
    const group = [`ONSONETGROUPUPDATE:${gid}`];
    await t.admin.result('sonet_group.user.add', { GROUP_ID: gid, USER_ID: [u1.userId, u2.userId] });
    assert.deepEqual(await delivered(), group, 'user.add');
    await t.admin.result('sonet_group.user.update', { GROUP_ID: gid, USER_ID: [u1.userId], ROLE: 'E' });
    assert.deepEqual(await delivered(), group, 'user.update');
    await t.admin.result('sonet_group.user.delete', { GROUP_ID: gid, USER_ID: [u2.userId] });
    assert.deepEqual(await delivered(), group, 'user.delete');
    await t.admin.result('sonet_group.setowner', { GROUP_ID: gid, USER_ID: u1.userId });
    assert.deepEqual(await delivered(), group, 'setowner');

    // a batch: an update, a rename and a membership change of one group are one event
    await t.admin.result('batch', { halt: 0, cmd: { a: `sonet_group.update?GROUP_ID=${gid}&NAME=One`, b: `sonet_group.update?GROUP_ID=${gid}&NAME=Two`, c: `sonet_group.user.add?GROUP_ID=${gid}&USER_ID[]=${u2.userId}` } });
    assert.deepEqual(await delivered(), group, 'batch');

    // a second ONSONETGROUPUPDATE handler of the same application gets nothing in that call (per application, not per handler)
    const second = await rawCall(`${t.origin}/rest/event.bind`, { event: 'ONSONETGROUPUPDATE', handler: `${rx.url}/second`, auth: token }, 'json');
    assert.equal(second.status, 200, second.text);
    await t.admin.result('sonet_group.update', { GROUP_ID: gid, NAME: 'Three' });
    assert.deepEqual(await delivered(), group, 'one handler of the application');
    const unbound = await rawCall(`${t.origin}/rest/event.unbind`, { event: 'ONSONETGROUPUPDATE', handler: `${rx.url}/second`, auth: token }, 'json');
    assert.deepEqual(unbound.body.result, { count: 1 });

    // created and updated in one call: ONSONETGROUPADD only
    const made = await t.admin.result('batch', { halt: 0, cmd: { a: 'sonet_group.create?NAME=Batched', b: 'sonet_group.update?GROUP_ID=$result[a]&NAME=Renamed' } });
    assert.deepEqual(await delivered(), [`ONSONETGROUPADD:${made.result.a}`]);
    await t.admin.result('sonet_group.delete', { GROUP_ID: gid });
    assert.deepEqual(await delivered(), [`ONSONETGROUPDELETE:${gid}`]);
  });
});
