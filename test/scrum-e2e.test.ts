/**
 * One Scrum from start to finish over real HTTP, the way an integration drives it:
 * group → backlog → tasks → epic → sprint → start → board moves → complete → next sprint.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addWebhook } from '../src/domain/webhooks.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { addMember, Client, startTestServer, type TestServer } from './helpers/harness.js';

let t: TestServer;
let master: Client;
before(async () => {
  t = await startTestServer({ timezone: 'Europe/Berlin' });
});
after(() => t.close());

test('a whole sprint cycle and the next sprint', async () => {
  const admin = t.admin;
  // Users: a Scrum master (made moderator so that they may start and complete sprints) and a developer.
  const masterId: number = await admin.result('user.add', { EMAIL: 'master@example.com', NAME: 'Sam', LAST_NAME: 'Master' });
  const devId: number = await admin.result('user.add', { EMAIL: 'dev@example.com', NAME: 'Dana', LAST_NAME: 'Dev' });
  // The Scrum master's own webhook (`scrumd webhook add --user N` in real life).
  const hook = await addWebhook(t.server.app.store.db, { userId: masterId, scopes: ['task', 'sonet_group', 'socialnetwork', 'user'] }, nowSeconds());
  master = new Client(t.origin, masterId, hook.secret);

  const group: number = await admin.result('sonet_group.create', { NAME: 'Team Rocket', PROJECT: 'Y', VISIBLE: 'N', SCRUM_MASTER_ID: masterId });
  const wg = await admin.result('socialnetwork.api.workgroup.get', { params: { groupId: group } });
  assert.equal(wg.TYPE, 'scrum');
  assert.equal(wg.SCRUM_MASTER_ID, masterId);
  await addMember(admin, group, masterId, 'E');
  await addMember(admin, group, devId);

  // Backlog, then tasks: each new task of the Scrum gets an item at the top of the backlog.
  const backlog = await master.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: masterId } });
  const titles = ['Login screen', 'Signup', 'Password reset', 'Profile page'];
  const tasks: number[] = [];
  for (const title of titles) {
    const r = await master.result('tasks.task.add', { fields: { TITLE: title, GROUP_ID: group, RESPONSIBLE_ID: devId } });
    tasks.push(Number(r.task.id));
  }
  for (const id of tasks) assert.equal((await master.result('tasks.api.scrum.task.get', { id })).entityId, backlog.id);

  // An epic, story points, and a sprint holding three of the tasks.
  const epic = await master.result('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'Accounts', color: '#69dafc' } });
  const sprint = await master.result('tasks.api.scrum.sprint.add', {
    fields: { groupId: group, name: 'Sprint 1', createdBy: masterId, status: 'planned', dateStart: '2026-03-23T09:00:00', dateEnd: '2026-04-06T18:00:00' },
  });
  assert.equal(sprint.dateStart, '2026-03-23T09:00:00+01:00');
  assert.equal(sprint.dateEnd, '2026-04-06T18:00:00+02:00', 'summer time began in between');
  for (const [i, id] of tasks.slice(0, 3).entries()) {
    assert.equal(await master.result('tasks.api.scrum.task.update', { id, fields: { entityId: sprint.id, storyPoints: String(i + 1), epicId: epic.id } }), true);
  }
  const list = await master.result('tasks.task.list', { filter: { SPRINT_ID: sprint.id }, select: ['ID'] });
  assert.deepEqual(list.tasks.map((x: { id: string }) => Number(x.id)).sort(), tasks.slice(0, 3).sort());

  // A member may not start; the moderator (Scrum master) may. The board gets the three default columns.
  const dev = await t.user(); // an outsider for good measure
  assert.equal((await dev.call('tasks.api.scrum.sprint.start', { id: sprint.id })).body.error_description, 'Access denied');
  const started = await master.result('tasks.api.scrum.sprint.start', { id: sprint.id });
  assert.equal(started.status, 'active');
  assert.equal(started.dateStart, sprint.dateStart, 'start does not move dates');
  const stages = await master.result('tasks.api.scrum.kanban.getStages', { sprintId: sprint.id });
  assert.deepEqual(
    stages.map((s: { name: string; type: string; sort: string }) => [s.name, s.type, s.sort]),
    [['New', 'NEW', '100'], ['In progress', 'WORK', '200'], ['Finished', 'FINISH', '300']],
  );
  const [NEW, WORK, FINISH] = stages.map((s: { id: string }) => Number(s.id));
  for (const id of tasks.slice(0, 3)) {
    const task = await master.result('tasks.task.get', { taskId: id, select: ['ID', 'STAGE_ID'] });
    assert.equal(Number(task.task.stageId), NEW);
  }

  // Board moves: task 0 to WORK, task 1 completed (it goes to FINISH by itself), task 2 stays in NEW.
  assert.equal(await master.result('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint.id, taskId: tasks[0] }), true);
  assert.equal(await master.result('tasks.api.scrum.kanban.addTask', { sprintId: sprint.id, taskId: tasks[0], stageId: WORK }), true);
  const done = await master.result('tasks.task.complete', { taskId: tasks[1] });
  assert.equal(done.task.status, '5');
  assert.equal(Number((await master.result('tasks.task.get', { taskId: tasks[1], select: ['STAGE_ID'] })).task.stageId), FINISH);

  // Complete the sprint (addressed by group id): the unfinished tasks go back to the top of the backlog.
  const completed = await master.result('tasks.api.scrum.sprint.complete', { id: group });
  assert.equal(completed.id, sprint.id);
  assert.equal(completed.status, 'completed');
  assert.equal((await master.result('tasks.api.scrum.task.get', { id: tasks[1] })).entityId, sprint.id, 'the finished task stays in the sprint');
  for (const id of [tasks[0], tasks[2]]) {
    const item = await master.result('tasks.api.scrum.task.get', { id });
    assert.equal(item.entityId, backlog.id);
    assert.equal(item.epicId, epic.id);
  }
  const backlogOrder = await master.result('tasks.task.list', { filter: { BACKLOG_ID: backlog.id }, select: ['ID'] });
  assert.equal(backlogOrder.tasks.length, 3);
  const sorts = await Promise.all([tasks[0], tasks[2], tasks[3]].map(async (id) => (await master.result('tasks.api.scrum.task.get', { id })).sortFloat));
  assert.ok(sorts[0] < sorts[2] && sorts[1] < sorts[2], 'moved tasks are on top of the backlog');

  // The next sprint copies the board of the last completed one.
  const next = await master.result('tasks.api.scrum.sprint.add', {
    fields: { groupId: group, name: 'Sprint 2', createdBy: masterId, status: 'planned', dateStart: '2026-04-06', dateEnd: '2026-04-20' },
  });
  await master.result('tasks.api.scrum.task.update', { id: tasks[0], fields: { entityId: next.id } });
  const second = await master.result('tasks.api.scrum.sprint.start', { id: next.id });
  assert.equal(second.status, 'active');
  const copied = await master.result('tasks.api.scrum.kanban.getStages', { sprintId: next.id });
  assert.deepEqual(copied.map((s: { name: string; type: string }) => [s.name, s.type]), [['New', 'NEW'], ['In progress', 'WORK'], ['Finished', 'FINISH']]);
  assert.notDeepEqual(copied.map((s: { id: string }) => s.id), stages.map((s: { id: string }) => s.id));
  // The task that was in WORK on the last board goes to the matching column.
  assert.equal(Number((await master.result('tasks.task.get', { taskId: tasks[0], select: ['STAGE_ID'] })).task.stageId), Number(copied[1].id));

  // Lists see both sprints; only one is active.
  const sprints = await master.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: group }, order: { ID: 'asc' } });
  assert.deepEqual(sprints.map((s: { status: string }) => s.status), ['completed', 'active']);

  // Cleanup deletes the Scrum data of the group.
  assert.equal(await admin.result('sonet_group.delete', { GROUP_ID: group }), true);
  assert.equal((await admin.call('tasks.api.scrum.backlog.get', { id: group })).body.error_description, 'Backlog not found');
  assert.equal((await admin.call('tasks.api.scrum.sprint.get', { id: next.id })).body.error_description, 'Sprint not found');
});
