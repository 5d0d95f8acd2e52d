/**
 * Remembered reads (src/store/prepared.ts, `remember`): on a SQLite database one process serves, the
 * lookups nearly every call makes are answered from memory until the next write. Every change must
 * still be seen by the very next call — whoever made it, over REST or (adding rows) another connection.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../src/domain/users.js';
import { addWebhook } from '../src/domain/webhooks.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { IMPLEMENTED_SCOPES } from '../src/core/scopes.js';
import { openStore, type Store } from '../src/store/db.js';
import { preparedQuery, rememberedRows } from '../src/store/prepared.js';
import { WriteTracker } from '../src/store/writeTracking.js';
import { raiseTaskEvent } from '../src/events/raise.js';
import { edb } from '../src/events/schema.js';
import { sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { addMember, Client, createScrum, errorOf, startTestServer, type TestServer } from './helpers/harness.js';

const DATES = { dateStart: '2024-07-19T15:03:01+00:00', dateEnd: '2024-08-02T15:03:01+00:00', status: 'planned', createdBy: 1 };

describe('remembered reads over REST: the next call sees every change', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.close());

  test('a sprint read twice, then changed, is read changed', async () => {
    const group = await createScrum(t.admin, 'Remembered sprint');
    const sprint = await t.admin.result('tasks.api.scrum.sprint.add', { fields: { groupId: group, name: 'Before', ...DATES } });
    for (let i = 0; i < 2; i++) assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: sprint.id })).name, 'Before');
    await t.admin.result('tasks.api.scrum.sprint.update', { id: sprint.id, fields: { name: 'After' } });
    assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: sprint.id })).name, 'After');
    await t.admin.result('tasks.api.scrum.sprint.delete', { id: sprint.id });
    assert.deepEqual(errorOf(await t.admin.call('tasks.api.scrum.sprint.get', { id: sprint.id })), {
      status: 400,
      error: '0',
      error_description: 'Sprint not found',
    });
  });

  test('a member removed from the group is refused at once', async () => {
    const group = await createScrum(t.admin, 'Remembered role');
    const member = await t.user();
    await addMember(t.admin, group, member.userId);
    const sprint = await t.admin.result('tasks.api.scrum.sprint.add', { fields: { groupId: group, name: 'S', ...DATES } });
    for (let i = 0; i < 2; i++) assert.equal((await member.result('tasks.api.scrum.sprint.get', { id: sprint.id })).id, sprint.id);
    await t.admin.result('sonet_group.user.delete', { GROUP_ID: group, USER_ID: member.userId });
    assert.deepEqual(errorOf(await member.call('tasks.api.scrum.sprint.get', { id: sprint.id })), {
      status: 400,
      error: '0',
      error_description: 'Access denied',
    });
  });

  test('list totals follow every add and delete', async () => {
    const group = await createScrum(t.admin, 'Remembered totals');
    const tasksOfGroup = async () => (await t.admin.call('tasks.task.list', { filter: { GROUP_ID: group }, select: ['ID'] })).body.total as number;
    const groups = async () => (await t.admin.call('sonet_group.get', { IS_ADMIN: 'Y' })).body.total as number;
    const users = async () => (await t.admin.call('user.get', { FILTER: { ACTIVE: 'Y' } })).body.total as number;
    const [g0, u0] = [await groups(), await users()];
    assert.equal(await tasksOfGroup(), 0);
    assert.equal(await tasksOfGroup(), 0);
    const task = await t.admin.result('tasks.task.add', { fields: { TITLE: 'Counted', RESPONSIBLE_ID: 1, GROUP_ID: group } });
    assert.equal(await tasksOfGroup(), 1);
    await t.admin.result('tasks.task.delete', { taskId: task.task.id });
    assert.equal(await tasksOfGroup(), 0);
    assert.equal(await groups(), g0);
    await createScrum(t.admin, 'One more');
    assert.equal(await groups(), g0 + 1);
    await t.user();
    assert.equal(await users(), u0 + 1);
  });

  test('a user made inactive is refused at once, with the webhook that worked a moment ago', async () => {
    const user = await t.user();
    for (let i = 0; i < 2; i++) assert.equal((await user.call('profile')).status, 200);
    await t.admin.result('user.update', { ID: user.userId, ACTIVE: 'N' });
    assert.deepEqual(errorOf(await user.call('profile')), { status: 401, error: 'authorization_error', error_description: 'Unable to authorize user' });
    await t.admin.result('user.update', { ID: user.userId, ACTIVE: 'Y' });
    assert.equal((await user.call('profile')).status, 200);
  });
});

test('rows another connection adds to the file (scrumd user add / webhook add while serving) are seen at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrumd-remembered-'));
  const file = join(dir, 'shared.db');
  const t = await startTestServer({ database: file });
  const other = await openStore(file);
  try {
    assert.equal((await t.admin.call('profile')).status, 200);
    const id = await createUser(other.db, { email: 'added.elsewhere@example.com', fields: { NAME: 'Elsewhere' } }, nowSeconds());
    const hook = await addWebhook(other.db, { userId: id, scopes: IMPLEMENTED_SCOPES }, nowSeconds());
    const added = new Client(t.origin, id, hook.secret);
    const profile = await added.result('profile');
    assert.equal(profile.ID, String(id));
    assert.equal((await t.admin.result('user.get', { ID: id }))[0]?.NAME, 'Elsewhere');
  } finally {
    await other.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('totals and rows another connection changes (scrumd user add, a second connection’s UPDATE) are seen by the next call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrumd-remembered-'));
  const file = join(dir, 'changed.db');
  const t = await startTestServer({ database: file });
  try {
    const group = await createScrum(t.admin, 'Named here');
    const users = async () => (await t.admin.call('user.get', {})).body as { result: unknown[]; total: number };
    const groupName = async () => (await t.admin.result('sonet_group.get', { FILTER: { ID: group } }))[0]?.NAME as string;
    const groupTotal = async () => (await t.admin.call('sonet_group.get', {})).body.total as number;
    // read twice: the second answer comes from memory
    for (let i = 0; i < 2; i++) assert.equal((await users()).total, 1);
    for (let i = 0; i < 2; i++) assert.equal(await groupName(), 'Named here');
    for (let i = 0; i < 2; i++) assert.equal(await groupTotal(), 1);

    // `scrumd user add` on the same file while the server runs: the command line as a real process
    const added = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'user', 'add', '--email', 'cli.added@example.com', '--name', 'Cli', '--database', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(added.status, 0, added.stderr);
    const listed = await users();
    assert.equal(listed.result.length, 2);
    assert.equal(listed.total, 2, 'the total counts the row the command line added');

    // another connection changes a row the server has remembered, and adds one it has counted
    const other = new BetterSqlite3(file);
    try {
      other.pragma('busy_timeout = 5000');
      other.prepare('update sonet_groups set name = ? where id = ?').run('Renamed elsewhere', group);
      other
        .prepare('insert into sonet_groups (name, owner_id, date_create, date_update, date_activity) values (?, 1, 1, 1, 1)')
        .run('Added elsewhere');
    } finally {
      other.close();
    }
    assert.equal(await groupName(), 'Renamed elsewhere');
    assert.equal(await groupTotal(), 2);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A store as `serve` opens it without --workers (it remembers), closed afterwards. */
async function withSoleStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore(':memory:', { soleProcess: true });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

describe('remembered reads in the store', () => {
  const nameOf = preparedQuery((db, id: number) => db.selectFrom('users').select(['id', 'name']).where('id', '=', id), { remember: true });

  test('rows are remembered only where this process alone writes, frozen, and forgotten on every write', async () => {
    await withSoleStore(async (store) => {
      const db = store.db;
      const id = await createUser(db, { email: 'frozen@example.com', fields: { NAME: 'One' } }, nowSeconds());
      const first = await nameOf.first(db, id);
      assert.equal(first?.name, 'One');
      assert.equal(await nameOf.first(db, id), first, 'the second read is answered from memory');
      assert.ok(Object.isFrozen(first));
      assert.throws(() => {
        (first as { name: string }).name = 'changed';
      }, TypeError);

      await db.updateTable('users').set({ name: 'Two' }).where('id', '=', id).execute();
      assert.equal((await nameOf.first(db, id))?.name, 'Two');
      assert.equal(await nameOf.first(db, 999_999), undefined, 'nothing found is not remembered');
    });
  });

  const webhooksOf = preparedQuery((db, userId: number) => db.selectFrom('webhooks').select(['id', 'user_id']).where('user_id', '=', userId), {
    remember: true,
  });

  test('only writes to the tables a query reads forget it, foreign-key cascades included', async () => {
    await withSoleStore(async (store) => {
      const db = store.db;
      const id = await createUser(db, { email: 'tables@example.com', fields: { NAME: 'Kept' } }, nowSeconds());
      await addWebhook(db, { userId: id, scopes: ['task'] }, nowSeconds());
      const user = await nameOf.first(db, id);
      const hooks = await webhooksOf.all(db, id);
      assert.equal(hooks.length, 1);
      await db.insertInto('sonet_groups').values({ name: 'Elsewhere', owner_id: id, date_create: 1, date_update: 1, date_activity: 1 } as never).execute();
      assert.equal(await nameOf.first(db, id), user, 'a write to another table keeps the user remembered');
      assert.equal(await webhooksOf.all(db, id), hooks, 'and the webhooks');
      await db.updateTable('users').set({ name: 'Changed' }).where('id', '=', id).execute();
      assert.equal((await nameOf.first(db, id))?.name, 'Changed');
      const reread = await webhooksOf.all(db, id);
      assert.notEqual(reread, hooks, 'any write to users counts for the tables its cascades reach (on the safe side)');
      assert.deepEqual(reread, hooks);
      await db.deleteFrom('users').where('id', '=', id).execute();
      assert.deepEqual(await webhooksOf.all(db, id), [], 'deleting the user deleted its webhooks (cascade): they are read again');
      assert.equal(await nameOf.first(db, id), undefined);
    });
  });

  test('a statement whose table cannot be told forgets everything', async () => {
    await withSoleStore(async (store) => {
      const db = store.db;
      const id = await createUser(db, { email: 'unknown@example.com', fields: { NAME: 'Before' } }, nowSeconds());
      assert.equal((await nameOf.first(db, id))?.name, 'Before');
      await sql`with renamed as (select ${id} as id) update users set name = 'After' where id in (select id from renamed)`.execute(db);
      assert.equal((await nameOf.first(db, id))?.name, 'After');
    });
  });

  test('the write clock: tables written, cascades learnt from the schema, begin and commit count for nothing, a rollback for everything', () => {
    const sqlite = new BetterSqlite3(':memory:');
    try {
      sqlite.exec(`create table parent (id integer primary key);
        create table child (id integer primary key, parent_id integer references parent(id) on delete cascade);
        create table grandchild (id integer primary key, child_id integer references child(id) on delete set null);
        create table other (id integer primary key, parent_id integer references parent(id));`);
      const w = new WriteTracker();
      w.learnSchema(sqlite);
      const at = w.now();
      w.wrote('begin immediate');
      w.wrote('commit');
      assert.ok(w.unchangedSince(['parent', 'child', 'grandchild', 'other'], at));
      w.wrote('update "other" set "parent_id" = ? where "id" = ?');
      assert.ok(!w.unchangedSince(['other'], at));
      assert.ok(w.unchangedSince(['parent', 'child', 'grandchild'], at));
      const at2 = w.now();
      w.wrote('delete from "parent" where "id" = ?');
      assert.ok(!w.unchangedSince(['grandchild'], at2), 'parent → child (cascade) → grandchild (set null)');
      assert.ok(w.unchangedSince(['other'], at2), 'no action: the other table is not changed by the delete');
      const at3 = w.now();
      w.wrote('insert into child (id) values (1)');
      assert.ok(!w.unchangedSince(['child'], at3) && w.unchangedSince(['parent'], at3), 'unquoted names are told too');
      const at4 = w.now();
      w.wrote('pragma user_version = 3');
      assert.ok(!w.unchangedSince(['parent'], at4));
      const at5 = w.now();
      w.wrote('rollback');
      assert.ok(!w.unchangedSince(['other'], at5), 'a rollback changes back whatever the transaction wrote: every table');
      const at6 = w.now();
      w.wrote('rollback to "sp1"');
      assert.ok(!w.unchangedSince(['other'], at6), 'and so does a rollback to a savepoint');
      assert.deepEqual(w.tablesIn('select "child"."id" from "child", parent where parent.id = "child"."parent_id"'), ['child', 'parent']);
      assert.deepEqual(w.tablesIn('select 1 from "Other" where exists (select 1 from grandchild)'), ['other', 'grandchild']);
      assert.deepEqual(w.tablesIn('select "children", "parents" from x'), [], 'names inside longer words are not tables');
    } finally {
      sqlite.close();
    }
    assert.equal(new WriteTracker().tablesIn('select 1 from parent'), undefined, 'nothing is told before the schema is known');
  });

  test('statements built at run time (a count) are remembered by SQL and parameters, and forgotten alike', async () => {
    await withSoleStore(async (store) => {
      const db = store.db;
      const count = (active: string) =>
        rememberedRows(db, db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('active', '=', active));
      const before = await count('Y');
      assert.equal(await count('Y'), before, 'the same statement and parameters: remembered');
      assert.notEqual(await count('N'), before);
      await createUser(db, { email: 'counted@example.com', fields: { NAME: 'Counted' } }, nowSeconds());
      const after = await count('Y');
      assert.equal(after[0]!.n, before[0]!.n + 1);
      const inTrx = await store.transaction((trx) =>
        rememberedRows(trx, trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('active', '=', 'Y')),
      );
      assert.ok(!Object.isFrozen(inTrx), 'inside a transaction nothing is remembered');
    });
  });

  test('inside a transaction the transaction is read, and a rollback leaves nothing remembered', async () => {
    await withSoleStore(async (store) => {
      const db = store.db;
      const id = await createUser(db, { email: 'trx@example.com', fields: { NAME: 'Committed' } }, nowSeconds());
      assert.equal((await nameOf.first(db, id))?.name, 'Committed');
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.updateTable('users').set({ name: 'Uncommitted' }).where('id', '=', id).execute();
          assert.equal((await nameOf.first(trx, id))?.name, 'Uncommitted');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal((await nameOf.first(db, id))?.name, 'Committed');
    });
  });

  test('the handlers a raised event reads, kept inside the change’s transaction, follow a bind, an unbind and a rolled-back bind', async () => {
    await withSoleStore(async (store) => {
      const db = store.db;
      const outbox = async (on = db) => Number((await sql<{ n: number }>`select count(*) as n from event_outbox`.execute(on)).rows[0]!.n);
      const update = (taskId: number) => store.transaction((trx) => raiseTaskEvent(trx, 'ONTASKUPDATE', taskId));
      const bind = (trx: typeof db) =>
        edb(trx)
          .insertInto('event_handlers')
          .values({ app_id: null, event_name: 'ONTASKUPDATE', handler: 'http://127.0.0.1:9/h', user_id: 1, connector_id: '', options: '{}', application_token: 'tok', title: '', date_create: 1 })
          .execute();
      await update(1);
      await update(2);
      assert.equal(await outbox(), 0, 'no handler: nothing written (the empty list is kept)');
      await assert.rejects(
        store.transaction(async (trx) => {
          await bind(trx);
          await raiseTaskEvent(trx, 'ONTASKUPDATE', 3);
          assert.equal(await outbox(trx), 1, 'the transaction sees its own handler');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      await update(4);
      assert.equal(await outbox(), 0, 'the rolled-back handler is not kept');
      await bind(db);
      await update(5);
      assert.equal(await outbox(), 1, 'a handler bound since is found');
      await edb(db).deleteFrom('event_handlers').execute();
      await update(6);
      assert.equal(await outbox(), 1, 'an unbound handler is not');
    });
  });

  test('a commit of another connection to the file forgets what was remembered, per read or once per request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrumd-remembered-'));
    const file = join(dir, 'versions.db');
    const sole = await openStore(file, { soleProcess: true });
    const other = new BetterSqlite3(file);
    try {
      other.pragma('busy_timeout = 5000');
      const rename = (id: number, name: string) => other.prepare('update users set name = ? where id = ?').run(name, id);
      const id = await createUser(sole.db, { email: 'versions@example.com', fields: { NAME: 'Mine' } }, nowSeconds());
      const first = await nameOf.first(sole.db, id);
      assert.equal(await nameOf.first(sole.db, id), first, 'remembered');
      rename(id, 'Theirs');
      assert.equal((await nameOf.first(sole.db, id))?.name, 'Theirs', 'no request started: every remembered answer asks SQLite');
      const again = await nameOf.first(sole.db, id);
      assert.equal(await nameOf.first(sole.db, id), again, 'remembered again once read');

      sole.requestBegins();
      assert.equal(await nameOf.first(sole.db, id), again, 'nobody else committed: still remembered');
      rename(id, 'Theirs again');
      sole.requestBegins();
      assert.equal((await nameOf.first(sole.db, id))?.name, 'Theirs again', 'the next request sees the commit');
      await sole.db.updateTable('users').set({ name: 'Mine again' }).where('id', '=', id).execute();
      assert.equal((await nameOf.first(sole.db, id))?.name, 'Mine again', 'and its own writes as before');
    } finally {
      other.close();
      await sole.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without soleProcess nothing is remembered: another connection’s change is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrumd-remembered-'));
    const file = join(dir, 'two.db');
    const a = await openStore(file);
    const b = await openStore(file);
    try {
      const id = await createUser(a.db, { email: 'two@example.com', fields: { NAME: 'A' } }, nowSeconds());
      assert.equal((await nameOf.first(a.db, id))?.name, 'A');
      await b.db.updateTable('users').set({ name: 'B' }).where('id', '=', id).execute();
      const again = await nameOf.first(a.db, id);
      assert.equal(again?.name, 'B');
      assert.ok(!Object.isFrozen(again));
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
