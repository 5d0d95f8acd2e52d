/**
 * The request of the seed page ru/seed-tasks-api-scrum-backlog-update.md, reproduced with its ids:
 * backlog 1 moved to group 125 with createdBy 6, sent the ways the page shows (cURL webhook JSON,
 * cURL OAuth-style JSON body, BX24.callMethod/CRest form).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nowSeconds } from '../src/core/portalTime.js';
import { createUser } from '../src/domain/users.js';
import { createGroup } from '../src/domain/groups.js';
import { errorOf, startTestServer, type Encoding, type TestServer } from './helpers/harness.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ timezone: 'Europe/Moscow' });
  const db = t.server.app.store.db;
  // Users 2…6 exist (user 6 is the documented createdBy).
  for (let i = 2; i <= 6; i++) await createUser(db, { email: `seed${i}@example.com`, fields: { NAME: `U${i}` } }, nowSeconds());
});
after(() => t.close());

async function setup(): Promise<{ backlogId: number; target: number }> {
  const db = t.server.app.store.db;
  await db.deleteFrom('scrum_entities').execute();
  await db.deleteFrom('group_members').execute();
  await db.deleteFrom('sonet_groups').execute();
  const source = await createGroup(db, { name: 'Source', ownerId: 1, scrumMasterId: 1 }, nowSeconds());
  // Group 125 of the page.
  await db.insertInto('sonet_groups').values({
    id: 125, site_id: 's1', name: 'Target', description: null, active: 'Y', visible: 'Y', opened: 'N', closed: 'N', subject_id: 1,
    owner_id: 1, keywords: null, avatar_type: null, initiate_perms: 'K', spam_perms: 'A', number_of_members: 1, number_of_moderators: 1,
    date_create: nowSeconds(), date_update: nowSeconds(), date_activity: nowSeconds(), project: 'Y', project_date_start: null,
    project_date_finish: null, landing: 'N', scrum_master_id: 1, scrum_owner_id: null, scrum_sprint_duration: null, scrum_task_responsible: null,
  } as never).execute();
  const r = await db
    .insertInto('scrum_entities')
    .values({ id: 1, group_id: source, entity_type: 'backlog', name: '', sort: 0, created_by: 1, modified_by: 1, info: '{}' } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return { backlogId: r.id, target: 125 };
}

for (const enc of ['json', 'form', 'get'] as Encoding[]) {
  test(`the documented request (${enc}) moves backlog 1 to group 125`, async () => {
    const { backlogId, target } = await setup();
    assert.equal(backlogId, 1);
    const r = await t.admin.call('tasks.api.scrum.backlog.update', { id: 1, fields: { groupId: 125, createdBy: 6 } }, enc);
    assert.equal(r.status, 200, r.text);
    // The page shows modifiedBy 1; the reference answers with the modifiedBy input, 0 when none is
    // passed (scrum-api.md C1.2, B-3) — the spec is normative.
    assert.deepEqual(r.body.result, { id: 1, groupId: 125, createdBy: 6, modifiedBy: 0 });
    assert.deepEqual(Object.keys(r.body.time), ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating']);
    assert.match(r.body.time.date_start, /\+03:00$/);
    // Stored: the group moved; createdBy is never persisted by update.
    assert.deepEqual(await t.admin.result('tasks.api.scrum.backlog.get', { id: target }), { id: 1, groupId: 125, createdBy: 1, modifiedBy: 1 });
  });
}

test('the OAuth-style cURL of the page (auth in the JSON body) is refused for an unknown token', async () => {
  const res = await fetch(`${t.origin}/rest/tasks.api.scrum.backlog.update`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ id: 1, fields: { groupId: 125, createdBy: 6 }, auth: 'put_access_token_here' }),
  });
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error, 'invalid_token');
});

test('the documented errors of the page', async () => {
  await setup();
  assert.deepEqual(errorOf(await t.admin.call('tasks.api.scrum.backlog.update', { id: 1 })), {
    status: 400,
    error: '100',
    error_description: 'Could not find value for parameter {fields}',
  });
  assert.deepEqual(errorOf(await t.admin.call('tasks.api.scrum.backlog.update', { id: 2, fields: { groupId: 125 } })), {
    status: 400,
    error: '0',
    error_description: 'Backlog not found',
  });
  const outsider = await t.user();
  assert.deepEqual(errorOf(await outsider.call('tasks.api.scrum.backlog.update', { id: 1, fields: { groupId: 125, createdBy: 6 } })), {
    status: 400,
    error: '0',
    error_description: 'Access denied',
  });
});
