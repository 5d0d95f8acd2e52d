/**
 * The sprint history (migration 008) over real HTTP, on both dialects: a sequence of REST calls at
 * set portal times (the control API's clock) yields exactly the expected history rows, and the
 * board's burndown and velocity (GET /_scrumd/board/api/sprints/{id}/burndown, /groups/{id}/velocity)
 * the numbers they imply; a sprint started before the history existed says so; a user outside the
 * group is refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { controlCall, startTestServer, toReply, type Client, type TestServer } from './helpers/harness.js';
import { boardSession } from './helpers/browser.js';

let t: TestServer;
let outsider: Client;

const T = (iso: string) => Date.parse(iso) / 1000;

async function freeze(iso: string): Promise<void> {
  const r = await controlCall(t, 'POST', '/_scrumd/clock/freeze', { time: iso });
  assert.equal(r.status, 200, r.text);
}

before(async () => {
  t = await startTestServer();
  outsider = await t.user({ name: 'Outsider' });
});

after(async () => {
  await t?.close();
});

interface Row {
  kind: string;
  task: number;
  in: number;
  points: number;
  done: number;
  at: number;
}

async function historyOf(sprintId: number): Promise<Row[]> {
  const rows = await t.server.app.store.db
    .selectFrom('sprint_history' as never)
    .selectAll()
    .where('sprint_id' as never, '=', sprintId as never)
    .orderBy('id' as never)
    .execute();
  return (rows as unknown as Record<string, unknown>[]).map((r) => ({
    kind: String(r.kind),
    task: Number(r.task_id),
    in: Number(r.in_sprint),
    points: Number(r.points),
    done: Number(r.done),
    at: Number(r.at),
  }));
}

test('REST calls record the sprint history; burndown and velocity follow from it exactly', async () => {
  const a = t.admin;
  await freeze('2030-02-18T09:00:00Z');
  const groupId = await a.result('sonet_group.create', { NAME: 'Historians', PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
  const backlog = await a.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
  const sprint = async (name: string, start: string, end: string) =>
    Number((await a.result('tasks.api.scrum.sprint.add', { fields: { groupId, name, createdBy: 1, status: 'planned', dateStart: start, dateEnd: end } })).id);
  const task = async (title: string) => Number((await a.result('tasks.task.add', { fields: { TITLE: title, GROUP_ID: groupId, RESPONSIBLE_ID: 1 } })).task.id);
  const move = (id: number, entityId: number, storyPoints?: string) =>
    a.result('tasks.api.scrum.task.update', { id, fields: { entityId, ...(storyPoints === undefined ? {} : { storyPoints }) } });

  // an old sprint, run before the history existed (its rows are removed below, as on a database from before migration 008)
  const old = await sprint('Old sprint', '2030-02-18', '2030-02-22');
  const z = await task('Zeta');
  await move(z, old, '4');
  await a.result('tasks.api.scrum.sprint.start', { id: old });
  await a.result('tasks.task.complete', { taskId: z });
  await freeze('2030-02-22T17:00:00Z');
  await a.result('tasks.api.scrum.sprint.complete', { id: groupId });
  await t.server.app.store.db.deleteFrom('sprint_history' as never).where('sprint_id' as never, '=', old as never).execute();

  // the sprint: planned with four items, started on Monday 2030-03-04 09:00
  await freeze('2030-03-04T08:00:00Z');
  const s1 = await sprint('Sprint 1', '2030-03-04', '2030-03-08');
  const [A, B, C, D, E] = [await task('A'), await task('B'), await task('C'), await task('D'), await task('E')];
  await move(A, s1, '3');
  await move(B, s1, '5');
  await move(C, s1, '8');
  await move(E, s1, '1');
  await move(D, backlog.id, '2');
  await freeze('2030-03-04T09:00:00Z');
  await a.result('tasks.api.scrum.sprint.start', { id: s1 });
  // day 0: A completed
  await freeze('2030-03-04T15:00:00Z');
  await a.result('tasks.task.complete', { taskId: A });
  // day 1: D joins the sprint, B's story points 5 → 8
  await freeze('2030-03-05T10:00:00Z');
  await move(D, s1);
  await a.result('tasks.api.scrum.task.update', { id: B, fields: { storyPoints: '8' } });
  // day 2: C completed (through tasks.task.update STATUS)
  await freeze('2030-03-06T11:00:00Z');
  await a.result('tasks.task.update', { taskId: C, fields: { STATUS: 5 } });
  // day 3: C reopened, D back to the backlog
  await freeze('2030-03-07T12:00:00Z');
  await a.result('tasks.task.renew', { taskId: C });
  await move(D, backlog.id);
  // day 4: B completed, C deleted; the sprint completed at 17:00 (E, open, goes to the backlog)
  await freeze('2030-03-08T12:00:00Z');
  await a.result('tasks.task.complete', { taskId: B });
  await a.result('tasks.task.delete', { taskId: C });
  await freeze('2030-03-08T17:00:00Z');
  await a.result('tasks.api.scrum.sprint.complete', { id: groupId });

  const at = (iso: string) => T(iso);
  const r = (kind: string, task: number, inS: number, points: number, done: number, iso: string): Row => ({ kind, task, in: inS, points, done, at: at(iso) });
  assert.deepEqual(await historyOf(s1), [
    r('added', A, 1, 3, 0, '2030-03-04T08:00:00Z'),
    r('added', B, 1, 5, 0, '2030-03-04T08:00:00Z'),
    r('added', C, 1, 8, 0, '2030-03-04T08:00:00Z'),
    r('added', E, 1, 1, 0, '2030-03-04T08:00:00Z'),
    r('start', 0, 0, 0, 0, '2030-03-04T09:00:00Z'),
    r('baseline', A, 1, 3, 0, '2030-03-04T09:00:00Z'),
    r('baseline', B, 1, 5, 0, '2030-03-04T09:00:00Z'),
    r('baseline', C, 1, 8, 0, '2030-03-04T09:00:00Z'),
    r('baseline', E, 1, 1, 0, '2030-03-04T09:00:00Z'),
    r('completed', A, 1, 3, 1, '2030-03-04T15:00:00Z'),
    r('added', D, 1, 2, 0, '2030-03-05T10:00:00Z'),
    r('points', B, 1, 8, 0, '2030-03-05T10:00:00Z'),
    r('completed', C, 1, 8, 1, '2030-03-06T11:00:00Z'),
    r('reopened', C, 1, 8, 0, '2030-03-07T12:00:00Z'),
    r('removed', D, 0, 2, 0, '2030-03-07T12:00:00Z'),
    r('completed', B, 1, 8, 1, '2030-03-08T12:00:00Z'),
    r('removed', C, 0, 8, 0, '2030-03-08T12:00:00Z'),
    r('end', 0, 0, 0, 0, '2030-03-08T17:00:00Z'),
    r('removed', E, 0, 1, 0, '2030-03-08T17:00:00Z'),
  ]);
  // D's moves in the backlog and the old sprint's rows are nowhere else
  assert.deepEqual(await historyOf(backlog.id), []);

  // the board's JSON API, as the administrator
  const board = await boardSession(t, 1);
  const bd = await board.get(`/_scrumd/board/api/sprints/${s1}/burndown`);
  assert.equal(bd.status, 200);
  const b = (await bd.json()).result;
  assert.equal(b.history, true);
  assert.equal(b.startedAtIso, '2030-03-04T09:00:00+00:00');
  assert.equal(b.endsAtIso, '2030-03-08T17:00:00+00:00');
  assert.deepEqual(
    { startScope: b.startScope, startRemaining: b.startRemaining, scopeAdded: b.scopeAdded, scopeRemoved: b.scopeRemoved, completed: b.completed, remaining: b.remaining },
    { startScope: 17, startRemaining: 17, scopeAdded: 5, scopeRemoved: 10, completed: 11, remaining: 1 },
  );
  assert.deepEqual(b.days, [
    { date: '2030-03-04', remaining: 14, ideal: 13.6, added: 0, removed: 0, completed: 3 },
    { date: '2030-03-05', remaining: 19, ideal: 10.2, added: 5, removed: 0, completed: 0 },
    { date: '2030-03-06', remaining: 11, ideal: 6.8, added: 0, removed: 0, completed: 8 },
    { date: '2030-03-07', remaining: 17, ideal: 3.4, added: 0, removed: 2, completed: -8 },
    { date: '2030-03-08', remaining: 1, ideal: 0, added: 0, removed: 8, completed: 8 },
  ]);

  const oldB = (await (await board.get(`/_scrumd/board/api/sprints/${old}/burndown`)).json()).result;
  assert.equal(oldB.history, false);
  assert.match(oldB.reason, /before scrumd kept a sprint history/);
  assert.deepEqual(oldB.days, []);

  const v = await board.get(`/_scrumd/board/api/groups/${groupId}/velocity`);
  assert.equal(v.status, 200);
  assert.deepEqual((await v.json()).result, {
    groupId,
    sprints: [
      { sprintId: old, name: 'Old sprint', history: false, committed: null, completed: null },
      { sprintId: s1, name: 'Sprint 1', history: true, committed: 17, completed: 11 },
    ],
    average: 11,
  });

  // a user outside the group: refused with the answer of the REST read (tasks.api.scrum.sprint.get);
  // so is an unknown sprint or group and an id that is not one
  const rest = await outsider.call('tasks.api.scrum.sprint.get', { id: s1 });
  assert.deepEqual({ status: rest.status, error: rest.body.error, error_description: rest.body.error_description }, { status: 400, error: '0', error_description: 'Access denied' });
  const outside = await boardSession(t, outsider.userId);
  const refused = async (s: typeof board, path: string) => {
    const res = await toReply(await s.get(path));
    assert.deepEqual({ status: res.status, body: res.body }, { status: 400, body: { error: '0', error_description: 'Access denied' } }, path);
  };
  await refused(outside, `/_scrumd/board/api/sprints/${s1}/burndown`);
  await refused(outside, `/_scrumd/board/api/groups/${groupId}/velocity`);
  for (const path of ['/_scrumd/board/api/sprints/999999/burndown', '/_scrumd/board/api/sprints/abc/burndown', '/_scrumd/board/api/groups/0/velocity', `/_scrumd/board/api/sprints/${backlog.id}/burndown`, '/_scrumd/board/api/sprints/99999999999999999999/burndown']) {
    await refused(board, path);
  }
  // without a session
  const none = await fetch(`${t.origin}/_scrumd/board/api/sprints/${s1}/burndown`);
  assert.equal(none.status, 401);
});

test('an active sprint: days still to come have no remaining value; a planned one has no burndown', async () => {
  const a = t.admin;
  await freeze('2030-04-01T10:00:00Z');
  const groupId = await a.result('sonet_group.create', { NAME: 'Runners', PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
  await a.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
  const s = Number((await a.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Running', createdBy: 1, status: 'planned', dateStart: '2030-04-01', dateEnd: '2030-04-03' } })).id);
  const board = await boardSession(t, 1);
  const planned = (await (await board.get(`/_scrumd/board/api/sprints/${s}/burndown`)).json()).result;
  assert.equal(planned.history, false);
  assert.match(planned.reason, /not started/);
  const x = Number((await a.result('tasks.task.add', { fields: { TITLE: 'X', GROUP_ID: groupId, RESPONSIBLE_ID: 1 } })).task.id);
  await a.result('tasks.api.scrum.task.update', { id: x, fields: { entityId: s, storyPoints: 'XL' } });
  const y = Number((await a.result('tasks.task.add', { fields: { TITLE: 'Y', GROUP_ID: groupId, RESPONSIBLE_ID: 1 } })).task.id);
  await a.result('tasks.api.scrum.task.update', { id: y, fields: { entityId: s, storyPoints: '2.5' } });
  await a.result('tasks.api.scrum.sprint.start', { id: s });
  await freeze('2030-04-02T10:00:00Z');
  await a.result('tasks.task.complete', { taskId: y });
  const b = (await (await board.get(`/_scrumd/board/api/sprints/${s}/burndown`)).json()).result;
  assert.equal(b.history, true);
  // 'XL' is not a number: it counts 0
  assert.equal(b.startScope, 2.5);
  assert.deepEqual(
    b.days.map((d: { date: string; remaining: number | null }) => [d.date, d.remaining]),
    [
      ['2030-04-01', 2.5],
      ['2030-04-02', 0],
      ['2030-04-03', null],
    ],
  );
  const v = (await (await board.get(`/_scrumd/board/api/groups/${groupId}/velocity`)).json()).result;
  assert.deepEqual(v, { groupId, sprints: [], average: null });
});

test('a status set by sprint.update (or sprint.add) starts and closes the sprint in the history as well', async () => {
  const a = t.admin;
  await freeze('2030-06-03T09:00:00Z');
  const groupId = await a.result('sonet_group.create', { NAME: 'Updaters', PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
  await a.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
  const s = Number((await a.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Updated', createdBy: 1, status: 'planned', dateStart: '2030-06-03', dateEnd: '2030-06-04' } })).id);
  const x = Number((await a.result('tasks.task.add', { fields: { TITLE: 'X', GROUP_ID: groupId, RESPONSIBLE_ID: 1 } })).task.id);
  await a.result('tasks.api.scrum.task.update', { id: x, fields: { entityId: s, storyPoints: '5' } });
  await a.result('tasks.api.scrum.sprint.update', { id: s, fields: { status: 'active' } });
  await freeze('2030-06-04T10:00:00Z');
  await a.result('tasks.task.complete', { taskId: x });
  await a.result('tasks.api.scrum.sprint.update', { id: s, fields: { status: 'completed' } });
  assert.deepEqual(
    (await historyOf(s)).map((r) => [r.kind, r.task === 0 ? 0 : 'x', r.points, r.done]),
    [
      ['added', 'x', 5, 0],
      ['start', 0, 0, 0],
      ['baseline', 'x', 5, 0],
      ['completed', 'x', 5, 1],
      ['end', 0, 0, 0],
    ],
  );
  // added as active: started at once, with nothing in it
  const s2 = Number((await a.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Born active', createdBy: 1, status: 'active', dateStart: '2030-06-04', dateEnd: '2030-06-05' } })).id);
  assert.deepEqual((await historyOf(s2)).map((r) => r.kind), ['start']);
  const board = await boardSession(t, 1);
  const v = (await (await board.get(`/_scrumd/board/api/groups/${groupId}/velocity`)).json()).result;
  assert.deepEqual(v.sprints, [{ sprintId: s, name: 'Updated', history: true, committed: 5, completed: 5 }]);
  const b = (await (await board.get(`/_scrumd/board/api/sprints/${s2}/burndown`)).json()).result;
  assert.equal(b.history, true);
  assert.equal(b.startScope, 0);
});
