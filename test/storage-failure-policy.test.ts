/**
 * The failure policy of every method that declares one (src/protocol/method.ts), over real HTTP on a
 * database that refuses the method's write: a trigger raises on the INSERT, UPDATE or DELETE of the
 * table the method changes (SQLite `RAISE(ABORT)`, a PostgreSQL trigger function that raises), or —
 * for the two lists, whose reads no trigger can refuse — the table they read is renamed away for the
 * call. Default mode answers as the reference does (HTTP 200 `[]`, `false` or `null`, scrum-api.md B9);
 * `--strict-errors` answers HTTP 400 with the message the policy declares; the sonet_group writes
 * answer their "Cannot …" error in both modes. No answer is a 500, and nothing the call did is kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createScrum, type Client, type Reply, type TestServer, startTestServer } from './helpers/harness.js';
import { Fixtures } from './helpers/sprintFixtures.js';

type Op = 'INSERT' | 'UPDATE' | 'DELETE';

let plain: TestServer;
let strict: TestServer;

before(async () => {
  plain = await startTestServer();
  strict = await startTestServer({ strictErrors: true });
});
after(async () => {
  await plain.close();
  await strict.close();
});

async function run(ts: TestServer, statements: string[]): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(ts.server.app.store.db);
}

/** Runs `call` while the database refuses every `op` on `table`. */
async function refusing(ts: TestServer, table: string, op: Op, call: () => Promise<Reply>): Promise<Reply> {
  const postgres = ts.server.app.store.dialect === 'postgres';
  await run(
    ts,
    postgres
      ? [
          `CREATE OR REPLACE FUNCTION refuse_for_test() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`,
          `CREATE TRIGGER refuse_for_test BEFORE ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_for_test()`,
        ]
      : [`CREATE TRIGGER refuse_for_test BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`],
  );
  try {
    return await call();
  } finally {
    await run(ts, postgres ? [`DROP TRIGGER refuse_for_test ON ${table}`] : ['DROP TRIGGER refuse_for_test']);
  }
}

/** Runs `call` while `table` cannot be read (renamed away). */
async function unreadable(ts: TestServer, table: string, call: () => Promise<Reply>): Promise<Reply> {
  await run(ts, [`ALTER TABLE ${table} RENAME TO ${table}_away`]);
  try {
    return await call();
  } finally {
    await run(ts, [`ALTER TABLE ${table}_away RENAME TO ${table}`]);
  }
}

interface Expectation {
  /** the default mode's HTTP 200 result */
  answer?: unknown;
  /** the strict mode's error (and the default mode's too, for the sonet_group writes) */
  error: { error: string; error_description: string };
  /** the same error in both modes */
  both?: boolean;
}

function check(r: Reply, strictMode: boolean, e: Expectation): void {
  assert.notEqual(r.status, 500, r.text);
  if (strictMode || e.both) {
    assert.deepEqual({ status: r.status, error: r.body?.error, error_description: r.body?.error_description }, { status: 400, ...e.error }, r.text);
    assert.equal('result' in r.body, false, r.text);
  } else {
    assert.equal(r.status, 200, r.text);
    assert.ok('time' in r.body, r.text);
    assert.deepEqual(r.body.result, e.answer, r.text);
  }
}

const scrum = (description: string) => ({ error: '0', error_description: description });

for (const [mode, strictMode] of [
  ['default', false],
  ['strict', true],
] as const) {
  describe(`storage failures, ${mode} mode`, () => {
    let ts: TestServer;
    let f: Fixtures;
    let admin: Client;
    before(() => {
      ts = strictMode ? strict : plain;
      f = new Fixtures(ts);
      admin = ts.admin;
    });
    const db = () => ts.server.app.store.db;

    test('tasks.api.scrum.backlog.delete: 200 [] / 400 "Backlog not deleted"; the backlog stays', async () => {
      const group = await createScrum(admin);
      const backlog = await f.backlog(admin, group);
      const r = await refusing(ts, 'scrum_entities', 'DELETE', () => admin.call('tasks.api.scrum.backlog.delete', { id: backlog }));
      check(r, strictMode, { answer: [], error: scrum('Backlog not deleted') });
      assert.ok(await db().selectFrom('scrum_entities').select('id').where('id', '=', backlog).executeTakeFirst());
    });

    test('tasks.api.scrum.sprint.delete: 200 [] / 400 "Sprint not deleted"; the sprint and its items stay', async () => {
      const group = await createScrum(admin);
      const backlog = await f.backlog(admin, group);
      const sprint = await f.sprint(admin, group);
      const task = await f.task(admin, group);
      await f.moveItem(task, sprint, 1024);
      const r = await refusing(ts, 'scrum_entities', 'DELETE', () => admin.call('tasks.api.scrum.sprint.delete', { id: sprint }));
      check(r, strictMode, { answer: [], error: scrum('Sprint not deleted') });
      assert.ok(await db().selectFrom('scrum_entities').select('id').where('id', '=', sprint).executeTakeFirst());
      // the call is rolled back whole: the item was not moved to the backlog either
      assert.equal((await f.itemOf(task)).entity_id, sprint);
      assert.notEqual(backlog, sprint);
    });

    test('tasks.api.scrum.epic.delete: 200 [] / 400 "Epic not deleted"; the epic stays', async () => {
      const group = await createScrum(admin);
      const epic = (await admin.result('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'Epic' } })).id as number;
      const r = await refusing(ts, 'scrum_epics', 'DELETE', () => admin.call('tasks.api.scrum.epic.delete', { id: epic }));
      check(r, strictMode, { answer: [], error: scrum('Epic not deleted') });
      assert.ok(await db().selectFrom('scrum_epics').select('id').where('id', '=', epic).executeTakeFirst());
    });

    test('tasks.api.scrum.sprint.complete: 200 null / 400 "Unable to complete sprint"; the sprint stays active', async () => {
      const group = await createScrum(admin);
      await f.backlog(admin, group);
      const sprint = await f.sprint(admin, group);
      const task = await f.task(admin, group);
      await f.moveItem(task, sprint, 1024);
      assert.equal((await admin.call('tasks.api.scrum.sprint.start', { id: sprint })).status, 200);
      const r = await refusing(ts, 'scrum_entities', 'UPDATE', () => admin.call('tasks.api.scrum.sprint.complete', { id: group }));
      check(r, strictMode, { answer: null, error: scrum('Unable to complete sprint') });
      const row = await db().selectFrom('scrum_entities').select('status').where('id', '=', sprint).executeTakeFirstOrThrow();
      assert.equal(row.status, 'active');
    });

    test('tasks.api.scrum.sprint.list: 200 [] / 400 "Could not load list" when its table cannot be read', async () => {
      const group = await createScrum(admin);
      await f.sprint(admin, group);
      const r = await unreadable(ts, 'scrum_entities', () => admin.call('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: group } }));
      check(r, strictMode, { answer: [], error: scrum('Could not load list') });
      assert.equal((await admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: group } })).length, 1);
    });

    test('tasks.api.scrum.epic.list: 200 [] / 400 "Could not load list" when its table cannot be read', async () => {
      const group = await createScrum(admin);
      await admin.result('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'Epic' } });
      const r = await unreadable(ts, 'scrum_epics', () => admin.call('tasks.api.scrum.epic.list', { filter: { GROUP_ID: group } }));
      check(r, strictMode, { answer: [], error: scrum('Could not load list') });
      assert.equal((await admin.result('tasks.api.scrum.epic.list', { filter: { GROUP_ID: group } })).length, 1);
    });

    describe('the boolean kanban methods: 200 false / 400 "System error"', () => {
      async function board() {
        const group = await createScrum(admin);
        await f.backlog(admin, group);
        const sprint = await f.sprint(admin, group);
        const stage = (await admin.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint, name: 'Doing' } })) as number;
        const task = await f.task(admin, group);
        await f.moveItem(task, sprint, 1024);
        return { sprint, stage: Number(stage), task };
      }
      const expectation = { answer: false, error: scrum('System error') };

      test('updateStage', async () => {
        const { stage } = await board();
        const r = await refusing(ts, 'kanban_stages', 'UPDATE', () =>
          admin.call('tasks.api.scrum.kanban.updateStage', { stageId: stage, fields: { name: 'Renamed' } }),
        );
        check(r, strictMode, expectation);
        const row = await db().selectFrom('kanban_stages').select('title').where('id', '=', stage).executeTakeFirstOrThrow();
        assert.equal(row.title, 'Doing');
      });

      test('deleteStage', async () => {
        const { stage } = await board();
        const r = await refusing(ts, 'kanban_stages', 'DELETE', () => admin.call('tasks.api.scrum.kanban.deleteStage', { stageId: stage }));
        check(r, strictMode, expectation);
        assert.ok(await db().selectFrom('kanban_stages').select('id').where('id', '=', stage).executeTakeFirst());
      });

      test('addTask', async () => {
        const { sprint, stage, task } = await board();
        const r = await refusing(ts, 'kanban_task_stages', 'INSERT', () =>
          admin.call('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: task, stageId: stage }),
        );
        check(r, strictMode, expectation);
      });

      test('deleteTask', async () => {
        const { sprint, stage, task } = await board();
        assert.equal(await admin.result('tasks.api.scrum.kanban.addTask', { sprintId: sprint, taskId: task, stageId: stage }), true);
        const r = await refusing(ts, 'kanban_task_stages', 'DELETE', () => admin.call('tasks.api.scrum.kanban.deleteTask', { sprintId: sprint, taskId: task }));
        check(r, strictMode, expectation);
        const links = await db().selectFrom('kanban_task_stages').select('task_id').where('task_id', '=', task).execute();
        assert.equal(links.length, 1);
      });
    });

    describe('the sonet_group writes answer their own error in both modes', () => {
      const sonet = (description: string) => ({ error: '', error_description: description });

      test('sonet_group.create: "Cannot create group"', async () => {
        const r = await refusing(ts, 'sonet_groups', 'INSERT', () => admin.call('sonet_group.create', { NAME: 'Refused' }));
        check(r, strictMode, { error: sonet('Cannot create group'), both: true });
      });

      test('sonet_group.update: "Cannot update group"', async () => {
        const group = await createScrum(admin, 'Before');
        const r = await refusing(ts, 'sonet_groups', 'UPDATE', () => admin.call('sonet_group.update', { GROUP_ID: group, NAME: 'After' }));
        check(r, strictMode, { error: sonet('Cannot update group'), both: true });
        const row = await db().selectFrom('sonet_groups').select('name').where('id', '=', group).executeTakeFirstOrThrow();
        assert.equal(row.name, 'Before');
      });

      test('sonet_group.delete: "Cannot delete group"', async () => {
        const group = await createScrum(admin);
        const r = await refusing(ts, 'sonet_groups', 'DELETE', () => admin.call('sonet_group.delete', { GROUP_ID: group }));
        check(r, strictMode, { error: sonet('Cannot delete group'), both: true });
        assert.ok(await db().selectFrom('sonet_groups').select('id').where('id', '=', group).executeTakeFirst());
      });

      test('sonet_group.setowner: "100" "Cannot complete operation."', async () => {
        const group = await createScrum(admin);
        const other = await ts.user();
        const r = await refusing(ts, 'sonet_groups', 'UPDATE', () => admin.call('sonet_group.setowner', { GROUP_ID: group, USER_ID: other.userId }));
        check(r, strictMode, { error: { error: '100', error_description: 'Cannot complete operation.' }, both: true });
        const row = await db().selectFrom('sonet_groups').select('owner_id').where('id', '=', group).executeTakeFirstOrThrow();
        assert.equal(row.owner_id, 1);
      });
    });
  });
}
