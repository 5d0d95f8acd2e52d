/**
 * Changing and removing workgroups over real HTTP: sonet_group.update, .delete, .setowner,
 * .user.delete, .user.groups and .feature.access (platform.md §5.3–5.5, §5.9–5.11), the access table
 * §4.1 for them, and checklist §11 items 7–10 and 14.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertMember, recountMembers, type Role } from '../src/domain/groups.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { Client, addMember, errorOf, startTestServer, type Encoding, type Reply, type TestServer } from './helpers/harness.js';

const ENCODINGS: Encoding[] = ['json', 'form', 'get'];

function sonetErr(r: Reply, description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error: '', error_description: description }, r.text);
}

function codeErr(r: Reply, error: string, description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error, error_description: description }, r.text);
}

/** A relation the REST subset cannot create (pending `Z`, banned `T`), written to the store directly. */
async function relate(t: TestServer, groupId: number, userId: number, role: Role): Promise<void> {
  const db = t.server.app.store.db;
  await insertMember(db, { groupId, userId, role, initiatedByType: 'G', initiatedBy: 1 }, nowSeconds());
  await recountMembers(db, groupId);
}

async function members(t: TestServer, groupId: number): Promise<{ USER_ID: string; ROLE: string }[]> {
  return t.admin.result('sonet_group.user.get', { ID: groupId });
}

/** Every relation of a group, whatever its role, straight from the store: [user id, role]. */
async function relations(t: TestServer, groupId: number): Promise<[number, string][]> {
  const rows = await t.server.app.store.db
    .selectFrom('group_members')
    .select(['user_id', 'role'])
    .where('group_id', '=', groupId)
    .orderBy('id', 'asc')
    .execute();
  return rows.map((r) => [r.user_id, r.role]);
}

async function workgroup(t: TestServer, groupId: number): Promise<Record<string, any>> {
  return t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId } });
}

/** The people of §4.1 around one group: owner, moderator, member, Scrum master with a relation, outsider. */
interface Cast {
  owner: Client;
  mod: Client;
  member: Client;
  master: Client;
  outsider: Client;
  pending: Client;
}

async function makeCast(t: TestServer): Promise<Cast> {
  return {
    owner: await t.user({ name: 'Owner' }),
    mod: await t.user({ name: 'Mod' }),
    member: await t.user({ name: 'Member' }),
    master: await t.user({ name: 'Master' }),
    outsider: await t.user({ name: 'Outsider' }),
    pending: await t.user({ name: 'Pending' }),
  };
}

/** A Scrum project owned by `owner`, with a moderator, a member, the Scrum master as member and a pending user. */
async function castGroup(t: TestServer, c: Cast, extra: Record<string, unknown> = {}): Promise<number> {
  const id: number = await c.owner.result('sonet_group.create', {
    NAME: 'Cast',
    PROJECT: 'Y',
    SCRUM_MASTER_ID: c.master.userId,
    VISIBLE: 'N',
    ...extra,
  });
  await addMember(t.admin, id, c.mod.userId, 'E');
  await addMember(t.admin, id, c.member.userId);
  await addMember(t.admin, id, c.master.userId);
  await relate(t, id, c.pending.userId, 'Z');
  return id;
}

describe('sonet_group.update (§5.3)', () => {
  let t: TestServer;
  let c: Cast;
  let g: number;
  before(async () => {
    t = await startTestServer();
    c = await makeCast(t);
    g = await castGroup(t, c);
  });
  after(() => t.close());

  test('checks in order: Wrong group ID first, then the permission (checklist 8)', async () => {
    for (const params of [{ GROUP_ID: 0 }, {}, { GROUP_ID: -1 }, { GROUP_ID: 'abc' }, { group_id: g, NAME: 'x' }, { GROUP_ID: 0, NAME: '' }]) {
      sonetErr(await t.admin.call('sonet_group.update', params), 'Wrong group ID');
      sonetErr(await c.outsider.call('sonet_group.update', params), 'Wrong group ID');
    }
    // A group that does not exist reads as "no permission", for administrators too.
    sonetErr(await t.admin.call('sonet_group.update', { GROUP_ID: 99999, NAME: 'x' }), 'User has no permissions to update group');
    // The permission comes before validation.
    sonetErr(await c.mod.call('sonet_group.update', { GROUP_ID: g, NAME: '' }), 'User has no permissions to update group');
  });

  test('access (§4.1): moderator, member, pending, outsider refused; the Scrum master with a relation, the owner and an admin succeed (checklist 7)', async () => {
    for (const who of [c.mod, c.member, c.pending, c.outsider]) {
      sonetErr(await who.call('sonet_group.update', { GROUP_ID: g, NAME: 'Nope' }), 'User has no permissions to update group');
    }
    assert.equal((await workgroup(t, g)).NAME, 'Cast');
    for (const [who, name] of [[c.master, 'By master'], [c.owner, 'By owner'], [t.admin, 'By admin']] as const) {
      const r = await who.call('sonet_group.update', { GROUP_ID: g, NAME: name });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.result, g);
      assert.equal(typeof r.body.result, 'number');
      assert.equal((await workgroup(t, g)).NAME, name);
    }
  });

  test('the Scrum-master exception needs a project, the caller as SCRUM_MASTER_ID and a member relation', async () => {
    // Named Scrum master without a relation: refused.
    const lone = await t.user({ name: 'Lone master' });
    const g2: number = await c.owner.result('sonet_group.create', { NAME: 'No relation', SCRUM_MASTER_ID: lone.userId, VISIBLE: 'Y' });
    sonetErr(await lone.call('sonet_group.update', { GROUP_ID: g2, NAME: 'x' }), 'User has no permissions to update group');
    // A pending relation is no relation.
    await relate(t, g2, lone.userId, 'Z');
    sonetErr(await lone.call('sonet_group.update', { GROUP_ID: g2, NAME: 'x' }), 'User has no permissions to update group');
    // Once the group is no project, the member Scrum master loses the right.
    const g3 = await castGroup(t, c);
    assert.equal(await c.owner.result('sonet_group.update', { GROUP_ID: g3, PROJECT: 'N' }), g3);
    const w = await workgroup(t, g3);
    assert.equal(w.PROJECT, 'N');
    assert.equal(w.TYPE, 'scrum');
    sonetErr(await c.master.call('sonet_group.update', { GROUP_ID: g3, NAME: 'x' }), 'User has no permissions to update group');
  });

  test('passed fields change, others stay; flags coerced; DATE_UPDATE moves; ~/= prefixes and lower-case names ignored', async () => {
    const db = t.server.app.store.db;
    const g4: number = await c.owner.result('sonet_group.create', {
      NAME: 'Fields',
      DESCRIPTION: 'Keep me',
      KEYWORDS: 'a,b',
      SCRUM_MASTER_ID: c.master.userId,
      SCRUM_SPRINT_DURATION: 604800,
    });
    await db.updateTable('sonet_groups').set({ date_update: 1000 }).where('id', '=', g4).execute();
    const r = await c.owner.call('sonet_group.update', {
      GROUP_ID: g4,
      NAME: 'Renamed',
      VISIBLE: 'x',
      OPENED: 'maybe',
      CLOSED: 'Y',
      ACTIVE: 'nope',
      INITIATE_PERMS: 'E',
      SCRUM_SPRINT_DURATION: 1209600,
      SCRUM_TASK_RESPONSIBLE: 'M',
      SCRUM_OWNER_ID: c.owner.userId,
      PROJECT_DATE_FINISH: '2026-05-01T12:00:00+00:00',
      AVATAR_TYPE: 'pie',
      '~DESCRIPTION': 'raw',
      '=KEYWORDS': 'raw',
      description: 'lower',
    });
    assert.equal(r.status, 200, r.text);
    const w = await workgroup(t, g4);
    assert.equal(w.NAME, 'Renamed');
    assert.equal(w.DESCRIPTION, 'Keep me');
    assert.equal(w.KEYWORDS, 'a,b');
    assert.equal(w.VISIBLE, 'Y');
    assert.equal(w.OPENED, 'N');
    assert.equal(w.CLOSED, 'Y');
    assert.equal(w.ACTIVE, 'Y');
    assert.equal(w.INITIATE_PERMS, 'E');
    assert.equal(w.SCRUM_SPRINT_DURATION, 1209600);
    assert.equal(w.SCRUM_TASK_RESPONSIBLE, 'M');
    assert.equal(w.SCRUM_OWNER_ID, c.owner.userId);
    assert.equal(w.SCRUM_MASTER_ID, c.master.userId);
    assert.equal(w.PROJECT_DATE_FINISH, '05/01/2026 12:00:00');
    assert.equal(w.AVATAR_TYPE, 'pie');
    const row = await db.selectFrom('sonet_groups').selectAll().where('id', '=', g4).executeTakeFirstOrThrow();
    assert.ok(row.date_update > 1000);
    assert.equal(row.date_create, (await db.selectFrom('sonet_groups').select('date_create').where('id', '=', g4).executeTakeFirstOrThrow()).date_create);
    // VISIBLE N / OPENED Y pass through as they are.
    await c.owner.result('sonet_group.update', { GROUP_ID: g4, VISIBLE: 'N', OPENED: 'Y', CLOSED: 'N' });
    const w2 = await workgroup(t, g4);
    assert.deepEqual([w2.VISIBLE, w2.OPENED, w2.CLOSED], ['N', 'Y', 'N']);
  });

  test('SCRUM_MASTER_ID turns a group into a Scrum and 0 back, without forcing PROJECT', async () => {
    const plain: number = await c.owner.result('sonet_group.create', { NAME: 'Plain' });
    assert.equal(await c.owner.result('sonet_group.update', { GROUP_ID: plain, SCRUM_MASTER_ID: c.owner.userId }), plain);
    let w = await workgroup(t, plain);
    assert.equal(w.SCRUM_MASTER_ID, c.owner.userId);
    assert.equal(w.PROJECT, 'N');
    assert.equal(w.TYPE, 'scrum');
    const [item] = (await t.admin.call('socialnetwork.api.workgroup.list', { filter: { ID: plain }, select: ['ID', 'TYPE'] })).body.result.workgroups;
    assert.equal(item.type, 'scrum');
    for (const off of [0, '', '0']) {
      await c.owner.result('sonet_group.update', { GROUP_ID: plain, SCRUM_MASTER_ID: c.owner.userId });
      await c.owner.result('sonet_group.update', { GROUP_ID: plain, SCRUM_MASTER_ID: off });
      w = await workgroup(t, plain);
      assert.equal(w.SCRUM_MASTER_ID, null, JSON.stringify(off));
      assert.equal(w.TYPE, 'group');
    }
    await c.owner.result('sonet_group.update', { GROUP_ID: plain, PROJECT: 'Y' });
    assert.equal((await workgroup(t, plain)).TYPE, 'project');
  });

  test('validation errors with their own codes, first failing check only, nothing stored (§5.1.3)', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ NAME: '' }, 'EMPTY_NAME', 'The title is not specified.'],
      [{ NAME: '   ' }, 'EMPTY_NAME', 'The title is not specified.'],
      [{ NAME: '', OWNER_ID: 999, SUBJECT_ID: 0 }, 'EMPTY_NAME', 'The title is not specified.'],
      [{ OWNER_ID: 999 }, 'ERROR_NO_OWNER_ID', 'The group owner is not found.'],
      [{ OWNER_ID: 0 }, 'ERROR_NO_OWNER_ID', 'The group owner is not found.'],
      [{ OWNER_ID: 999, SUBJECT_ID: 7, SITE_ID: 's2' }, 'ERROR_NO_OWNER_ID', 'The group owner is not found.'],
      [{ SUBJECT_ID: 0 }, 'EMPTY_SUBJECT_ID', 'The group subject is not specified.'],
      [{ SUBJECT_ID: 7, SITE_ID: 's2' }, 'ERROR_NO_SUBJECT_ID', 'The group subject is not found.'],
      [{ SITE_ID: 's2', INITIATE_PERMS: 'Q' }, 'ERROR_NO_SITE', 'Site s2 is not found.'],
      [{ SITE_ID: ['s1', 's3'] }, 'ERROR_NO_SITE', 'Site s3 is not found.'],
      [{ INITIATE_PERMS: 'Z' }, 'ERROR_NO_INITIATE_PERMS', 'Incorrect invitation permissions (Z).'],
      [{ INITIATE_PERMS: '' }, 'ERROR_NO_INITIATE_PERMS', 'Incorrect invitation permissions ().'],
    ];
    const before = await workgroup(t, g);
    for (const [params, error, description] of cases) {
      const r = await c.owner.call('sonet_group.update', { GROUP_ID: g, DESCRIPTION: 'changed?', ...params });
      codeErr(r, error, description);
    }
    const afterwards = await workgroup(t, g);
    assert.equal(afterwards.DESCRIPTION, before.DESCRIPTION);
    assert.equal(afterwards.DATE_UPDATE, before.DATE_UPDATE);
    // Valid values of the same fields pass.
    for (const params of [{ SUBJECT_ID: 1 }, { SITE_ID: 's1' }, { SITE_ID: ['s1'] }, { INITIATE_PERMS: 'A' }, { OWNER_ID: c.owner.userId }]) {
      assert.equal((await c.owner.call('sonet_group.update', { GROUP_ID: g, ...params })).status, 200, JSON.stringify(params));
    }
  });

  test('OWNER_ID writes the column only: relations stay as they were (§5.3.1)', async () => {
    const g5 = await castGroup(t, c, { NAME: 'Owner column' });
    assert.equal(await t.admin.result('sonet_group.update', { GROUP_ID: g5, OWNER_ID: c.member.userId }), g5);
    const [row] = await t.admin.result('sonet_group.get', { FILTER: { ID: g5 }, IS_ADMIN: 'Y' });
    assert.equal(row.OWNER_ID, String(c.member.userId));
    assert.deepEqual(await members(t, g5), [
      { USER_ID: String(c.owner.userId), ROLE: 'A' },
      { USER_ID: String(c.mod.userId), ROLE: 'E' },
      { USER_ID: String(c.member.userId), ROLE: 'K' },
      { USER_ID: String(c.master.userId), ROLE: 'K' },
    ]);
  });

  test('JSON, form and GET give the same result', async () => {
    for (const enc of ENCODINGS) {
      const r = await c.owner.call('sonet_group.update', { GROUP_ID: String(g), NAME: `Enc ${enc}`, SCRUM_SPRINT_DURATION: '604800' }, enc);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result, g);
      const w = await workgroup(t, g);
      assert.equal(w.NAME, `Enc ${enc}`);
      assert.equal(w.SCRUM_SPRINT_DURATION, 604800);
    }
  });

  test('needs the sonet_group scope', async () => {
    const userOnly = await t.user({ scopes: ['user'] });
    const r = await userOnly.call('sonet_group.update', { GROUP_ID: g, NAME: 'x' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'insufficient_scope');
  });
});

describe('sonet_group.delete (§5.4)', () => {
  let t: TestServer;
  let c: Cast;
  before(async () => {
    t = await startTestServer();
    c = await makeCast(t);
  });
  after(() => t.close());

  test('checks in order: Wrong group ID, not found (visibility for non-admins), then OWNER_ID or admin', async () => {
    const g = await castGroup(t, c);
    for (const params of [{ GROUP_ID: 0 }, {}, { GROUP_ID: 'x' }, { group_id: g }]) {
      sonetErr(await c.owner.call('sonet_group.delete', params), 'Wrong group ID');
    }
    sonetErr(await t.admin.call('sonet_group.delete', { GROUP_ID: 99999 }), 'Socialnetwork group not found');
    // Invisible group: an outsider does not find it, members find it but may not delete it.
    sonetErr(await c.outsider.call('sonet_group.delete', { GROUP_ID: g }), 'Socialnetwork group not found');
    sonetErr(await c.pending.call('sonet_group.delete', { GROUP_ID: g }), 'Socialnetwork group not found');
    for (const who of [c.mod, c.member, c.master]) {
      sonetErr(await who.call('sonet_group.delete', { GROUP_ID: g }), 'User has no permissions to delete group');
    }
    // Visible group: the outsider finds it, and is refused.
    const v: number = await c.owner.result('sonet_group.create', { NAME: 'Visible', VISIBLE: 'Y' });
    sonetErr(await c.outsider.call('sonet_group.delete', { GROUP_ID: v }), 'User has no permissions to delete group');
    assert.equal((await members(t, g)).length, 4);
    assert.equal((await members(t, v)).length, 1);
  });

  test('the owner deletes: result true, the group and its relations are gone (checklist 9)', async () => {
    const g = await castGroup(t, c);
    const r = await c.owner.call('sonet_group.delete', { GROUP_ID: g });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    assert.deepEqual(await t.admin.result('sonet_group.get', { FILTER: { ID: g }, IS_ADMIN: 'Y' }), []);
    const w = await t.admin.call('socialnetwork.api.workgroup.get', { params: { groupId: g } });
    codeErr(w, 'SONET_CONTROLLER_WORKGROUP_NOT_FOUND', 'Workgroup was not found.');
    sonetErr(await t.admin.call('sonet_group.user.get', { ID: g }), 'Socialnetwork group not found');
    assert.deepEqual(await relations(t, g), []);
    sonetErr(await c.owner.call('sonet_group.delete', { GROUP_ID: g }), 'Socialnetwork group not found');
    // The former members no longer list it among their groups.
    for (const who of [c.owner, c.mod, c.member]) {
      const groups: { GROUP_ID: string }[] = await who.result('sonet_group.user.groups');
      assert.equal(groups.some((x) => x.GROUP_ID === String(g)), false);
    }
  });

  test('an admin deletes any group, invisible and foreign included', async () => {
    const g = await castGroup(t, c);
    assert.equal(await t.admin.result('sonet_group.delete', { GROUP_ID: g }), true);
    assert.deepEqual(await relations(t, g), []);
  });

  test('"owner" means OWNER_ID: after sonet_group.update moved the column, its user may delete, the old role-A user not', async () => {
    const g = await castGroup(t, c);
    await t.admin.result('sonet_group.update', { GROUP_ID: g, OWNER_ID: c.member.userId });
    sonetErr(await c.owner.call('sonet_group.delete', { GROUP_ID: g }), 'User has no permissions to delete group');
    assert.equal(await c.member.result('sonet_group.delete', { GROUP_ID: g }), true);
  });

  test('cascade: backlog, sprints, items, epics with files, sprint-board stages with task links go; tasks stay with GROUP_ID 0 (A6)', async () => {
    const db = t.server.app.store.db;
    const g = await castGroup(t, c, { NAME: 'Doomed' });
    const keep = await castGroup(t, c, { NAME: 'Survivor' });

    const populate = async (groupId: number) => {
      const backlog = await c.owner.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: c.owner.userId } });
      const sprint = await c.owner.result('tasks.api.scrum.sprint.add', {
        fields: { groupId, name: 'Sprint 1', createdBy: c.owner.userId, status: 'planned', dateStart: '2026-03-23T09:00:00+00:00', dateEnd: '2026-04-06T18:00:00+00:00' },
      });
      const task = await c.owner.result('tasks.task.add', { fields: { TITLE: `Story of ${groupId}`, GROUP_ID: groupId, RESPONSIBLE_ID: c.member.userId } });
      const taskId = Number(task.task.id);
      // The task's item is in the backlog (§9.2); a second task is placed on the sprint's board.
      const task2 = await c.owner.result('tasks.task.add', { fields: { TITLE: `Board task of ${groupId}`, GROUP_ID: groupId, RESPONSIBLE_ID: c.member.userId } });
      const task2Id = Number(task2.task.id);
      await db.updateTable('scrum_items').set({ entity_id: sprint.id }).where('source_id', '=', task2Id).execute();
      const stage = await db
        .insertInto('kanban_stages')
        .values({ title: 'New', sort: 100, color: '00C4FB', system_type: 'NEW', entity_id: sprint.id, entity_type: 'A' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('kanban_task_stages').values({ task_id: task2Id, stage_id: stage.id }).execute();
      await db.updateTable('tasks').set({ stage_id: stage.id }).where('id', '=', task2Id).execute();
      const epic = await db
        .insertInto('scrum_epics')
        .values({ group_id: groupId, name: 'Epic', description: '', created_by: c.owner.userId, modified_by: null, color: '#69dafc' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('scrum_epic_files').values({ epic_id: epic.id, file_id: 42 }).execute();
      await db.updateTable('scrum_items').set({ epic_id: epic.id }).where('source_id', '=', taskId).execute();
      return { backlog: backlog.id as number, sprint: sprint.id as number, taskId, task2Id, stage: stage.id, epic: epic.id };
    };
    const doomed = await populate(g);
    const survivor = await populate(keep);
    const items = (entities: number[]) => db.selectFrom('scrum_items').selectAll().where('entity_id', 'in', entities).execute();
    assert.equal((await items([doomed.backlog, doomed.sprint])).length, 2);

    assert.equal(await c.owner.result('sonet_group.delete', { GROUP_ID: g }), true);

    codeErr(await t.admin.call('tasks.api.scrum.backlog.get', { id: g }), '0', 'Backlog not found');
    assert.deepEqual(await db.selectFrom('scrum_entities').selectAll().where('group_id', '=', g).execute(), []);
    assert.deepEqual(await items([doomed.backlog, doomed.sprint]), []);
    assert.deepEqual(await db.selectFrom('scrum_epics').selectAll().where('group_id', '=', g).execute(), []);
    assert.deepEqual(await db.selectFrom('scrum_epic_files').selectAll().where('epic_id', '=', doomed.epic).execute(), []);
    assert.deepEqual(await db.selectFrom('kanban_stages').selectAll().where('entity_id', '=', doomed.sprint).execute(), []);
    assert.deepEqual(await db.selectFrom('kanban_task_stages').selectAll().where('stage_id', '=', doomed.stage).execute(), []);
    for (const id of [doomed.taskId, doomed.task2Id]) {
      const task = (await t.admin.result('tasks.task.get', { taskId: id })).task;
      assert.equal(task.id, String(id));
      assert.equal(task.groupId, '0');
      assert.equal(task.stageId, '0');
    }

    // The other group's Scrum data is untouched.
    const b = await t.admin.result('tasks.api.scrum.backlog.get', { id: keep });
    assert.equal(b.id, survivor.backlog);
    assert.equal((await items([survivor.backlog, survivor.sprint])).length, 2);
    assert.equal((await db.selectFrom('scrum_epics').selectAll().where('group_id', '=', keep).execute()).length, 1);
    assert.equal((await db.selectFrom('scrum_epic_files').selectAll().where('epic_id', '=', survivor.epic).execute()).length, 1);
    assert.equal((await db.selectFrom('kanban_stages').selectAll().where('entity_id', '=', survivor.sprint).execute()).length, 1);
    assert.equal((await db.selectFrom('kanban_task_stages').selectAll().where('stage_id', '=', survivor.stage).execute()).length, 1);
    const kept = (await t.admin.result('tasks.task.get', { taskId: survivor.task2Id })).task;
    assert.equal(kept.groupId, String(keep));
    assert.equal(kept.stageId, String(survivor.stage));
  });

  test('JSON, form and GET', async () => {
    for (const enc of ENCODINGS) {
      const g = await castGroup(t, c);
      const r = await c.owner.call('sonet_group.delete', { GROUP_ID: String(g) }, enc);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result, true);
    }
  });
});

describe('sonet_group.setowner (§5.5)', () => {
  let t: TestServer;
  let c: Cast;
  before(async () => {
    t = await startTestServer();
    c = await makeCast(t);
  });
  after(() => t.close());

  test('checks in order with their numeric codes', async () => {
    const g = await castGroup(t, c);
    codeErr(await c.owner.call('sonet_group.setowner', { GROUP_ID: 0, USER_ID: 0 }), '100', 'Invalid workgroup/project ID');
    codeErr(await c.owner.call('sonet_group.setowner', { USER_ID: c.member.userId }), '100', 'Invalid workgroup/project ID');
    codeErr(await c.owner.call('sonet_group.setowner', { group_id: g, USER_ID: c.member.userId }), '100', 'Invalid workgroup/project ID');
    codeErr(await c.owner.call('sonet_group.setowner', { GROUP_ID: g }), '100', 'Invalid user ID');
    codeErr(await c.owner.call('sonet_group.setowner', { GROUP_ID: 99999, USER_ID: -4 }), '100', 'Invalid user ID');
    codeErr(await t.admin.call('sonet_group.setowner', { GROUP_ID: 99999, USER_ID: c.member.userId }), '510', 'Invalid workgroup/project ID');
    // An invisible group is "not found" for outsiders and pending users.
    codeErr(await c.outsider.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.outsider.userId }), '510', 'Invalid workgroup/project ID');
    codeErr(await c.pending.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.pending.userId }), '510', 'Invalid workgroup/project ID');
    // Members and moderators are refused (checklist 10), as are outsiders of a visible group.
    for (const who of [c.member, c.mod]) {
      codeErr(await who.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: who.userId }), '403', 'Insufficient permissions to complete the operation.');
    }
    const v: number = await c.owner.result('sonet_group.create', { NAME: 'Visible', VISIBLE: 'Y' });
    codeErr(await c.outsider.call('sonet_group.setowner', { GROUP_ID: v, USER_ID: c.outsider.userId }), '403', 'Insufficient permissions to complete the operation.');
    // The permission comes before the user check; a missing user fails the change.
    codeErr(await c.member.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: 99999 }), '403', 'Insufficient permissions to complete the operation.');
    codeErr(await c.owner.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: 99999 }), '100', 'Cannot complete operation.');
    // Nothing changed.
    assert.deepEqual(await relations(t, g), [
      [c.owner.userId, 'A'], [c.mod.userId, 'E'], [c.member.userId, 'K'], [c.master.userId, 'K'], [c.pending.userId, 'Z'],
    ]);
  });

  test('by the owner: result true, old owner K, new owner A, OWNER_ID and counters follow (checklist 10)', async () => {
    const g = await castGroup(t, c);
    const r = await c.owner.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.member.userId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, true);
    assert.deepEqual(await members(t, g), [
      { USER_ID: String(c.owner.userId), ROLE: 'K' },
      { USER_ID: String(c.mod.userId), ROLE: 'E' },
      { USER_ID: String(c.member.userId), ROLE: 'A' },
      { USER_ID: String(c.master.userId), ROLE: 'K' },
    ]);
    const w = await workgroup(t, g);
    assert.equal(w.OWNER_ID, c.member.userId);
    assert.equal(w.NUMBER_OF_MEMBERS, 4);
    assert.equal(w.NUMBER_OF_MODERATORS, 2);
    // The old owner has lost the owner's rights; the new one has them.
    sonetErr(await c.owner.call('sonet_group.delete', { GROUP_ID: g }), 'User has no permissions to delete group');
    codeErr(await c.owner.call('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.owner.userId }), '403', 'Insufficient permissions to complete the operation.');
    const mine: { GROUP_ID: string; ROLE: string }[] = await c.member.result('sonet_group.user.groups');
    assert.equal(mine.find((x) => x.GROUP_ID === String(g))?.ROLE, 'A');
  });

  test('an old owner who is the Scrum master becomes a moderator', async () => {
    const g: number = await c.owner.result('sonet_group.create', { NAME: 'Self-mastered', PROJECT: 'Y', SCRUM_MASTER_ID: c.owner.userId });
    await addMember(t.admin, g, c.member.userId);
    assert.equal(await c.owner.result('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.member.userId }), true);
    assert.deepEqual(await members(t, g), [
      { USER_ID: String(c.owner.userId), ROLE: 'E' },
      { USER_ID: String(c.member.userId), ROLE: 'A' },
    ]);
    const w = await workgroup(t, g);
    assert.equal(w.NUMBER_OF_MODERATORS, 2);
  });

  test('a new owner without a relation gets one (initiated by the group); a pending one is converted; counters recomputed', async () => {
    const g = await castGroup(t, c);
    assert.equal(await t.admin.result('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.outsider.userId }), true);
    const row = await t.server.app.store.db
      .selectFrom('group_members')
      .selectAll()
      .where('group_id', '=', g)
      .where('user_id', '=', c.outsider.userId)
      .executeTakeFirstOrThrow();
    assert.equal(row.role, 'A');
    assert.equal(row.initiated_by_type, 'G');
    assert.equal(row.auto_member, 'N');
    let w = await workgroup(t, g);
    assert.equal(w.OWNER_ID, c.outsider.userId);
    assert.equal(w.NUMBER_OF_MEMBERS, 5);
    assert.equal(w.NUMBER_OF_MODERATORS, 2);
    // A pending user handed the group becomes its owner.
    assert.equal(await c.outsider.result('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.pending.userId }), true);
    assert.deepEqual(await relations(t, g), [
      [c.owner.userId, 'K'], [c.mod.userId, 'E'], [c.member.userId, 'K'], [c.master.userId, 'K'], [c.pending.userId, 'A'], [c.outsider.userId, 'K'],
    ]);
    w = await workgroup(t, g);
    assert.equal(w.NUMBER_OF_MEMBERS, 6);
    assert.equal(w.NUMBER_OF_MODERATORS, 2);
  });

  test('the Scrum master with a relation may hand the group on; the current owner again changes nothing', async () => {
    const g = await castGroup(t, c);
    assert.equal(await c.master.result('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.master.userId }), true);
    assert.deepEqual(await relations(t, g), [
      [c.owner.userId, 'K'], [c.mod.userId, 'E'], [c.member.userId, 'K'], [c.master.userId, 'A'], [c.pending.userId, 'Z'],
    ]);
    const before = await t.server.app.store.db.selectFrom('group_members').selectAll().where('group_id', '=', g).orderBy('id').execute();
    assert.equal(await c.master.result('sonet_group.setowner', { GROUP_ID: g, USER_ID: c.master.userId }), true);
    const after = await t.server.app.store.db.selectFrom('group_members').selectAll().where('group_id', '=', g).orderBy('id').execute();
    assert.deepEqual(after, before);
  });

  test('JSON, form and GET', async () => {
    for (const enc of ENCODINGS) {
      const g = await castGroup(t, c);
      const r = await c.owner.call('sonet_group.setowner', { GROUP_ID: String(g), USER_ID: String(c.mod.userId) }, enc);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result, true);
      assert.equal((await workgroup(t, g)).OWNER_ID, c.mod.userId);
    }
  });
});

describe('sonet_group.user.delete (§5.9)', () => {
  let t: TestServer;
  let c: Cast;
  before(async () => {
    t = await startTestServer();
    c = await makeCast(t);
  });
  after(() => t.close());

  test('checks in order (§5.9)', async () => {
    const g = await castGroup(t, c);
    sonetErr(await c.owner.call('sonet_group.user.delete', { GROUP_ID: 0, USER_ID: 5 }), 'Wrong group ID');
    sonetErr(await t.admin.call('sonet_group.user.delete', { group_id: g, USER_ID: c.member.userId }), 'Wrong group ID');
    // (sic) the text of sonet_group.user.update; the owner is no admin.
    for (const who of [c.owner, c.mod, c.member, c.master, c.outsider]) {
      sonetErr(await who.call('sonet_group.user.delete', { GROUP_ID: g, USER_ID: c.member.userId }), 'No permissions to update users role');
    }
    sonetErr(await c.owner.call('sonet_group.user.delete', { GROUP_ID: 99999 }), 'No permissions to update users role');
    for (const user of [undefined, 0, -2, [], [0, 'x']]) {
      sonetErr(await t.admin.call('sonet_group.user.delete', { GROUP_ID: 99999, USER_ID: user }), 'Wrong user IDs');
    }
    sonetErr(await t.admin.call('sonet_group.user.delete', { GROUP_ID: 99999, USER_ID: [c.member.userId] }), 'Socialnetwork group not found');
    assert.equal((await relations(t, g)).length, 5);
  });

  test('removes members, moderators, pending and banned relations; never the owner or the Scrum master (checklist 14)', async () => {
    const g = await castGroup(t, c);
    const banned = await t.user({ name: 'Banned' });
    await relate(t, g, banned.userId, 'T');
    const task = await c.owner.result('tasks.task.add', { fields: { TITLE: 'Still here', GROUP_ID: g, RESPONSIBLE_ID: c.member.userId } });
    const all = [c.owner, c.mod, c.member, c.master, c.pending, banned, c.outsider].map((x) => x.userId);
    const r = await t.admin.call('sonet_group.user.delete', { GROUP_ID: g, USER_ID: [...all, 99999, c.member.userId] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.result, [c.mod.userId, c.member.userId, c.pending.userId, banned.userId].map(String));
    assert.deepEqual(await relations(t, g), [[c.owner.userId, 'A'], [c.master.userId, 'K']]);
    const w = await workgroup(t, g);
    assert.equal(w.NUMBER_OF_MEMBERS, 2);
    assert.equal(w.NUMBER_OF_MODERATORS, 1);
    assert.deepEqual(await t.admin.result('sonet_group.user.delete', { GROUP_ID: g, USER_ID: all }), []);
    // The removed user's task is unchanged.
    const t2 = (await t.admin.result('tasks.task.get', { taskId: task.task.id })).task;
    assert.equal(t2.groupId, String(g));
    assert.equal(t2.responsibleId, String(c.member.userId));
  });

  test('the Scrum master stays even when the owner changed; one id and form lists', async () => {
    const g = await castGroup(t, c);
    assert.deepEqual(await t.admin.result('sonet_group.user.delete', { GROUP_ID: g, USER_ID: c.master.userId }), []);
    assert.deepEqual(await t.admin.result('sonet_group.user.delete', { GROUP_ID: String(g), USER_ID: [String(c.mod.userId)] }, 'form'), [String(c.mod.userId)]);
    assert.deepEqual(await t.admin.result('sonet_group.user.delete', { GROUP_ID: g, USER_ID: c.member.userId }, 'get'), [String(c.member.userId)]);
    assert.deepEqual(await members(t, g), [
      { USER_ID: String(c.owner.userId), ROLE: 'A' },
      { USER_ID: String(c.master.userId), ROLE: 'K' },
    ]);
  });
});

describe('sonet_group.user.groups (§5.10)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test("the caller's relations with role ≤ K, in relation order, with the documented keys", async () => {
    const u = await t.user({ name: 'Joiner' });
    assert.deepEqual(await u.result('sonet_group.user.groups'), []);
    const other = await t.user({ name: 'Other' });
    const a: number = await other.result('sonet_group.create', { NAME: 'Alpha', VISIBLE: 'N' });
    const own: number = await u.result('sonet_group.create', { NAME: 'Mine' });
    const b: number = await other.result('sonet_group.create', { NAME: 'Beta' });
    const p: number = await other.result('sonet_group.create', { NAME: 'Pending' });
    const x: number = await other.result('sonet_group.create', { NAME: 'Banned' });
    await addMember(t.admin, b, u.userId, 'E');
    await addMember(t.admin, a, u.userId);
    await relate(t, p, u.userId, 'Z');
    await relate(t, x, u.userId, 'T');
    for (const enc of ENCODINGS) {
      const r = await u.call('sonet_group.user.groups', {}, enc);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.result, [
        { GROUP_ID: String(own), GROUP_NAME: 'Mine', ROLE: 'A', GROUP_IMAGE_ID: null, GROUP_IMAGE: '' },
        { GROUP_ID: String(b), GROUP_NAME: 'Beta', ROLE: 'E', GROUP_IMAGE_ID: null, GROUP_IMAGE: '' },
        { GROUP_ID: String(a), GROUP_NAME: 'Alpha', ROLE: 'K', GROUP_IMAGE_ID: null, GROUP_IMAGE: '' },
      ]);
      assert.equal('next' in r.body, false);
      assert.equal('total' in r.body, false);
    }
    // Parameters are ignored; the admin sees only its own relations.
    assert.deepEqual(
      (await u.result('sonet_group.user.groups', { USER_ID: other.userId })).map((g: { GROUP_ID: string }) => g.GROUP_ID),
      [String(own), String(b), String(a)],
    );
    assert.deepEqual(await t.admin.result('sonet_group.user.groups'), []);
    // A renamed group shows its new name.
    await other.result('sonet_group.update', { GROUP_ID: b, NAME: 'Beta 2' });
    assert.equal((await u.result('sonet_group.user.groups'))[1].GROUP_NAME, 'Beta 2');
  });
});

describe('sonet_group.feature.access (§5.11)', () => {
  let t: TestServer;
  let c: Cast;
  let g: number;
  let closed: number;
  before(async () => {
    t = await startTestServer();
    c = await makeCast(t);
    g = await castGroup(t, c);
    closed = await castGroup(t, c, { CLOSED: 'Y' });
  });
  after(() => t.close());

  const access = async (who: Client, groupId: number, feature: string, operation: string) => {
    const r = await who.call('sonet_group.feature.access', { GROUP_ID: groupId, FEATURE: feature, OPERATION: operation });
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.body.result, 'boolean');
    return r.body.result as boolean;
  };

  test('errors in order: group id, feature, operation', async () => {
    sonetErr(await c.owner.call('sonet_group.feature.access', { GROUP_ID: 0, FEATURE: 'nope', OPERATION: 'nope' }), 'Wrong socialnetwork group ID');
    sonetErr(await c.owner.call('sonet_group.feature.access', { FEATURE: 'tasks', OPERATION: 'view' }), 'Wrong socialnetwork group ID');
    sonetErr(await c.owner.call('sonet_group.feature.access', { group_id: g, FEATURE: 'tasks', OPERATION: 'view' }), 'Wrong socialnetwork group ID');
    for (const feature of [undefined, '', 'nope', 'TASKS']) {
      sonetErr(await c.owner.call('sonet_group.feature.access', { GROUP_ID: g, FEATURE: feature, OPERATION: 'nope' }), 'Wrong feature');
    }
    for (const operation of [undefined, '', 'fly', 'VIEW', 'write']) {
      sonetErr(await c.owner.call('sonet_group.feature.access', { GROUP_ID: g, FEATURE: 'tasks', OPERATION: operation }), 'Wrong operation');
    }
    // Operations of another feature are not operations of this one.
    sonetErr(await c.owner.call('sonet_group.feature.access', { GROUP_ID: g, FEATURE: 'files', OPERATION: 'view_all' }), 'Wrong operation');
  });

  test('strings are trimmed; a group that does not exist yields false', async () => {
    assert.equal((await c.owner.call('sonet_group.feature.access', { GROUP_ID: ` ${g}`, FEATURE: ' tasks ', OPERATION: ' create_tasks\n' })).body.result, true);
    assert.equal(await access(t.admin, 99999, 'tasks', 'view'), false);
    assert.equal(await access(c.owner, 99999, 'tasks', 'create_tasks'), false);
  });

  test('tasks operations follow the default minimum roles (§3.5)', async () => {
    const ops = ['view', 'view_all', 'sort', 'create_tasks', 'edit_tasks', 'delete_tasks', 'modify_folders', 'modify_common_views'];
    const memberOps = new Set(['view', 'view_all', 'sort', 'create_tasks']);
    for (const op of ops) {
      assert.equal(await access(t.admin, g, 'tasks', op), true, `admin ${op}`);
      assert.equal(await access(c.owner, g, 'tasks', op), true, `owner ${op}`);
      assert.equal(await access(c.mod, g, 'tasks', op), true, `moderator ${op}`);
      assert.equal(await access(c.member, g, 'tasks', op), memberOps.has(op), `member ${op}`);
      assert.equal(await access(c.master, g, 'tasks', op), memberOps.has(op), `Scrum master (member) ${op}`);
      assert.equal(await access(c.pending, g, 'tasks', op), false, `pending ${op}`);
      assert.equal(await access(c.outsider, g, 'tasks', op), false, `outsider ${op}`);
    }
  });

  test('an archived group keeps only the read operations, for admins too (§5.11)', async () => {
    for (const who of [c.owner, c.mod, c.member]) {
      assert.equal(await access(who, closed, 'tasks', 'view'), true);
      assert.equal(await access(who, closed, 'tasks', 'view_all'), true);
      assert.equal(await access(who, closed, 'tasks', 'create_tasks'), false);
      assert.equal(await access(who, closed, 'tasks', 'sort'), false);
      assert.equal(await access(who, closed, 'files', 'view'), true);
      assert.equal(await access(who, closed, 'files', 'write'), false);
    }
    assert.equal(await access(t.admin, closed, 'tasks', 'create_tasks'), false);
    assert.equal(await access(t.admin, closed, 'tasks', 'view'), true);
  });

  test('other features: reading needs a member, writing a moderator', async () => {
    for (const feature of ['files', 'calendar', 'photo']) {
      assert.equal(await access(c.member, g, feature, 'view'), true);
      assert.equal(await access(c.member, g, feature, 'write'), false);
      assert.equal(await access(c.mod, g, feature, 'write'), true);
      assert.equal(await access(c.outsider, g, feature, 'view'), false);
    }
    assert.equal(await access(c.member, g, 'blog', 'write_post'), true);
    assert.equal(await access(c.member, g, 'blog', 'moderate_post'), false);
    assert.equal(await access(c.owner, g, 'blog', 'full_comment'), true);
  });

  test('create_tasks agrees with tasks.task.add', async () => {
    assert.equal(await access(c.member, g, 'tasks', 'create_tasks'), true);
    const ok = await c.member.call('tasks.task.add', { fields: { TITLE: 'Allowed', GROUP_ID: g, RESPONSIBLE_ID: c.member.userId } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(await access(c.outsider, g, 'tasks', 'create_tasks'), false);
    const no = await c.outsider.call('tasks.task.add', { fields: { TITLE: 'Refused', GROUP_ID: g, RESPONSIBLE_ID: c.outsider.userId } });
    assert.equal(no.status, 400);
    assert.equal(no.body.error, 'ERROR_TASK_CREATE_ACCESS_DENIED');
  });
});
