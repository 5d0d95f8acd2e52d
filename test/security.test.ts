/**
 * Security for every method: no or wrong secret, an expired or unknown token, a missing scope, another
 * group's objects, a user who is not a member. Each gets the documented error and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { addOauthApp, findApp, issueTokens } from '../src/domain/oauth.js';
import { createRegistry } from '../src/methods/index.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { ADMIN_SECRET, createScrum, errorOf, rawCall, startTestServer, type Client, type TestServer } from './helpers/harness.js';

let t: TestServer;
const registry = createRegistry();
const METHODS = registry.all();

async function snapshot(): Promise<string> {
  const db = t.server.app.store.db;
  const names = (await db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_') && !['rate_buckets', 'operating_time'].includes(n));
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(n)}`.execute(db)).rows.map(({ last_activity: _a, last_login: _l, ...r }) => r);
    out[n] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}

// The owner's Scrum with everything in it; outsiders try to reach it.
let group: number;
let backlogId: number;
let sprintId: number;
let taskId: number;
let epicId: number;
let owner: Client;

before(async () => {
  t = await startTestServer();
  owner = await t.user({ name: 'Owner' });
  group = await createScrum(owner, 'Private');
  await owner.result('sonet_group.update', { GROUP_ID: group, VISIBLE: 'N' });
  backlogId = (await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: owner.userId } })).id;
  sprintId = (
    await owner.result('tasks.api.scrum.sprint.add', {
      fields: { groupId: group, name: 'S', createdBy: owner.userId, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' },
    })
  ).id;
  taskId = Number((await owner.result('tasks.task.add', { fields: { TITLE: 'Secret task', RESPONSIBLE_ID: owner.userId, GROUP_ID: group } })).task.id);
  epicId = (await owner.result('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'Secret epic' } })).id;
});
after(() => t.close());

describe('credentials, for every method', () => {
  test('no credentials → NO_AUTH_FOUND; wrong secret → INVALID_CREDENTIALS; unknown token → invalid_token', async () => {
    const before = await snapshot();
    for (const m of METHODS) {
      assert.deepEqual(errorOf(await rawCall(`${t.origin}/rest/${m.name}`, {}, 'json')), { status: 401, error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' }, m.name);
      assert.deepEqual(errorOf(await rawCall(`${t.origin}/rest/1/${ADMIN_SECRET}x/${m.name}`, {}, 'json')), { status: 401, error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' }, m.name);
      assert.equal((await rawCall(`${t.origin}/rest/${m.name}`, { auth: 'not-a-token' }, 'json')).body.error, 'invalid_token', m.name);
    }
    assert.equal(await snapshot(), before);
  });

  test('an expired token → expired_token for every method', async () => {
    const db = t.server.app.store.db;
    const a = await addOauthApp(db, { scopes: ['task', 'sonet_group', 'socialnetwork', 'user'] }, nowSeconds());
    const app = (await findApp(db, a.clientId))!;
    const pair = await issueTokens(db, app, 1, app.scopes, nowSeconds() - 7200, 3600);
    const before = await snapshot();
    for (const m of METHODS) {
      assert.deepEqual(errorOf(await rawCall(`${t.origin}/rest/${m.name}`, { auth: pair.accessToken, id: 1, fields: { groupId: group } }, 'json')), {
        status: 401,
        error: 'expired_token',
        error_description: 'The access token provided has expired',
      }, m.name);
    }
    assert.equal(await snapshot(), before);
  });

  test('a missing scope → insufficient_scope for every scoped method, for webhooks and tokens', async () => {
    const none = await t.user({ scopes: [] });
    const db = t.server.app.store.db;
    const a = await addOauthApp(db, { scopes: [] }, nowSeconds());
    const pair = await issueTokens(db, (await findApp(db, a.clientId))!, none.userId, '', nowSeconds());
    const before = await snapshot();
    for (const m of METHODS.filter((x) => x.scopes.length > 0)) {
      assert.deepEqual(errorOf(await none.call(m.name, { id: 1 })), {
        status: 401,
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the webhook token',
      }, m.name);
      assert.equal((await rawCall(`${t.origin}/rest/${m.name}`, { auth: pair.accessToken }, 'json')).body.error_description, 'The request requires higher privileges than provided by the access token', m.name);
      // … and inside a batch.
      const b = await none.call('batch', { cmd: { x: m.name } });
      assert.deepEqual(b.body.result.result_error.x, { error: 'insufficient_scope', error_description: '' }, m.name);
    }
    assert.equal(await snapshot(), before);
  });
});

describe('another group’s objects', () => {
  const denied = { status: 400, error: '0', error_description: 'Access denied' };

  test('a non-member (and a banned or pending user) gets the documented refusal from every Scrum method and changes nothing', async () => {
    const outsider = await t.user({ name: 'Outsider' });
    const banned = await t.user({ name: 'Banned' });
    const pending = await t.user({ name: 'Pending' });
    const db = t.server.app.store.db;
    for (const [u, role] of [[banned, 'T'], [pending, 'Z']] as const) {
      await db.insertInto('group_members').values({ group_id: group, user_id: u.userId, role, initiated_by_type: 'U', initiated_by_user_id: u.userId, auto_member: 'N', date_create: 0, date_update: 0 }).execute();
    }
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['tasks.api.scrum.backlog.get', { id: group }, denied],
      ['tasks.api.scrum.backlog.update', { id: backlogId, fields: { modifiedBy: 1 } }, denied],
      ['tasks.api.scrum.backlog.delete', { id: backlogId }, denied],
      ['tasks.api.scrum.sprint.add', { fields: { groupId: group, name: 'x', createdBy: 1, status: 'planned', dateStart: 1, dateEnd: 2 } }, denied],
      ['tasks.api.scrum.sprint.get', { id: sprintId }, denied],
      ['tasks.api.scrum.sprint.update', { id: sprintId, fields: { name: 'Mine now' } }, denied],
      ['tasks.api.scrum.sprint.delete', { id: sprintId }, denied],
      ['tasks.api.scrum.epic.get', { id: epicId }, denied],
      ['tasks.api.scrum.epic.update', { id: epicId, fields: { name: 'Mine now' } }, denied],
      ['tasks.api.scrum.epic.delete', { id: epicId }, denied],
      ['tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'x' } }, denied],
      ['tasks.api.scrum.task.get', { id: taskId }, denied],
      ['tasks.api.scrum.task.update', { id: taskId, fields: { storyPoints: '13' } }, denied],
      ['tasks.task.update', { taskId, fields: { TITLE: 'Mine now' } }, { status: 400, error: '0', error_description: 'Action on the task is not allowed' }],
      ['tasks.task.complete', { taskId }, { status: 400, error: '0', error_description: 'Action on the task is not allowed' }],
      ['tasks.task.delete', { taskId }, { status: 400, error: '1048582', error_description: 'No access to delete the task' }],
      ['sonet_group.update', { GROUP_ID: group, NAME: 'Mine now' }, { status: 400, error: '', error_description: 'User has no permissions to update group' }],
      ['sonet_group.delete', { GROUP_ID: group }, { status: 400, error: '', error_description: 'Socialnetwork group not found' }],
      ['sonet_group.user.add', { GROUP_ID: group, USER_ID: 1 }, { status: 400, error: '', error_description: 'No permissions to add users' }],
      ['sonet_group.user.get', { ID: group }, { status: 400, error: '', error_description: 'Socialnetwork group not found' }],
      ['socialnetwork.api.workgroup.get', { params: { groupId: group } }, { status: 400, error: 'SONET_CONTROLLER_WORKGROUP_NOT_FOUND', error_description: 'Workgroup was not found.' }],
    ];
    const before = await snapshot();
    for (const u of [outsider, banned, pending]) {
      for (const [method, params, expected] of cases) {
        if (!registry.resolve(method)) continue;
        assert.deepEqual(errorOf(await u.call(method, params)), expected, `${method} as user ${u.userId}`);
      }
      // Reads that answer with an empty result rather than an error.
      assert.deepEqual((await u.call('tasks.task.get', { taskId })).body.result, [], 'tasks.task.get');
      const list = await u.result('tasks.task.list', { filter: { GROUP_ID: group } });
      assert.deepEqual(list.tasks, []);
    }
    // Lists: visibility by any relation (pending and banned included), none for the outsider.
    for (const m of ['tasks.api.scrum.sprint.list', 'tasks.api.scrum.epic.list']) {
      if (!registry.resolve(m)) continue;
      assert.deepEqual(await outsider.result(m, { filter: { GROUP_ID: group } }), [], m);
      assert.equal((await banned.result(m, { filter: { GROUP_ID: group } })).length, 1, m);
    }
    assert.equal(await snapshot(), before, 'a refused call changed stored data');
  });

  test('kanban methods answer false (HTTP 200) to outsiders and change nothing', async () => {
    if (!registry.resolve('tasks.api.scrum.kanban.addStage')) return;
    const outsider = await t.user();
    const stage = await owner.result('tasks.api.scrum.kanban.addStage', { fields: { sprintId, name: 'Review', type: 'WORK', sort: 150 } });
    const before = await snapshot();
    assert.deepEqual(errorOf(await outsider.call('tasks.api.scrum.kanban.addStage', { fields: { sprintId, name: 'x' } })), denied);
    assert.deepEqual(errorOf(await outsider.call('tasks.api.scrum.kanban.getStages', { sprintId })), denied);
    for (const [m, p] of [
      ['tasks.api.scrum.kanban.updateStage', { stageId: stage, fields: { name: 'Mine' } }],
      ['tasks.api.scrum.kanban.deleteStage', { stageId: stage }],
      ['tasks.api.scrum.kanban.addTask', { sprintId, taskId, stageId: stage }],
      ['tasks.api.scrum.kanban.deleteTask', { sprintId, taskId }],
    ] as const) {
      const r = await outsider.call(m, p);
      assert.equal(r.status, 200, m);
      assert.equal(r.body.result, false, m);
    }
    for (const m of ['tasks.api.scrum.sprint.start', 'tasks.api.scrum.sprint.complete']) {
      const r = await outsider.call(m, { id: m.endsWith('start') ? sprintId : group });
      assert.equal(r.status, 400, m);
      assert.equal(r.body.error, '0', m);
    }
    assert.equal(await snapshot(), before);
  });

  test('a member who is not a moderator may not start or complete sprints', async () => {
    if (!registry.resolve('tasks.api.scrum.sprint.start')) return;
    const member = await t.user();
    await t.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [member.userId] });
    const before = await snapshot();
    assert.deepEqual(errorOf(await member.call('tasks.api.scrum.sprint.start', { id: sprintId })), denied);
    assert.deepEqual(errorOf(await member.call('tasks.api.scrum.sprint.complete', { id: group })).error_description, 'Sprint not found');
    assert.equal(await snapshot(), before);
  });
});
