/**
 * Deletes racing writes leave no orphans (issue 10 §2): each race runs 50 concurrent pairs, alternating
 * between two server processes sharing one database (separate processes on PostgreSQL, `--workers 2` on
 * SQLite), then the database is checked: no Scrum item points at a deleted backlog or sprint, no sprint,
 * backlog or epic at a deleted group, no task at a deleted group, and every task is readable by an
 * administrator with tasks.task.get. Every call answers a success or a documented error, never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Reply } from './helpers/harness.js';
import { testingPostgres } from './helpers/database.js';
import { startServerProcesses, type ServerProcesses } from './helpers/serverProcesses.js';

const PAIRS = 50;
let s: ServerProcesses;

before(async () => {
  s = await startServerProcesses(2, [], 'orphans');
});

after(async () => {
  await s?.close();
});

async function ok(method: string, params: Record<string, unknown>): Promise<any> {
  const r = await s.call(method, params);
  assert.equal(r.status, 200, `${method}: ${r.text}`);
  return r.body.result;
}

/** A race's answers: successes, or errors in the Bitrix envelope with a 4xx status. */
function noServerErrors(replies: Reply[]): void {
  const bad = replies.filter((r) => r.status >= 500 || (r.status !== 200 && typeof r.body?.error_description !== 'string'));
  assert.deepEqual(bad.map((r) => `${r.status} ${r.text}`), [], 'no 500 and no answer outside the envelope');
}

async function query(text: string): Promise<Record<string, unknown>[]> {
  if (testingPostgres()) {
    const c = new pg.Client({ connectionString: s.location });
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  }
  const db = new BetterSqlite3(s.location, { readonly: true });
  try {
    return db.prepare(text).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Every parent a row points at exists. */
async function assertNoOrphans(): Promise<void> {
  const orphans = {
    itemsOfDeletedEntities: await query('select id, entity_id from scrum_items where entity_id not in (select id from scrum_entities)'),
    entitiesOfDeletedGroups: await query('select id, group_id from scrum_entities where group_id not in (select id from sonet_groups)'),
    epicsOfDeletedGroups: await query('select id, group_id from scrum_epics where group_id not in (select id from sonet_groups)'),
    tasksOfDeletedGroups: await query('select id, group_id from tasks where group_id <> 0 and group_id not in (select id from sonet_groups)'),
  };
  assert.deepEqual(orphans, { itemsOfDeletedEntities: [], entitiesOfDeletedGroups: [], epicsOfDeletedGroups: [], tasksOfDeletedGroups: [] });
}

async function assertTasksReadable(): Promise<void> {
  const ids = (await query('select id from tasks order by id')).map((r) => Number(r.id));
  const unreadable: string[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    const replies = await Promise.all(ids.slice(i, i + 25).map((id) => s.call('tasks.task.get', { taskId: id })));
    replies.forEach((r, j) => {
      if (r.status !== 200 || Number(r.body?.result?.task?.id) !== ids[i + j]) unreadable.push(`${ids[i + j]}: ${r.status} ${r.text.slice(0, 200)}`);
    });
  }
  assert.deepEqual(unreadable, [], 'every task is readable by an administrator');
}

async function scrumGroup(name: string): Promise<number> {
  return Number(await ok('sonet_group.create', { NAME: name, PROJECT: 'Y', SCRUM_MASTER_ID: 1 }));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('sprint.delete racing tasks.api.scrum.task.update with entityId', async () => {
  const group = await scrumGroup('Sprint race');
  await ok('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: 1 } });
  const sprints: number[] = await Promise.all(
    range(PAIRS).map(async (i) => {
      const r = await ok('tasks.api.scrum.sprint.add', {
        fields: { groupId: group, name: `S${i}`, createdBy: 1, status: 'planned', dateStart: '2026-03-23', dateEnd: '2026-04-06' },
      });
      return Number(r.id);
    }),
  );
  // Tasks of a Scrum group get an item in its backlog.
  const tasks: number[] = await Promise.all(
    range(PAIRS).map(async (i) => Number((await ok('tasks.task.add', { fields: { TITLE: `T${i}`, RESPONSIBLE_ID: 1, GROUP_ID: group } })).task.id)),
  );
  const replies = await Promise.all(
    range(PAIRS).flatMap((i) => [
      s.call('tasks.api.scrum.task.update', { id: tasks[i], fields: { entityId: sprints[i] } }),
      s.call('tasks.api.scrum.sprint.delete', { id: sprints[i] }),
    ]),
  );
  noServerErrors(replies);
  await assertNoOrphans();
  await assertTasksReadable();
});

test('backlog.delete racing tasks.task.add (which adds a backlog item)', async () => {
  const groups = await Promise.all(range(PAIRS).map((i) => scrumGroup(`Backlog race ${i}`)));
  const backlogs: number[] = await Promise.all(
    groups.map(async (g) => Number((await ok('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } })).id)),
  );
  const replies = await Promise.all(
    range(PAIRS).flatMap((i) => [
      s.call('tasks.task.add', { fields: { TITLE: `B${i}`, RESPONSIBLE_ID: 1, GROUP_ID: groups[i] } }),
      s.call('tasks.api.scrum.backlog.delete', { id: backlogs[i] }),
    ]),
  );
  noServerErrors(replies);
  await assertNoOrphans();
  await assertTasksReadable();
});

test('sonet_group.delete racing sprint.add, epic.add, backlog.add and tasks.task.add', async () => {
  const groups = await Promise.all(range(PAIRS).map((i) => scrumGroup(`Group race ${i}`)));
  const replies = await Promise.all(
    groups.flatMap((g, i) => [
      s.call('tasks.api.scrum.sprint.add', {
        fields: { groupId: g, name: `S${i}`, createdBy: 1, status: 'planned', dateStart: '2026-03-23', dateEnd: '2026-04-06' },
      }),
      s.call('tasks.api.scrum.epic.add', { fields: { groupId: g, name: `E${i}` } }),
      s.call('sonet_group.delete', { GROUP_ID: g }),
      s.call('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } }),
      s.call('tasks.task.add', { fields: { TITLE: `G${i}`, RESPONSIBLE_ID: 1, GROUP_ID: g } }),
    ]),
  );
  noServerErrors(replies);
  await assertNoOrphans();
  await assertTasksReadable();
});

test('sonet_group.delete racing sonet_group.user.add', async () => {
  const user = Number(await ok('user.add', { EMAIL: 'member-race@example.com', NAME: 'Member' }));
  const groups = await Promise.all(range(PAIRS).map((i) => scrumGroup(`Member race ${i}`)));
  const replies = await Promise.all(
    groups.flatMap((g) => [s.call('sonet_group.user.add', { GROUP_ID: g, USER_ID: [user] }), s.call('sonet_group.delete', { GROUP_ID: g })]),
  );
  noServerErrors(replies);
  assert.deepEqual(await query('select id, group_id from group_members where group_id not in (select id from sonet_groups)'), []);
  await assertNoOrphans();
});
