/**
 * tasks.api.scrum.sprint.start and sprint.complete (scrum-api.md A3, A4, A5.2, C2.3, C2.4, B9) over
 * real HTTP: check order, boards (default and copied), task placement and stage mapping, item moves
 * in the A4 order, the fallback sprint, rights, the swallowed completion failure with and without
 * strict mode, and concurrent starts.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { addMember, createScrum, type Client, type Reply, type TestServer, startTestServer } from './helpers/harness.js';
import { Fixtures, expectError, expectResult } from './helpers/sprintFixtures.js';

const DATE_START = '2024-07-01T09:00:00+00:00';
const DATE_END = '2024-07-15T09:00:00+00:00';
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;

let ts: TestServer;
let strict: TestServer;
let fx: Fixtures;
let sfx: Fixtures;
let owner: Client;
let member: Client;
let outsider: Client;
let strictOwner: Client;

before(async () => {
  ts = await startTestServer();
  strict = await startTestServer({ strictErrors: true });
  fx = new Fixtures(ts);
  sfx = new Fixtures(strict);
  owner = await ts.user();
  member = await ts.user();
  outsider = await ts.user();
  strictOwner = await strict.user();
});

after(async () => {
  await ts.close();
  await strict.close();
});

/** UTC rendering of Unix seconds (the test portal runs in UTC). */
function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function assertNow(s: unknown): void {
  assert.match(String(s), ISO_RE);
  assert.ok(Math.abs(Date.parse(String(s)) - Date.now()) < 60_000, `${String(s)} is not now`);
}

/** A Scrum of `owner` with the member added and, unless asked otherwise, a backlog. */
async function team(opts: { backlog?: boolean; f?: Fixtures; c?: Client; name?: string } = {}) {
  const f = opts.f ?? fx;
  const c = opts.c ?? owner;
  const group = await createScrum(c, opts.name ?? 'Lifecycle');
  if (c === owner) await f.ts.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [member.userId] });
  const backlog = opts.backlog === false ? 0 : await f.backlog(c, group);
  return { group, backlog };
}

const start = (c: Client, id: unknown) => c.call('tasks.api.scrum.sprint.start', { id });
const complete = (c: Client, id: unknown) => c.call('tasks.api.scrum.sprint.complete', { id });

async function startOk(c: Client, id: number): Promise<Record<string, any>> {
  const r = await start(c, id);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

async function completeOk(c: Client, groupId: number): Promise<Record<string, any>> {
  const r = await complete(c, groupId);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

async function stagesOf(c: Client, sprintId: number): Promise<any[]> {
  return c.result('tasks.api.scrum.kanban.getStages', { sprintId });
}

/** Moves a task to one column as a client would: off the board, then onto the stage. */
async function moveOnBoard(c: Client, sprintId: number, taskId: number, stageId: number): Promise<void> {
  expectResult(await c.call('tasks.api.scrum.kanban.deleteTask', { sprintId, taskId }), true);
  expectResult(await c.call('tasks.api.scrum.kanban.addTask', { sprintId, taskId, stageId }), true);
}

async function setStatus(f: Fixtures, taskId: number, status: number): Promise<void> {
  await f.db.updateTable('tasks').set({ status }).where('id', '=', taskId).execute();
}

async function activeSprints(f: Fixtures, groupId: number) {
  return f.db.selectFrom('scrum_entities').select('id').where('group_id', '=', groupId).where('status', '=', 'active').execute();
}

/** Runs raw DDL on the test database; the statements are given per dialect. */
async function ddl(f: Fixtures, statements: { sqlite: string[]; postgres: string[] }): Promise<void> {
  for (const s of statements[f.ts.server.app.store.dialect]) await sql.raw(s).execute(f.db);
}

// =============================================================================================
// sprint.start

describe('sprint.start', () => {
  test('starts a planned sprint: the default board, open tasks and their open subtasks on NEW, dates unchanged', async () => {
    const { group, backlog } = await team();
    const other = await createScrum(owner, 'Elsewhere');
    const sprint = await fx.sprint(owner, group, { name: 'Sprint 1', sort: 5 });
    const t1 = await fx.task(owner, group, { TITLE: 'Parent' });
    const t2 = await fx.task(owner, group);
    const sub = await fx.task(owner, group, { PARENT_ID: t1 }); // its item stays in the backlog
    const doneSub = await fx.task(owner, group, { PARENT_ID: t1, STATUS: 5 });
    const foreignSub = await fx.task(owner, other, { PARENT_ID: t1 });
    const unrelated = await fx.task(owner, group);
    const binSub = await fx.task(owner, group, { PARENT_ID: t2 });
    await fx.db.updateTable('scrum_items').set({ active: 'N' }).where('source_id', '=', binSub).execute();
    await fx.moveItem(t1, sprint, 1024);
    await fx.moveItem(t2, sprint, 2048);
    await fx.moveItem(sub, backlog, 1024);

    const r = await start(owner, sprint);
    expectResult(r, {
      id: sprint,
      groupId: group,
      entityType: 'sprint',
      name: 'Sprint 1',
      goal: '',
      sort: 0,
      createdBy: owner.userId,
      modifiedBy: owner.userId,
      dateStart: DATE_START,
      dateEnd: DATE_END,
      status: 'active',
    });
    const stages = await stagesOf(owner, sprint);
    const ids = (await fx.stages(sprint)).map((s) => String(s.id));
    assert.deepEqual(stages, [
      { id: ids[0], name: 'New', sort: '100', type: 'NEW', sprintId: String(sprint), color: '00C4FB' },
      { id: ids[1], name: 'In progress', sort: '200', type: 'WORK', sprintId: String(sprint), color: '47D1E2' },
      { id: ids[2], name: 'Finished', sort: '300', type: 'FINISH', sprintId: String(sprint), color: '75D900' },
    ]);
    // the defaults are stored with their titles, not as empty titles
    assert.deepEqual((await fx.stages(sprint)).map((s) => s.title), ['New', 'In progress', 'Finished']);
    const NEW = Number(ids[0]);
    for (const t of [t1, t2, sub]) {
      assert.deepEqual(await fx.links(t), [NEW], `task ${t}`);
      assert.equal(await fx.taskStage(t), NEW);
    }
    // not on the board: a completed subtask, a subtask of another group, a task not in the sprint, a subtask in the recycle bin
    for (const t of [doneSub, foreignSub, unrelated, binSub]) {
      assert.deepEqual(await fx.links(t), [], `task ${t}`);
      assert.equal(await fx.taskStage(t), 0);
    }
    // items are not moved for open tasks; the subtask's item stays in the backlog
    assert.deepEqual(await fx.items(sprint), [{ task: t1, sort: 1024 }, { task: t2, sort: 2048 }]);
    assert.equal((await fx.itemOf(sub)).entity_id, backlog);
    const row = await fx.sprintRow(sprint);
    assert.equal(row.status, 'active');
    assert.equal(row.sort, 0);
    assert.equal(utc(row.date_start!), DATE_START);
    assert.equal(utc(row.date_end!), DATE_END);
    assert.equal(row.modified_by, owner.userId);
    expectResult(await owner.call('tasks.api.scrum.sprint.get', { id: sprint }), r.body.result);
  });

  test('completed tasks and their open subtasks leave for the top of the backlog in sprint order (A4)', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group);
    const x1 = await fx.task(owner, group);
    const x2 = await fx.task(owner, group);
    await fx.moveItem(x1, backlog, 10);
    await fx.moveItem(x2, backlog, 20);
    const o1 = await fx.task(owner, group);
    const c1 = await fx.task(owner, group, { STATUS: 5 });
    const o2 = await fx.task(owner, group);
    const c2 = await fx.task(owner, group, { STATUS: 5 });
    const c1sub = await fx.task(owner, group, { PARENT_ID: c1 });
    const c1doneSub = await fx.task(owner, group, { PARENT_ID: c1, STATUS: 5 });
    const c2subInBacklog = await fx.task(owner, group, { PARENT_ID: c2 });
    await fx.moveItem(o1, sprint, 10);
    await fx.moveItem(c1, sprint, 20);
    await fx.moveItem(o2, sprint, 30);
    await fx.moveItem(c2, sprint, 40);
    await fx.moveItem(c1sub, sprint, 50);
    await fx.moveItem(c1doneSub, sprint, 60);
    await fx.moveItem(c2subInBacklog, backlog, 30);

    await startOk(owner, sprint);
    // only the sprint's items move: c1, c2, c1's open subtask and the completed subtask, in their order,
    // above the backlog's own items; then the backlog is renumbered 1024, 2048, …
    assert.deepEqual(await fx.items(backlog), [
      { task: c1, sort: 1024 },
      { task: c2, sort: 2048 },
      { task: c1sub, sort: 3072 },
      { task: c1doneSub, sort: 4096 },
      { task: x1, sort: 5120 },
      { task: x2, sort: 6144 },
      { task: c2subInBacklog, sort: 7168 },
    ]);
    assert.deepEqual(await fx.items(sprint), [{ task: o1, sort: 10 }, { task: o2, sort: 30 }]);
    const NEW = await fx.stageId(sprint, 'NEW');
    assert.deepEqual(await fx.links(o1), [NEW]);
    assert.deepEqual(await fx.links(o2), [NEW]);
    // tasks that left for the backlog are not put on the board
    for (const t of [c1, c2, c1sub, c1doneSub, c2subInBacklog]) assert.deepEqual(await fx.links(t), [], `task ${t}`);
  });

  test('without a backlog the completed tasks stay in the sprint, off the board (N8)', async () => {
    const { group } = await team({ backlog: false });
    const sprint = await fx.sprint(owner, group);
    const open = await fx.task(owner, group);
    const done = await fx.task(owner, group, { STATUS: 5 });
    await fx.moveItem(open, sprint, 1024);
    await fx.moveItem(done, sprint, 2048);
    await startOk(owner, sprint);
    assert.deepEqual(await fx.items(sprint), [{ task: open, sort: 1024 }, { task: done, sort: 2048 }]);
    assert.deepEqual(await fx.links(open), [await fx.stageId(sprint, 'NEW')]);
    assert.deepEqual(await fx.links(done), []);
  });

  test('a sprint without open tasks cannot start; the board and the moves before the failure stay', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group, { sort: 7 });
    const done = await fx.task(owner, group, { STATUS: 5 });
    const inBin = await fx.task(owner, group);
    await fx.moveItem(done, sprint, 1024);
    await fx.moveItem(inBin, sprint, 2048);
    await fx.db.updateTable('scrum_items').set({ active: 'N' }).where('source_id', '=', inBin).execute();
    expectError(await start(owner, sprint), '0', 'Unable to start sprint');
    const row = await fx.sprintRow(sprint);
    assert.equal(row.status, 'planned');
    assert.equal(row.sort, 7);
    // steps 4 and 6 ran before step 8 failed, and the reference does not undo them
    assert.deepEqual((await stagesOf(owner, sprint)).map((s) => s.name), ['New', 'In progress', 'Finished']);
    assert.equal((await fx.itemOf(done)).entity_id, backlog);
    assert.equal((await fx.itemOf(inBin)).entity_id, sprint);
    assert.deepEqual(await fx.links(inBin), []);

    const empty = await fx.sprint(owner, group);
    expectError(await start(owner, empty), '0', 'Unable to start sprint');
    assert.equal((await fx.sprintRow(empty)).status, 'planned');
    assert.equal((await fx.stages(empty)).length, 3);
  });

  test('a group with an active sprint: Unable to start sprint, nothing created', async () => {
    const { group } = await team();
    await fx.sprint(owner, group, { status: 'active' });
    const sprint = await fx.sprint(owner, group);
    const t = await fx.task(owner, group);
    await fx.moveItem(t, sprint, 1024);
    expectError(await start(owner, sprint), '0', 'Unable to start sprint');
    assert.equal((await fx.sprintRow(sprint)).status, 'planned');
    assert.equal((await fx.stages(sprint)).length, 0);
    assert.deepEqual(await fx.links(t), []);
  });

  test('stages added before the start are kept; tasks go to the first NEW column in sort order', async () => {
    const { group } = await team();
    const sprint = await fx.sprint(owner, group);
    const add = (fields: Record<string, unknown>) => owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, ...fields } });
    await add({ name: 'Doing', type: 'WORK', sort: 50 });
    const later = await add({ name: 'Later', type: 'NEW', sort: 400 });
    const inbox = await add({ name: 'Inbox', type: 'NEW', sort: 300 });
    const before = await stagesOf(owner, sprint);
    const t = await fx.task(owner, group);
    await fx.moveItem(t, sprint, 1024);
    await startOk(owner, sprint);
    assert.deepEqual(await stagesOf(owner, sprint), before);
    assert.deepEqual(await fx.links(t), [inbox]);
    assert.notEqual(inbox, later);
    assert.equal(await fx.taskStage(t), inbox);
  });

  test('a board without NEW column cannot start; completed tasks were already moved to the backlog', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group);
    await owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, name: 'Only work', type: 'WORK' } });
    const open = await fx.task(owner, group);
    const done = await fx.task(owner, group, { STATUS: 5 });
    await fx.moveItem(open, sprint, 1024);
    await fx.moveItem(done, sprint, 2048);
    expectError(await start(owner, sprint), '0', 'Unable to start sprint');
    assert.equal((await fx.sprintRow(sprint)).status, 'planned');
    assert.equal((await fx.itemOf(done)).entity_id, backlog);
    assert.equal((await fx.itemOf(open)).entity_id, sprint);
    assert.deepEqual(await fx.links(open), []);
  });

  test('the board of the last completed sprint is copied and tasks return to their mapped column', async () => {
    const { group, backlog } = await team();
    const s1 = await fx.sprint(owner, group, { name: 'S1' });
    const [a, b, c, d] = [await fx.task(owner, group), await fx.task(owner, group), await fx.task(owner, group), await fx.task(owner, group)];
    for (const [i, t] of [a, b, c, d].entries()) await fx.moveItem(t, s1, (i + 1) * 1024);
    await startOk(owner, s1);
    const st = await fx.stages(s1);
    const [NEW1, WORK1, FINISH1] = st.map((s) => s.id);
    expectResult(await owner.call('tasks.api.scrum.kanban.updateStage', { stageId: WORK1, fields: { name: 'Doing', color: 'ABCDEF' } }), true);
    const review1 = await owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: s1, name: 'Review', type: 'WORK', sort: 250, color: 'AAAAAA' } });
    await moveOnBoard(owner, s1, a, WORK1!);
    await moveOnBoard(owner, s1, b, review1);
    await moveOnBoard(owner, s1, d, FINISH1!);
    await setStatus(fx, d, 5);
    // an older completed sprint with another board: not the latest DATE_END, so not copied
    const old = await fx.sprint(owner, group, { status: 'completed', dateEnd: '2020-01-01T00:00:00+00:00' });
    await owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: old, name: 'Old', type: 'NEW' } });
    await completeOk(owner, group);
    assert.deepEqual((await fx.items(backlog)).map((i) => i.task), [a, b, c]);

    const s2 = await fx.sprint(owner, group, { name: 'S2' });
    const e = await fx.task(owner, group);
    for (const [i, t] of [a, b, c, e].entries()) await fx.moveItem(t, s2, (i + 1) * 1024);
    await startOk(owner, s2);
    const copied = await stagesOf(owner, s2);
    assert.deepEqual(
      copied.map(({ name, sort, type, sprintId, color }) => ({ name, sort, type, sprintId, color })),
      [
        { name: 'New', sort: '100', type: 'NEW', sprintId: String(s2), color: '00C4FB' },
        { name: 'Doing', sort: '200', type: 'WORK', sprintId: String(s2), color: 'ABCDEF' },
        { name: 'Review', sort: '300', type: 'WORK', sprintId: String(s2), color: 'AAAAAA' },
        { name: 'Finished', sort: '400', type: 'FINISH', sprintId: String(s2), color: '75D900' },
      ],
    );
    const [NEW2, DOING2, REVIEW2] = copied.map((s) => Number(s.id));
    // the S1 links survive S1's completion; S2 adds its own
    assert.deepEqual(await fx.links(a), [WORK1!, DOING2!]);
    assert.deepEqual(await fx.links(b), [review1, REVIEW2!]);
    assert.deepEqual(await fx.links(c), [NEW1!, NEW2!]);
    assert.deepEqual(await fx.links(e), [NEW2!]);
    assert.equal(await fx.taskStage(a), DOING2);
    assert.equal(await fx.taskStage(b), REVIEW2);
    assert.equal(await fx.taskStage(c), NEW2);
    assert.equal(await fx.taskStage(e), NEW2);
  });

  test('boards with different numbers of stages are not mapped: tasks go to NEW', async () => {
    const { group } = await team();
    const s1 = await fx.sprint(owner, group);
    const t = await fx.task(owner, group);
    await fx.moveItem(t, s1, 1024);
    await startOk(owner, s1);
    await moveOnBoard(owner, s1, t, await fx.stageId(s1, 'WORK'));
    await completeOk(owner, group);

    const s2 = await fx.sprint(owner, group);
    const add = (fields: Record<string, unknown>) => owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: s2, ...fields } });
    const n = await add({ name: 'New', type: 'NEW', sort: 100 });
    await add({ name: 'In progress', type: 'WORK', sort: 200 });
    await fx.moveItem(t, s2, 1024);
    await startOk(owner, s2);
    assert.equal(await fx.taskStage(t), n);
  });

  test('a last completed sprint without board makes the start fail; once it has one, that board is copied', async () => {
    const { group } = await team();
    const last = await fx.sprint(owner, group, { status: 'completed', dateEnd: '2030-01-01T00:00:00+00:00' });
    const sprint = await fx.sprint(owner, group);
    const t = await fx.task(owner, group);
    await fx.moveItem(t, sprint, 1024);
    expectError(await start(owner, sprint), '0', 'Unable to start sprint');
    assert.equal((await fx.stages(sprint)).length, 0);
    assert.equal((await fx.sprintRow(sprint)).status, 'planned');

    await owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: last, name: 'Only', type: 'NEW', sort: 7, color: '' } });
    await startOk(owner, sprint);
    const stages = await stagesOf(owner, sprint);
    assert.deepEqual(stages.map(({ name, sort, type, color }) => ({ name, sort, type, color })), [{ name: 'Only', sort: '100', type: 'NEW', color: '47D1E2' }]);
    assert.deepEqual((await fx.stages(sprint)).map((s) => s.color), ['']);
    assert.deepEqual(await fx.links(t), [Number(stages[0].id)]);
  });

  test('errors in check order', async () => {
    const { group, backlog } = await team();
    const active = await fx.sprint(owner, group, { status: 'active' });
    const completed = await fx.sprint(owner, group, { status: 'completed' });
    expectError(await owner.call('tasks.api.scrum.sprint.start', {}), '100', 'Could not find value for parameter {id}');
    expectError(await start(owner, 'abc'), '100', 'Invalid value {abc} to match with parameter {id}. Should be value of type int.');
    expectError(await start(owner, null), '100', 'Invalid value {} to match with parameter {id}. Should be value of type int.');
    expectError(await start(outsider, 0), '0', 'Sprint id not found');
    expectError(await start(outsider, '0'), '0', 'Sprint id not found');
    expectError(await start(outsider, 999999), '0', 'Sprint not found');
    expectError(await start(outsider, backlog), '0', 'Sprint not found');
    // the status is checked before the rights
    expectError(await start(outsider, active), '0', 'Sprint must be planned');
    expectError(await start(owner, completed), '0', 'Sprint must be planned');
    const planned = await fx.sprint(owner, group);
    expectError(await start(outsider, planned), '0', 'Access denied');
    expectError(await start(member, planned), '0', 'Access denied');
  });

  test('the start right: owner, moderator, administrator; not a member, not a Scrum master without moderator role', async () => {
    const master = await ts.user();
    const moderator = await ts.user();
    const banned = await ts.user();
    const group: number = await owner.result('sonet_group.create', { NAME: 'Rights', PROJECT: 'Y', SCRUM_MASTER_ID: master.userId });
    await fx.backlog(owner, group);
    await addMember(ts.admin, group, master.userId);
    await addMember(ts.admin, group, member.userId);
    await addMember(ts.admin, group, moderator.userId, 'E');
    await fx.setRole(group, banned.userId, 'T');
    const planned = async () => {
      const s = await fx.sprint(owner, group);
      await fx.moveItem(await fx.task(owner, group), s, 1024);
      return s;
    };
    const s = await planned();
    for (const c of [member, master, banned, outsider]) expectError(await start(c, s), '0', 'Access denied');
    for (const c of [owner, moderator, ts.admin]) {
      const id = c === owner ? s : await planned();
      assert.equal((await startOk(c, id)).status, 'active');
      for (const x of [member, master, outsider]) expectError(await complete(x, group), '0', 'Access denied');
      assert.equal((await completeOk(c, group)).status, 'completed');
    }
  });

  test('ten simultaneous starts of two planned sprints of one group: exactly one becomes active', async () => {
    const { group } = await team();
    const sprints = [await fx.sprint(owner, group), await fx.sprint(owner, group)];
    for (const s of sprints) await fx.moveItem(await fx.task(owner, group), s, 1024);
    const replies: Reply[] = await Promise.all(Array.from({ length: 10 }, (_, i) => start(owner, sprints[i % 2])));
    const ok = replies.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, replies.map((r) => r.text).join('\n'));
    for (const r of replies.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 400);
      assert.equal(r.body.error, '0');
      assert.ok(['Unable to start sprint', 'Sprint must be planned'].includes(r.body.error_description), r.text);
    }
    const winner = ok[0]!.body.result.id;
    assert.deepEqual((await activeSprints(fx, group)).map((r) => r.id), [winner]);
    const loser = sprints.find((s) => s !== winner)!;
    assert.equal((await fx.sprintRow(loser)).status, 'planned');
    // the board was built once, for the winner only
    assert.equal((await fx.stages(winner)).length, 3);
    assert.equal((await fx.stages(loser)).length, 0);
  });

  test('a unique-index violation at the final write (another sprint became active meanwhile) is "Unable to start sprint" and undoes the call', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group);
    const rival = await fx.sprint(owner, group);
    const open = await fx.task(owner, group);
    const done = await fx.task(owner, group, { STATUS: 5 });
    await fx.moveItem(open, sprint, 1024);
    await fx.moveItem(done, sprint, 2048);
    // another writer activates the rival while the start is running (after step 2)
    await ddl(fx, {
      sqlite: [
        `CREATE TRIGGER race AFTER INSERT ON kanban_stages WHEN NEW.entity_id = ${sprint} BEGIN UPDATE scrum_entities SET status = 'active' WHERE id = ${rival}; END`,
      ],
      postgres: [
        `CREATE FUNCTION race_fn() RETURNS trigger AS $$ BEGIN IF NEW.entity_id = ${sprint} THEN UPDATE scrum_entities SET status = 'active' WHERE id = ${rival}; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
        'CREATE TRIGGER race AFTER INSERT ON kanban_stages FOR EACH ROW EXECUTE FUNCTION race_fn()',
      ],
    });
    try {
      expectError(await start(owner, sprint), '0', 'Unable to start sprint');
    } finally {
      await ddl(fx, { sqlite: ['DROP TRIGGER race'], postgres: ['DROP TRIGGER race ON kanban_stages', 'DROP FUNCTION race_fn()'] });
    }
    assert.equal((await fx.sprintRow(sprint)).status, 'planned');
    assert.equal((await fx.sprintRow(rival)).status, 'planned');
    assert.equal((await fx.stages(sprint)).length, 0);
    assert.equal((await fx.itemOf(done)).entity_id, sprint);
    assert.notEqual((await fx.itemOf(done)).entity_id, backlog);
    assert.deepEqual(await fx.links(open), []);
  });
});

// =============================================================================================
// sprint.complete

describe('sprint.complete', () => {
  test('errors in check order', async () => {
    const { group } = await team();
    expectError(await owner.call('tasks.api.scrum.sprint.complete', {}), '100', 'Could not find value for parameter {id}');
    expectError(await complete(owner, 'x'), '100', 'Invalid value {x} to match with parameter {id}. Should be value of type int.');
    expectError(await complete(owner, [group]), '100', 'Invalid value {Array} to match with parameter {id}. Should be value of type int.');
    expectError(await complete(outsider, 0), '0', 'Group id not found');
    // no active sprint is found before the rights are checked
    expectError(await complete(outsider, group), '0', 'Sprint not found');
    expectError(await complete(owner, 999999), '0', 'Sprint not found');
    expectError(await complete(owner, -3), '0', 'Sprint not found');
    const sprint = await fx.sprint(owner, group);
    // the id is the group's, not the sprint's
    expectError(await complete(owner, sprint), '0', 'Sprint not found');
    await fx.sprint(owner, group, { status: 'active' });
    expectError(await complete(outsider, group), '0', 'Access denied');
    expectError(await complete(member, group), '0', 'Access denied');
  });

  test('completes the active sprint: FINISH tasks stay, open tasks go to the top of the backlog, completed ones to the last FINISH column', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group, { name: 'Done soon', sort: 3 });
    const x1 = await fx.task(owner, group);
    const x2 = await fx.task(owner, group);
    const n1 = await fx.task(owner, group);
    const w1 = await fx.task(owner, group);
    const dual = await fx.task(owner, group);
    const f1 = await fx.task(owner, group);
    const f2 = await fx.task(owner, group);
    const wc = await fx.task(owner, group);
    const bin = await fx.task(owner, group);
    const late = await fx.task(owner, group);
    await fx.moveItem(x1, backlog, 10);
    await fx.moveItem(x2, backlog, 20);
    await fx.moveItem(n1, sprint, 3000);
    await fx.moveItem(w1, sprint, 1000);
    await fx.moveItem(dual, sprint, 2000);
    for (const [i, t] of [f1, f2, wc, bin].entries()) await fx.moveItem(t, sprint, 4000 + i);
    await startOk(owner, sprint);
    const NEW = await fx.stageId(sprint, 'NEW');
    const WORK = await fx.stageId(sprint, 'WORK');
    const FINISH = await fx.stageId(sprint, 'FINISH');
    const accepted: number = await owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, name: 'Accepted', type: 'FINISH', sort: 400 } });
    await moveOnBoard(owner, sprint, w1, WORK);
    await moveOnBoard(owner, sprint, dual, WORK);
    expectResult(await owner.call('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: dual, stageId: FINISH }), true);
    await moveOnBoard(owner, sprint, f1, FINISH);
    await moveOnBoard(owner, sprint, f2, FINISH);
    await moveOnBoard(owner, sprint, wc, WORK);
    await setStatus(fx, f1, 5);
    await setStatus(fx, wc, 5); // completed but still in a WORK column
    await moveOnBoard(owner, sprint, bin, WORK);
    await fx.db.updateTable('scrum_items').set({ active: 'N' }).where('source_id', '=', bin).execute();
    await fx.moveItem(late, sprint, 5000); // attached after the start: never on the board
    const stagesBefore = await stagesOf(owner, sprint);
    const linksBefore = { n1: await fx.links(n1), w1: await fx.links(w1) };
    // kanban.deleteTask reset w1's STAGE_ID and kanban.addTask does not set it
    assert.equal(await fx.taskStage(w1), 0);

    const r = await complete(owner, group);
    assert.equal(r.status, 200, r.text);
    const result = r.body.result;
    assertNow(result.dateEnd);
    assert.deepEqual(result, {
      id: sprint,
      groupId: group,
      entityType: 'sprint',
      name: 'Done soon',
      goal: '',
      sort: 0,
      createdBy: owner.userId,
      modifiedBy: owner.userId,
      dateStart: DATE_START,
      dateEnd: result.dateEnd,
      status: 'completed',
    });
    const row = await fx.sprintRow(sprint);
    assert.equal(row.status, 'completed');
    assert.equal(row.sort, 0);
    assert.equal(utc(row.date_end!), result.dateEnd);
    assert.equal(utc(row.date_start!), DATE_START);
    expectResult(await owner.call('tasks.api.scrum.sprint.get', { id: sprint }), result);
    assert.equal((await activeSprints(fx, group)).length, 0);

    // unfinished open tasks at the top of the backlog in their sprint order, then the backlog's own items
    assert.deepEqual(await fx.items(backlog), [
      { task: w1, sort: 1024 },
      { task: dual, sort: 2048 },
      { task: n1, sort: 3072 },
      { task: x1, sort: 4096 },
      { task: x2, sort: 5120 },
    ]);
    assert.deepEqual((await fx.items(sprint)).map((i) => i.task), [f1, f2, wc, bin, late]);
    // the completed task off FINISH went to the last FINISH column, its other links gone
    assert.deepEqual(await fx.links(wc), [accepted]);
    assert.equal(await fx.taskStage(wc), accepted);
    // FINISH tasks that are not completed are not completed through REST
    assert.equal((await fx.db.selectFrom('tasks').select('status').where('id', '=', f2).executeTakeFirstOrThrow()).status, 2);
    // board, links and STAGE_ID of moved tasks are kept
    assert.deepEqual(await stagesOf(owner, sprint), stagesBefore);
    assert.deepEqual(await fx.links(n1), linksBefore.n1);
    assert.deepEqual(await fx.links(w1), linksBefore.w1);
    assert.deepEqual(await fx.links(dual), [WORK, FINISH]);
    assert.equal(await fx.taskStage(n1), NEW);
    assert.equal(await fx.taskStage(w1), 0);
    assert.deepEqual(await fx.links(bin), [WORK]);
  });

  test('without a backlog the unfinished tasks go to a new planned "Sprint N" of the group default length', async () => {
    const group: number = await owner.result('sonet_group.create', { NAME: 'No backlog', PROJECT: 'Y', SCRUM_MASTER_ID: owner.userId, SCRUM_SPRINT_DURATION: 604800 });
    await fx.sprint(owner, group, { name: 'Planned later' });
    const sprint = await fx.sprint(owner, group);
    const a = await fx.task(owner, group);
    const b = await fx.task(owner, group);
    const c = await fx.task(owner, group);
    await fx.moveItem(a, sprint, 300);
    await fx.moveItem(b, sprint, 100);
    await fx.moveItem(c, sprint, 200);
    await startOk(owner, sprint);
    await moveOnBoard(owner, sprint, c, await fx.stageId(sprint, 'FINISH'));
    const before = await fx.db.selectFrom('scrum_entities').select('id').where('group_id', '=', group).execute();

    const result = await completeOk(ts.admin, group);
    assert.equal(result.status, 'completed');
    const created = await fx.db
      .selectFrom('scrum_entities')
      .selectAll()
      .where('group_id', '=', group)
      .where('id', 'not in', before.map((x) => x.id))
      .execute();
    assert.equal(created.length, 1);
    const next = created[0]!;
    const obj = await owner.result('tasks.api.scrum.sprint.get', { id: next.id });
    assertNow(obj.dateStart);
    assert.deepEqual(obj, {
      id: next.id,
      groupId: group,
      entityType: 'sprint',
      name: 'Sprint 3',
      goal: '',
      sort: 0,
      createdBy: 1,
      modifiedBy: 1,
      dateStart: obj.dateStart,
      dateEnd: utc(next.date_start! + 604800),
      status: 'planned',
    });
    assert.equal(obj.dateStart, result.dateEnd);
    assert.deepEqual(await fx.items(next.id), [{ task: b, sort: 1024 }, { task: a, sort: 2048 }]);
    assert.deepEqual(await fx.items(sprint), [{ task: c, sort: 200 }]);

    // a group without a default length: two weeks
    const g2: number = await owner.result('sonet_group.create', { NAME: 'No backlog 2', PROJECT: 'Y', SCRUM_MASTER_ID: owner.userId });
    const s2 = await fx.sprint(owner, g2);
    await fx.moveItem(await fx.task(owner, g2), s2, 1024);
    await startOk(owner, s2);
    await completeOk(owner, g2);
    const fallback = await fx.db.selectFrom('scrum_entities').selectAll().where('group_id', '=', g2).where('status', '=', 'planned').executeTakeFirstOrThrow();
    assert.equal(fallback.name, 'Sprint 2');
    assert.equal(fallback.date_end! - fallback.date_start!, 1_209_600);
    assert.equal(fallback.created_by, owner.userId);
  });

  test('a sprint made active by sprint.add (no board) completes without moving anything', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group, { status: 'active' });
    const t = await fx.task(owner, group);
    await fx.moveItem(t, sprint, 1024);
    const r = await completeOk(owner, group);
    assert.equal(r.id, sprint);
    assert.equal(r.status, 'completed');
    assert.deepEqual(await fx.items(sprint), [{ task: t, sort: 1024 }]);
    assert.equal((await fx.items(backlog)).length, 0);
  });

  test('a failing completion procedure answers HTTP 200 null and changes nothing; strict mode reports it', async () => {
    for (const [f, c, strictMode] of [[fx, owner, false], [sfx, strictOwner, true]] as const) {
      const { group, backlog } = await team({ f, c, name: 'Failing' });
      const sprint = await f.sprint(c, group);
      const t = await f.task(c, group);
      await f.moveItem(t, sprint, 1024);
      await startOk(c, sprint);
      await ddl(f, {
        sqlite: [
          `CREATE TRIGGER boom BEFORE UPDATE OF status ON scrum_entities WHEN NEW.id = ${sprint} AND NEW.status = 'completed' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
        ],
        postgres: [
          `CREATE FUNCTION boom_fn() RETURNS trigger AS $$ BEGIN IF NEW.id = ${sprint} AND NEW.status = 'completed' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
          'CREATE TRIGGER boom BEFORE UPDATE ON scrum_entities FOR EACH ROW EXECUTE FUNCTION boom_fn()',
        ],
      });
      let r: Reply;
      try {
        r = await complete(c, group);
      } finally {
        await ddl(f, { sqlite: ['DROP TRIGGER boom'], postgres: ['DROP TRIGGER boom ON scrum_entities', 'DROP FUNCTION boom_fn()'] });
      }
      if (strictMode) {
        expectError(r, '0', 'Unable to complete sprint');
      } else {
        assert.equal(r.status, 200, r.text);
        assert.ok('time' in r.body);
        assert.ok('result' in r.body);
        assert.equal(r.body.result, null);
      }
      // rolled back: still active, the task's item still in the sprint
      assert.equal((await f.sprintRow(sprint)).status, 'active');
      assert.equal((await f.itemOf(t)).entity_id, sprint);
      assert.equal((await f.items(backlog)).length, 0);
      // and it completes once the failure is gone
      assert.equal((await completeOk(c, group)).status, 'completed');
      assert.equal((await f.itemOf(t)).entity_id, backlog);
    }
  });

  test('concurrent completes of one group: one completes, the others find no active sprint', async () => {
    const { group, backlog } = await team();
    const sprint = await fx.sprint(owner, group);
    const t = await fx.task(owner, group);
    await fx.moveItem(t, sprint, 1024);
    await startOk(owner, sprint);
    const replies = await Promise.all(Array.from({ length: 6 }, () => complete(owner, group)));
    assert.equal(replies.filter((r) => r.status === 200).length, 1, replies.map((r) => r.text).join('\n'));
    for (const r of replies.filter((x) => x.status !== 200)) expectError(r, '0', 'Sprint not found');
    assert.deepEqual(await fx.items(backlog), [{ task: t, sort: 1024 }]);
  });
});
