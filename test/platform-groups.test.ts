/**
 * Workgroups over real HTTP: sonet_group.create/get, sonet_group.user.get/add/update (platform.md §5),
 * socialnetwork.api.workgroup.list/get (§6), the access model (§4), paging (§2.4) and checklist §11
 * items 1–6, 11–13, 15, 16.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertMember, recountMembers, type Role } from '../src/domain/groups.js';
import { createUser } from '../src/domain/users.js';
import { addWebhook } from '../src/domain/webhooks.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { IMPLEMENTED_SCOPES } from '../src/core/scopes.js';
import { Client, addMember, errorOf, startTestServer, type Encoding, type Reply, type TestServer } from './helpers/harness.js';

const ISO_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
const SITE_FORMAT = /^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/;
const ENCODINGS: Encoding[] = ['json', 'form', 'get'];

const LEGACY_KEYS = [
  'ID', 'SITE_ID', 'NAME', 'DESCRIPTION', 'DATE_CREATE', 'DATE_UPDATE', 'ACTIVE', 'VISIBLE', 'OPENED', 'CLOSED',
  'SUBJECT_ID', 'OWNER_ID', 'KEYWORDS', 'NUMBER_OF_MEMBERS', 'DATE_ACTIVITY', 'SUBJECT_NAME', 'PROJECT',
];

const WORKGROUP_GET_KEYS = [
  'ID', 'ACTIVE', 'SITE_ID', 'SUBJECT_ID', 'NAME', 'DESCRIPTION', 'KEYWORDS', 'CLOSED', 'VISIBLE', 'OPENED',
  'DATE_CREATE', 'DATE_UPDATE', 'DATE_ACTIVITY', 'IMAGE_ID', 'AVATAR_TYPE', 'OWNER_ID', 'INITIATE_PERMS',
  'NUMBER_OF_MEMBERS', 'NUMBER_OF_MODERATORS', 'PROJECT', 'PROJECT_DATE_START', 'PROJECT_DATE_FINISH', 'SEARCH_INDEX',
  'LANDING', 'SCRUM_OWNER_ID', 'SCRUM_MASTER_ID', 'SCRUM_SPRINT_DURATION', 'SCRUM_TASK_RESPONSIBLE', 'TYPE',
  'MEMBERS', 'ORDINARY_MEMBERS', 'MODERATOR_MEMBERS', 'INVITED_MEMBERS', 'SITE_IDS',
];

function sonetErr(r: Reply, description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error: '', error_description: description }, r.text);
  assert.equal('time' in r.body, false);
}

function ctrlErr(r: Reply, error: string, description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error, error_description: description }, r.text);
}

const groupIds = (rows: { ID: string }[]) => rows.map((g) => Number(g.ID));
const listIds = (r: Reply) => (r.body.result.workgroups as { id: string }[]).map((g) => Number(g.id));

/** A relation the REST subset cannot create (pending `Z`, banned `T`), written to the store directly. */
async function relate(t: TestServer, groupId: number, userId: number, role: Role, by: 'U' | 'G' = 'G'): Promise<void> {
  const db = t.server.app.store.db;
  await insertMember(db, { groupId, userId, role, initiatedByType: by, initiatedBy: 1 }, nowSeconds());
  await recountMembers(db, groupId);
}

async function extranetUser(t: TestServer): Promise<Client> {
  const db = t.server.app.store.db;
  const id = await createUser(db, { email: `ext${Math.random()}@example.com`, departments: [], fields: { NAME: 'Ext' } }, nowSeconds());
  const hook = await addWebhook(db, { userId: id, scopes: IMPLEMENTED_SCOPES }, nowSeconds());
  return new Client(t.origin, id, hook.secret);
}

describe('sonet_group.create (§5.1)', () => {
  let t: TestServer;
  let w5: Client;
  before(async () => {
    t = await startTestServer();
    w5 = await t.user({ name: 'Five' });
  });
  after(() => t.close());

  const countGroups = async () => (await t.admin.call('sonet_group.get', { IS_ADMIN: 'Y' })).body.total as number;

  test('NAME, PROJECT=N, SCRUM_MASTER_ID=1 → integer id; workgroup.get shows PROJECT Y, TYPE scrum (checklist 1)', async () => {
    const r = await t.admin.call('sonet_group.create', { NAME: 'Team Rocket', DESCRIPTION: 'Mobile app', PROJECT: 'N', SCRUM_MASTER_ID: 1 });
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.result, 'number');
    const g = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: r.body.result } });
    assert.equal(g.PROJECT, 'Y');
    assert.equal(g.TYPE, 'scrum');
    assert.equal(g.SCRUM_MASTER_ID, 1);
    assert.equal(g.ACTIVE, 'Y');
    assert.equal(g.VISIBLE, 'Y');
    assert.equal(g.OPENED, 'N');
    assert.equal(g.CLOSED, 'N');
    assert.equal(g.INITIATE_PERMS, 'K');
    assert.equal(g.NUMBER_OF_MEMBERS, 1);
    assert.equal(g.NUMBER_OF_MODERATORS, 1);
    assert.equal(g.OWNER_ID, 1);
  });

  test('without NAME, with an empty NAME, or with only ~NAME/=NAME → EMPTY_NAME; nothing stored (checklist 2)', async () => {
    const before = await countGroups();
    for (const params of [{}, { NAME: '' }, { '~NAME': 'x' }, { '=NAME': 'x' }, { name: 'lower-case is not NAME' }, { NAME: '', OWNER_ID: 999 }]) {
      const r = await t.admin.call('sonet_group.create', params);
      assert.deepEqual(errorOf(r), { status: 400, error: 'EMPTY_NAME', error_description: 'The title is not specified.' }, JSON.stringify(params));
    }
    assert.equal(await countGroups(), before);
  });

  test('the other validation errors, in order (§5.1.3)', async () => {
    const before = await countGroups();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ NAME: 'x', OWNER_ID: 999 }, 'ERROR_NO_OWNER_ID', 'The group owner is not found.'],
      [{ NAME: 'x', OWNER_ID: 999, SUBJECT_ID: 5 }, 'ERROR_NO_OWNER_ID', 'The group owner is not found.'],
      [{ NAME: 'x', SUBJECT_ID: 5 }, 'ERROR_NO_SUBJECT_ID', 'The group subject is not found.'],
      [{ NAME: 'x', SITE_ID: 's2' }, 'ERROR_NO_SITE', 'Site s2 is not found.'],
      [{ NAME: 'x', SITE_ID: ['s1', 's9'] }, 'ERROR_NO_SITE', 'Site s9 is not found.'],
    ];
    for (const [params, error, description] of cases) {
      const r = await t.admin.call('sonet_group.create', params);
      assert.deepEqual(errorOf(r), { status: 400, error, error_description: description }, JSON.stringify(params));
    }
    assert.equal(await countGroups(), before);
    // SUBJECT_ID ≤ 0 and SITE_ID s1 (string or list) are fine.
    for (const params of [{ SUBJECT_ID: 0 }, { SUBJECT_ID: 1 }, { SITE_ID: 's1' }, { SITE_ID: ['s1'] }, { SITE_ID: '' }]) {
      const r = await t.admin.call('sonet_group.create', { NAME: 'ok', ...params });
      assert.equal(r.status, 200, JSON.stringify(params));
    }
  });

  test('OWNER_ID is honoured for admins only; W5 with OWNER_ID=1 becomes the owner (checklist 3)', async () => {
    const id = await w5.result('sonet_group.create', { NAME: 'Fives', OWNER_ID: 1 });
    const [g] = await t.admin.result('sonet_group.get', { FILTER: { ID: id } });
    assert.equal(g.OWNER_ID, String(w5.userId));
    assert.deepEqual(await t.admin.result('sonet_group.user.get', { ID: id }), [{ USER_ID: String(w5.userId), ROLE: 'A' }]);
    // A non-admin's OWNER_ID naming nobody is ignored, not an error.
    const id2 = await w5.result('sonet_group.create', { NAME: 'Fives 2', OWNER_ID: 999 });
    assert.equal(typeof id2, 'number');
    const id3 = await t.admin.result('sonet_group.create', { NAME: 'For five', OWNER_ID: w5.userId });
    assert.deepEqual(await t.admin.result('sonet_group.user.get', { ID: id3 }), [{ USER_ID: String(w5.userId), ROLE: 'A' }]);
  });

  test('a Scrum created via REST has no backlog and only the owner as member (checklist 4)', async () => {
    const sm = await t.user({ name: 'Master' });
    const id = await t.admin.result('sonet_group.create', { NAME: 'Scrum', PROJECT: 'Y', SCRUM_MASTER_ID: sm.userId });
    const b = await t.admin.call('tasks.api.scrum.backlog.get', { id });
    assert.deepEqual(errorOf(b), { status: 400, error: '0', error_description: 'Backlog not found' });
    assert.deepEqual(await t.admin.result('sonet_group.user.get', { ID: id }), [{ USER_ID: '1', ROLE: 'A' }]);
    const g = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: id } });
    assert.equal(g.SCRUM_MASTER_ID, sm.userId);
    assert.deepEqual(g.MEMBERS, [1]);
  });

  test('flag coercion, defaults, stored Scrum fields, project dates, avatar codes (§3.3, §5.1.1)', async () => {
    const id = await t.admin.result('sonet_group.create', {
      NAME: 'Flags',
      VISIBLE: 'x',
      OPENED: 'yes',
      CLOSED: 'Y',
      PROJECT: 'maybe',
      INITIATE_PERMS: 'Z',
      KEYWORDS: 'alpha, beta',
      SCRUM_SPRINT_DURATION: 1209600,
      SCRUM_TASK_RESPONSIBLE: 'M',
      SCRUM_OWNER_ID: 1,
      PROJECT_DATE_START: '2026-03-01T10:00:00+00:00',
      AVATAR_TYPE: 'folder',
      UF_CRM: 'ignored',
    });
    const g = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: id, select: ['TAGS'] } });
    assert.equal(g.VISIBLE, 'Y');
    assert.equal(g.OPENED, 'N');
    assert.equal(g.CLOSED, 'Y');
    assert.equal(g.PROJECT, 'N');
    assert.equal(g.TYPE, 'group');
    assert.equal(g.INITIATE_PERMS, 'K');
    assert.equal(g.SCRUM_SPRINT_DURATION, 1209600);
    assert.equal(g.SCRUM_TASK_RESPONSIBLE, 'M');
    assert.equal(g.SCRUM_OWNER_ID, 1);
    assert.equal(g.SCRUM_MASTER_ID, null);
    assert.equal(g.PROJECT_DATE_START, '03/01/2026 10:00:00');
    assert.equal(g.AVATAR_TYPE, 'folder');
    assert.deepEqual(g.TAGS, ['alpha', 'beta']);
    const id2 = await t.admin.result('sonet_group.create', { NAME: 'Avatar', AVATAR_TYPE: 'no-such-avatar', INITIATE_PERMS: 'E', PROJECT: 'Y' });
    const g2 = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: id2 } });
    assert.equal(g2.AVATAR_TYPE, null);
    assert.equal(g2.INITIATE_PERMS, 'E');
    assert.equal(g2.TYPE, 'project');
  });

  test('the same call as JSON, form and GET', async () => {
    for (const enc of ENCODINGS) {
      const r = await w5.call('sonet_group.create', { NAME: `Enc ${enc}`, SCRUM_MASTER_ID: String(w5.userId), VISIBLE: 'N' }, enc);
      assert.equal(r.status, 200, enc);
      assert.equal(typeof r.body.result, 'number', enc);
      const g = await w5.result('socialnetwork.api.workgroup.get', { params: { groupId: r.body.result } });
      assert.equal(g.NAME, `Enc ${enc}`);
      assert.equal(g.TYPE, 'scrum');
      assert.equal(g.VISIBLE, 'N');
      assert.equal(g.OWNER_ID, w5.userId);
    }
    const e = await w5.call('sonet_group.create', {}, 'get');
    assert.equal(e.body.error, 'EMPTY_NAME');
  });

  test('a user who is not an employee may not create groups (§5.1.2)', async () => {
    const ext = await extranetUser(t);
    sonetErr(await ext.call('sonet_group.create', { NAME: 'Nope' }), 'You have no permissions to create a group');
  });
});

describe('access model (§4.1, §4.2)', () => {
  let t: TestServer;
  let owner: Client, mod: Client, member: Client, outsider: Client, pending: Client, banned: Client, master: Client;
  let hidden: number, visible: number;

  before(async () => {
    t = await startTestServer();
    owner = await t.user({ name: 'Owner' });
    mod = await t.user({ name: 'Mod' });
    member = await t.user({ name: 'Member' });
    outsider = await t.user({ name: 'Outsider' });
    pending = await t.user({ name: 'Pending' });
    banned = await t.user({ name: 'Banned' });
    master = await t.user({ name: 'Master' });
    hidden = await owner.result('sonet_group.create', { NAME: 'Hidden', VISIBLE: 'N', PROJECT: 'Y', SCRUM_MASTER_ID: master.userId });
    visible = await owner.result('sonet_group.create', { NAME: 'Visible', VISIBLE: 'Y' });
    await addMember(t.admin, hidden, mod.userId, 'E');
    await addMember(t.admin, hidden, member.userId);
    await addMember(t.admin, hidden, master.userId);
    await relate(t, hidden, pending.userId, 'Z');
    await relate(t, hidden, banned.userId, 'T');
  });
  after(() => t.close());

  const seesInGet = async (c: Client, id: number, extra: Record<string, unknown> = {}) =>
    groupIds(await c.result('sonet_group.get', { ...extra })).includes(id);
  const seesInList = async (c: Client, id: number, params: Record<string, unknown> = {}) =>
    listIds(await c.call('socialnetwork.api.workgroup.list', { params })).includes(id);

  test('sonet_group.get and workgroup.list list an invisible group only to its members (checklist 6)', async () => {
    for (const [c, expected] of [
      [owner, true], [mod, true], [member, true], [master, true],
      [outsider, false], [pending, false], [banned, false], [t.admin, false],
    ] as const) {
      assert.equal(await seesInGet(c, hidden), expected, `sonet_group.get user ${c.userId}`);
      assert.equal(await seesInList(c, hidden), expected, `workgroup.list user ${c.userId}`);
      assert.equal(await seesInGet(c, visible), true);
      assert.equal(await seesInList(c, visible), true);
    }
    // IS_ADMIN=Y: an administrator sees everything, a non-admin nothing more.
    assert.equal(await seesInGet(t.admin, hidden, { IS_ADMIN: 'Y' }), true);
    assert.equal(await seesInGet(outsider, hidden, { IS_ADMIN: 'Y' }), false);
    assert.equal(await seesInGet(t.admin, hidden, { IS_ADMIN: 'y' }), false);
    assert.equal(await seesInGet(t.admin, hidden, { is_admin: 'Y' }), false);
    assert.equal(await seesInList(t.admin, hidden, { IS_ADMIN: 'Y' }), true);
    assert.equal(await seesInList(outsider, hidden, { IS_ADMIN: 'Y' }), false);
    // CHECK_PERMISSIONS in the filter cannot lift the visibility filter.
    assert.equal(groupIds(await outsider.result('sonet_group.get', { FILTER: { CHECK_PERMISSIONS: 'N' } })).includes(hidden), false);
    const r = await outsider.call('socialnetwork.api.workgroup.list', { filter: { CHECK_PERMISSIONS: 'N' } });
    assert.equal(listIds(r).includes(hidden), false);
  });

  test('workgroup.get and sonet_group.user.get: admins and members see an invisible group, others get "not found"', async () => {
    for (const c of [t.admin, owner, mod, member, master]) {
      const g = await c.call('socialnetwork.api.workgroup.get', { params: { groupId: hidden } });
      assert.equal(g.status, 200, `user ${c.userId}`);
      assert.equal(g.body.result.ID, hidden);
      const m = await c.call('sonet_group.user.get', { ID: hidden });
      assert.equal(m.status, 200, `user ${c.userId}`);
    }
    for (const c of [outsider, pending, banned]) {
      ctrlErr(await c.call('socialnetwork.api.workgroup.get', { params: { groupId: hidden } }), 'SONET_CONTROLLER_WORKGROUP_NOT_FOUND', 'Workgroup was not found.');
      sonetErr(await c.call('sonet_group.user.get', { ID: hidden }), 'Socialnetwork group not found');
      // A visible group is readable by everybody.
      assert.equal((await c.call('socialnetwork.api.workgroup.get', { params: { groupId: visible } })).status, 200);
      assert.deepEqual(await c.result('sonet_group.user.get', { ID: visible }), [{ USER_ID: String(owner.userId), ROLE: 'A' }]);
    }
  });

  test('sonet_group.user.get lists owner, moderator and members in relation order; not pending, banned or deactivated users (§5.6)', async () => {
    const expected = [
      { USER_ID: String(owner.userId), ROLE: 'A' },
      { USER_ID: String(mod.userId), ROLE: 'E' },
      { USER_ID: String(member.userId), ROLE: 'K' },
      { USER_ID: String(master.userId), ROLE: 'K' },
    ];
    for (const enc of ENCODINGS) assert.deepEqual(await owner.result('sonet_group.user.get', { ID: hidden }, enc), expected, enc);
    const g = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: hidden } });
    assert.equal(g.NUMBER_OF_MEMBERS, 4);
    assert.equal(g.NUMBER_OF_MODERATORS, 2);
    assert.deepEqual(g.MEMBERS, [owner.userId, mod.userId, member.userId, master.userId]);
    assert.deepEqual(g.ORDINARY_MEMBERS, [member.userId, master.userId]);
    assert.deepEqual(g.MODERATOR_MEMBERS, [mod.userId]);
    assert.deepEqual(g.INVITED_MEMBERS, [pending.userId]);
  });

  test('sonet_group.user.get errors (§5.6; checklist 11)', async () => {
    for (const params of [{ GROUP_ID: hidden }, {}, { ID: 0 }, { ID: -3 }, { ID: 'abc' }, { id: hidden }]) {
      sonetErr(await t.admin.call('sonet_group.user.get', params), 'Wrong socialnetwork group ID');
    }
    sonetErr(await t.admin.call('sonet_group.user.get', { ID: 99999 }), 'Socialnetwork group not found');
    sonetErr(await t.admin.call('sonet_group.user.get', { GROUP_ID: hidden }, 'form'), 'Wrong socialnetwork group ID');
  });

  test('workgroup.get ACTIONS and USER_DATA follow the caller\'s relation', async () => {
    const view = async (c: Client, id: number) =>
      c.result('socialnetwork.api.workgroup.get', { params: { groupId: id, select: ['ACTIONS', 'USER_DATA'], mode: 'mobile' } });
    const o = await view(owner, hidden);
    assert.deepEqual(o.ACTIONS, { EDIT: true, DELETE: true, INVITE: true, JOIN: false, LEAVE: false });
    assert.deepEqual(o.USER_DATA, { ROLE: 'A', INITIATED_BY_TYPE: 'U' });
    assert.deepEqual(o.ADDITIONAL_DATA, { ROLE: 'A', INITIATED_BY_TYPE: 'U' });
    const m = await view(mod, hidden);
    assert.deepEqual(m.ACTIONS, { EDIT: false, DELETE: false, INVITE: true, JOIN: false, LEAVE: true });
    assert.deepEqual(m.USER_DATA, { ROLE: 'E', INITIATED_BY_TYPE: 'G' });
    // The Scrum master with a relation may modify the project but not leave it.
    const s = await view(master, hidden);
    assert.deepEqual(s.ACTIONS, { EDIT: true, DELETE: true, INVITE: true, JOIN: false, LEAVE: false });
    const a = await view(t.admin, hidden);
    assert.deepEqual(a.ACTIONS, { EDIT: true, DELETE: true, INVITE: true, JOIN: true, LEAVE: false });
    assert.deepEqual(a.USER_DATA, { ROLE: null, INITIATED_BY_TYPE: null });
    assert.deepEqual(a.ADDITIONAL_DATA, { ROLE: '', INITIATED_BY_TYPE: '' });
    const x = await view(outsider, visible);
    assert.deepEqual(x.ACTIONS, { EDIT: false, DELETE: false, INVITE: false, JOIN: true, LEAVE: false });
  });

  test('sonet_group.user.add and .update are admin-only, whatever the caller\'s role (§4.1)', async () => {
    for (const c of [owner, mod, member, outsider]) {
      sonetErr(await c.call('sonet_group.user.add', { GROUP_ID: hidden, USER_ID: [outsider.userId] }), 'No permissions to add users');
      sonetErr(await c.call('sonet_group.user.update', { GROUP_ID: hidden, USER_ID: [member.userId], ROLE: 'E' }), 'No permissions to update users role');
    }
    // The admin needs no visibility to add members to an invisible group it is not part of.
    assert.deepEqual(await t.admin.result('sonet_group.user.add', { GROUP_ID: hidden, USER_ID: [1] }), ['1']);
  });

  test('a deactivated member disappears from sonet_group.user.get and the counters', async () => {
    const db = t.server.app.store.db;
    await db.updateTable('users').set({ active: 'N' }).where('id', '=', member.userId).execute();
    await recountMembers(db, hidden);
    const rows = await owner.result('sonet_group.user.get', { ID: hidden });
    assert.equal(rows.some((r: { USER_ID: string }) => r.USER_ID === String(member.userId)), false);
    const [g] = await owner.result('sonet_group.get', { FILTER: { ID: hidden } });
    assert.equal(g.NUMBER_OF_MEMBERS, String(rows.length));
  });
});

describe('sonet_group.user.add and sonet_group.user.update (§5.7, §5.8)', () => {
  let t: TestServer;
  let u5: Client, u6: Client, pendingUser: Client, bannedUser: Client;
  let g: number;
  before(async () => {
    t = await startTestServer();
    u5 = await t.user();
    u6 = await t.user();
    pendingUser = await t.user();
    bannedUser = await t.user();
    g = await t.admin.result('sonet_group.create', { NAME: 'Members', VISIBLE: 'N' });
    await relate(t, g, pendingUser.userId, 'Z');
    await relate(t, g, bannedUser.userId, 'T');
  });
  after(() => t.close());

  test('user.add checks in order (§5.7)', async () => {
    const w5 = u5;
    sonetErr(await w5.call('sonet_group.user.add', { GROUP_ID: 0, USER_ID: 5 }), 'Wrong group ID');
    sonetErr(await w5.call('sonet_group.user.add', { USER_ID: 5 }), 'Wrong group ID');
    sonetErr(await w5.call('sonet_group.user.add', { GROUP_ID: 99999 }), 'No permissions to add users');
    sonetErr(await t.admin.call('sonet_group.user.add', { group_id: g, USER_ID: [u5.userId] }), 'Wrong group ID');
    for (const user of [undefined, 0, -1, [], [0], 'abc']) {
      sonetErr(await t.admin.call('sonet_group.user.add', { GROUP_ID: 99999, USER_ID: user }), 'Wrong user IDs');
    }
    sonetErr(await t.admin.call('sonet_group.user.add', { GROUP_ID: 99999, USER_ID: [u5.userId] }), 'Socialnetwork group not found');
  });

  test('admin adds [5,5,999] → ["5"]; repeating → [] (checklist 12)', async () => {
    const r = await t.admin.call('sonet_group.user.add', { GROUP_ID: g, USER_ID: [u5.userId, u5.userId, 999], ROLE: 'E' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, [String(u5.userId)]);
    assert.deepEqual(await t.admin.result('sonet_group.user.add', { GROUP_ID: g, USER_ID: [u5.userId] }), []);
    // Owner, pending and banned relations are skipped too; the ROLE parameter is ignored (always K).
    assert.deepEqual(await t.admin.result('sonet_group.user.add', { GROUP_ID: g, USER_ID: [1, pendingUser.userId, bannedUser.userId] }), []);
    const members = await t.admin.result('sonet_group.user.get', { ID: g });
    assert.deepEqual(members, [{ USER_ID: '1', ROLE: 'A' }, { USER_ID: String(u5.userId), ROLE: 'K' }]);
    const [row] = await t.admin.result('sonet_group.get', { IS_ADMIN: 'Y', FILTER: { ID: g } });
    assert.equal(row.NUMBER_OF_MEMBERS, '2');
  });

  test('user.add accepts one id and form lists; results ascending as strings', async () => {
    const a = await t.user();
    const b = await t.user();
    const g2 = await t.admin.result('sonet_group.create', { NAME: 'Form adds' });
    assert.deepEqual(await t.admin.result('sonet_group.user.add', { GROUP_ID: String(g2), USER_ID: [b.userId, a.userId] }, 'form'), [
      String(a.userId),
      String(b.userId),
    ]);
    const c = await t.user();
    assert.deepEqual(await t.admin.result('sonet_group.user.add', { GROUP_ID: g2, USER_ID: c.userId }, 'get'), [String(c.userId)]);
    // Added members are initiated by the group (G).
    const v = await c.result('socialnetwork.api.workgroup.get', { params: { groupId: g2, select: ['USER_DATA'] } });
    assert.deepEqual(v.USER_DATA, { ROLE: 'K', INITIATED_BY_TYPE: 'G' });
  });

  test('user.update checks in order (§5.8)', async () => {
    sonetErr(await u5.call('sonet_group.user.update', { GROUP_ID: 0, USER_ID: 5, ROLE: 'A' }), 'Wrong group ID');
    sonetErr(await u5.call('sonet_group.user.update', { GROUP_ID: g, USER_ID: 5, ROLE: 'A' }), 'No permissions to update users role');
    for (const role of ['A', 'e', 'Z', '', undefined, ['E']]) {
      sonetErr(await t.admin.call('sonet_group.user.update', { GROUP_ID: 99999, USER_ID: [], ROLE: role }), 'Incorrect role code');
    }
    for (const user of [undefined, 0, [], [-2]]) {
      sonetErr(await t.admin.call('sonet_group.user.update', { GROUP_ID: 99999, USER_ID: user, ROLE: 'E' }), 'Wrong user IDs');
    }
    sonetErr(await t.admin.call('sonet_group.user.update', { GROUP_ID: 99999, USER_ID: 5, ROLE: 'E' }), 'Socialnetwork group not found');
  });

  test('ROLE="A" → Incorrect role code; the owner\'s role never changes (checklist 13)', async () => {
    sonetErr(await t.admin.call('sonet_group.user.update', { GROUP_ID: g, USER_ID: [1], ROLE: 'A' }), 'Incorrect role code');
    assert.deepEqual(await t.admin.result('sonet_group.user.update', { GROUP_ID: g, USER_ID: [1], ROLE: 'K' }), []);
    assert.deepEqual(await t.admin.result('sonet_group.user.update', { GROUP_ID: g, USER_ID: 1, ROLE: 'E' }), []);
    const members = await t.admin.result('sonet_group.user.get', { ID: g });
    assert.deepEqual(members[0], { USER_ID: '1', ROLE: 'A' });
  });

  test('member ↔ moderator; already-in-role and unrelated users skipped; pending/banned converted; relation order', async () => {
    // u6 has no relation: skipped.
    const r = await t.admin.call('sonet_group.user.update', { GROUP_ID: g, USER_ID: [u6.userId, u5.userId], ROLE: 'E' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, [String(u5.userId)]);
    assert.deepEqual(await t.admin.result('sonet_group.user.update', { GROUP_ID: g, USER_ID: [u5.userId], ROLE: 'E' }), []);
    let v = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: g } });
    assert.equal(v.NUMBER_OF_MODERATORS, 2);
    assert.deepEqual(v.MODERATOR_MEMBERS, [u5.userId]);
    // Pending (Z) and banned (T) relations are converted; result ordered by relation id, not by the list.
    const conv = await t.admin.result('sonet_group.user.update', {
      GROUP_ID: g,
      USER_ID: [bannedUser.userId, u5.userId, pendingUser.userId],
      ROLE: 'K',
    });
    assert.deepEqual(conv, [String(pendingUser.userId), String(bannedUser.userId), String(u5.userId)]);
    v = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: g } });
    assert.equal(v.NUMBER_OF_MEMBERS, 4);
    assert.equal(v.NUMBER_OF_MODERATORS, 1);
    assert.deepEqual(v.ORDINARY_MEMBERS, [pendingUser.userId, bannedUser.userId, u5.userId]);
    // As a form (strings) and as GET.
    assert.deepEqual(await t.admin.result('sonet_group.user.update', { GROUP_ID: String(g), USER_ID: [String(u5.userId)], ROLE: 'E' }, 'form'), [
      String(u5.userId),
    ]);
    assert.deepEqual(await t.admin.result('sonet_group.user.update', { GROUP_ID: g, USER_ID: u5.userId, ROLE: 'K' }, 'get'), [String(u5.userId)]);
  });
});

describe('sonet_group.get (§5.2)', () => {
  let t: TestServer;
  let a: number, b: number, c: number, closed: number, scrum: number;
  let w5: Client, w6: Client;
  before(async () => {
    t = await startTestServer();
    w5 = await t.user();
    w6 = await t.user();
    a = await t.admin.result('sonet_group.create', { NAME: 'Alpha team', DESCRIPTION: 'First', KEYWORDS: 'red' });
    b = await t.admin.result('sonet_group.create', { NAME: 'beta Team', OPENED: 'Y' });
    // Invisible, and the admin has no relation with it.
    c = await w5.result('sonet_group.create', { NAME: 'Gamma', VISIBLE: 'N' });
    closed = await t.admin.result('sonet_group.create', { NAME: 'Archive', CLOSED: 'Y' });
    scrum = await t.admin.result('sonet_group.create', { NAME: 'Scrum', SCRUM_MASTER_ID: 1, DESCRIPTION: '' });
  });
  after(() => t.close());

  test('one row per group: exact keys in order, all values strings or null, no Scrum fields (checklist 5)', async () => {
    const r = await t.admin.call('sonet_group.get', { FILTER: { ID: scrum } });
    assert.equal(r.status, 200);
    assert.equal(r.body.total, 1);
    assert.equal('next' in r.body, false);
    const [g] = r.body.result;
    assert.deepEqual(Object.keys(g), LEGACY_KEYS);
    for (const k of LEGACY_KEYS) assert.ok(typeof g[k] === 'string' || g[k] === null, k);
    assert.equal(g.ID, String(scrum));
    assert.equal(g.SITE_ID, 's1');
    assert.equal(g.NAME, 'Scrum');
    assert.equal(g.DESCRIPTION, '');
    assert.equal(g.KEYWORDS, null);
    assert.equal(g.SUBJECT_ID, '1');
    assert.equal(g.SUBJECT_NAME, 'Workgroups');
    assert.equal(g.OWNER_ID, '1');
    assert.equal(g.NUMBER_OF_MEMBERS, '1');
    assert.equal(g.PROJECT, 'Y');
    assert.match(g.DATE_CREATE, ISO_OFFSET);
    assert.match(g.DATE_UPDATE, ISO_OFFSET);
    assert.match(g.DATE_ACTIVITY, ISO_OFFSET);
    assert.equal('SCRUM_MASTER_ID' in g, false);
    assert.equal('TYPE' in g, false);
    assert.equal('IMAGE' in g, false);
  });

  test('FILTER is read exactly: lower-case filter is ignored (checklist 5)', async () => {
    const all = groupIds(await t.admin.result('sonet_group.get', {}));
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { filter: { ID: a } })), all);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { FILTER: { id: a } })), all);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { FILTER: { ID: a } })), [a]);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { FILTER: 'nonsense' })), all);
  });

  test('the same call as GET, form and JSON', async () => {
    for (const enc of ENCODINGS) {
      const r = await t.admin.call('sonet_group.get', { FILTER: { ID: [a, b] }, ORDER: { ID: 'ASC' } }, enc);
      assert.equal(r.status, 200, enc);
      assert.deepEqual(groupIds(r.body.result), [a, b], enc);
      assert.equal(r.body.total, 2, enc);
      const s = await t.admin.call('sonet_group.get', { GROUP_ID: b }, enc);
      assert.deepEqual(groupIds(s.body.result), [b], enc);
    }
  });

  test('default order is ID descending; ORDER directions; unknown fields ignored', async () => {
    const all = groupIds(await t.admin.result('sonet_group.get', {}));
    assert.deepEqual(all, [scrum, closed, b, a]); // c is invisible to the admin without IS_ADMIN
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { ORDER: 'x' })), all);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { ORDER: { ID: 'asc' } })), [a, b, closed, scrum]);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { ORDER: { ID: 'whatever' } })), all);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { ORDER: { NAME: 'ASC' } })), [a, closed, scrum, b]);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { ORDER: { FOO: 'ASC', ID: 'ASC' } })), [a, b, closed, scrum]);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { ORDER: { OPENED: 'DESC', ID: 'DESC' } })), [b, scrum, closed, a]);
  });

  test('filter operators and fields (§5.2.1)', async () => {
    const q = async (filter: unknown) => groupIds(await t.admin.result('sonet_group.get', { FILTER: filter, ORDER: { ID: 'ASC' }, IS_ADMIN: 'Y' }));
    const all = await q({});
    assert.deepEqual(all, [a, b, c, closed, scrum]);
    assert.deepEqual(await q({ '%NAME': 'TEAM' }), [a, b]);
    assert.deepEqual(await q({ '?NAME': 'team' }), [a, b]);
    assert.deepEqual(await q({ '!%NAME': 'team' }), [c, closed, scrum]);
    assert.deepEqual(await q({ '!ID': a }), [b, c, closed, scrum]);
    assert.deepEqual(await q({ '!=ID': a }), [b, c, closed, scrum]);
    assert.deepEqual(await q({ '>ID': b, '<=ID': closed }), [c, closed]);
    assert.deepEqual(await q({ '>=ID': closed }), [closed, scrum]);
    assert.deepEqual(await q({ '<ID': b }), [a]);
    assert.deepEqual(await q({ '><ID': [b, c] }), [b, c]);
    assert.deepEqual(await q({ '!><ID': [b, c] }), [a, closed, scrum]);
    assert.deepEqual(await q({ ID: [a, scrum] }), [a, scrum]);
    assert.deepEqual(await q({ '!ID': [a, scrum] }), [b, c, closed]);
    assert.deepEqual(await q({ '=NAME': 'Gamma' }), [c]);
    assert.deepEqual(await q({ NAME: 'gamma' }), []);
    assert.deepEqual(await q({ VISIBLE: 'N' }), [c]);
    assert.deepEqual(await q({ OPENED: 'Y' }), [b]);
    assert.deepEqual(await q({ CLOSED: 'Y' }), [closed]);
    assert.deepEqual(await q({ PROJECT: 'Y' }), [scrum]);
    assert.deepEqual(await q({ KEYWORDS: 'red' }), [a]);
    assert.deepEqual(await q({ SUBJECT_ID: 1, SITE_ID: 's1', ACTIVE: 'Y', NUMBER_OF_MEMBERS: 1 }), all);
    assert.deepEqual(await q({ OWNER_ID: w5.userId }), [c]);
    assert.deepEqual(await q({ '!OWNER_ID': 1 }), [c]);
    // Integer 0 / empty string with an equality operator also match NULL (the reference's empty-value rule).
    assert.deepEqual(await q({ SCRUM_MASTER_ID: 0 }), [a, b, c, closed]);
    assert.deepEqual(await q({ '!SCRUM_MASTER_ID': 0 }), [scrum]);
    assert.deepEqual(await q({ SCRUM_MASTER_ID: 1 }), [scrum]);
    assert.deepEqual(await q({ '>SCRUM_MASTER_ID': 0 }), [scrum]);
    assert.deepEqual(await q({ DESCRIPTION: '' }), [b, c, closed, scrum]);
    assert.deepEqual(await q({ '!DESCRIPTION': '' }), [a]);
    assert.deepEqual(await q({ SCRUM_OWNER_ID: 0 }), all);
    // Dates are ISO-8601.
    assert.deepEqual(await q({ '>=DATE_CREATE': '2000-01-01T00:00:00+00:00' }), all);
    assert.deepEqual(await q({ '<DATE_UPDATE': '2000-01-01' }), []);
    assert.deepEqual(await q({ '>DATE_ACTIVITY': '2999-01-01T00:00:00+02:00' }), []);
    // Dropped keys: other operators, unknown fields, CHECK_PERMISSIONS, lower-case names.
    assert.deepEqual(await q({ '@ID': [a] }), all);
    assert.deepEqual(await q({ '~ID': a }), all);
    assert.deepEqual(await q({ FOO: 'x', name: 'Gamma', SUBJECT_NAME: 'x', TYPE: 'scrum' }), all);
    // IS_EXTRANET: Y asks for extranet groups (none locally); N excludes nothing.
    assert.deepEqual(await q({ IS_EXTRANET: 'Y' }), []);
    assert.deepEqual(await q({ IS_EXTRANET: 'N' }), all);
  });

  test('GROUP_ID > 0 overrides FILTER.ID; IS_ADMIN only for administrators; empty match is [] with total 0', async () => {
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { GROUP_ID: a, FILTER: { ID: b } })), [a]);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { GROUP_ID: 0, FILTER: { ID: b } })), [b]);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { GROUP_ID: c })), []);
    assert.deepEqual(groupIds(await t.admin.result('sonet_group.get', { GROUP_ID: c, IS_ADMIN: 'Y' })), [c]);
    assert.deepEqual(groupIds(await w6.result('sonet_group.get', { GROUP_ID: c, IS_ADMIN: 'Y' })), []);
    assert.deepEqual(groupIds(await w5.result('sonet_group.get', { GROUP_ID: c })), [c]);
    const r = await w6.call('sonet_group.get', { FILTER: { ID: 99999 } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, []);
    assert.equal(r.body.total, 0);
    assert.equal('next' in r.body, false);
  });

  test('archived groups are listed (no implicit CLOSED filter)', async () => {
    assert.ok(groupIds(await w5.result('sonet_group.get', {})).includes(closed));
  });
});

describe('socialnetwork.api.workgroup.list (§6.1)', () => {
  let t: TestServer;
  let owner: Client, outsider: Client;
  let team: number, scrum: number, hidden: number;
  before(async () => {
    t = await startTestServer();
    owner = await t.user({ name: 'Owner' });
    outsider = await t.user({ name: 'Outsider' });
    team = await owner.result('sonet_group.create', { NAME: 'Team Rocket', DESCRIPTION: 'Mobile app', PROJECT: 'Y' });
    scrum = await owner.result('sonet_group.create', { NAME: 'Scrum Team', SCRUM_MASTER_ID: owner.userId, SCRUM_SPRINT_DURATION: 604800 });
    hidden = await owner.result('sonet_group.create', { NAME: 'Hidden group', VISIBLE: 'N' });
  });
  after(() => t.close());

  test('without select each element has only id; total at top level (checklist 15)', async () => {
    const r = await outsider.call('socialnetwork.api.workgroup.list', {});
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { workgroups: [{ id: String(team) }, { id: String(scrum) }] });
    assert.equal(r.body.total, 2);
    assert.equal('next' in r.body, false);
    const e = await outsider.call('socialnetwork.api.workgroup.list', { select: [] });
    assert.deepEqual(e.body.result.workgroups, [{ id: String(team) }, { id: String(scrum) }]);
  });

  test('select ID, NAME, TYPE → {"id","name","type"} inside result.workgroups (checklist 15)', async () => {
    for (const enc of ENCODINGS) {
      const r = await owner.call('socialnetwork.api.workgroup.list', { select: ['ID', 'NAME', 'TYPE'], filter: { ID: scrum } }, enc);
      assert.equal(r.status, 200, enc);
      assert.deepEqual(r.body.result, { workgroups: [{ id: String(scrum), name: 'Scrum Team', type: 'scrum' }] }, enc);
      assert.equal(r.body.total, 1, enc);
    }
    // ID is appended when not selected; unknown and lower-case names are dropped.
    const r = await owner.call('socialnetwork.api.workgroup.list', { select: ['NAME', 'FOO', 'type', 'NAME'], filter: { ID: team } });
    assert.deepEqual(r.body.result.workgroups, [{ name: 'Team Rocket', id: String(team) }]);
  });

  test('every selectable field: lowerCamel keys, string values, ISO dates, null when unset', async () => {
    const select = [
      'ID', 'ACTIVE', 'SUBJECT_ID', 'NAME', 'DESCRIPTION', 'KEYWORDS', 'CLOSED', 'VISIBLE', 'OPENED', 'PROJECT', 'LANDING',
      'DATE_CREATE', 'DATE_UPDATE', 'DATE_ACTIVITY', 'IMAGE_ID', 'AVATAR_TYPE', 'OWNER_ID', 'NUMBER_OF_MEMBERS',
      'NUMBER_OF_MODERATORS', 'INITIATE_PERMS', 'PROJECT_DATE_START', 'PROJECT_DATE_FINISH', 'SCRUM_OWNER_ID',
      'SCRUM_MASTER_ID', 'SCRUM_SPRINT_DURATION', 'SCRUM_TASK_RESPONSIBLE', 'TYPE', 'AVATAR',
    ];
    const [g] = (await owner.result('socialnetwork.api.workgroup.list', { select, filter: { ID: scrum } })).workgroups;
    assert.deepEqual(Object.keys(g), [
      'id', 'active', 'subjectId', 'name', 'description', 'keywords', 'closed', 'visible', 'opened', 'project', 'landing',
      'dateCreate', 'dateUpdate', 'dateActivity', 'imageId', 'avatarType', 'ownerId', 'numberOfMembers',
      'numberOfModerators', 'initiatePerms', 'projectDateStart', 'projectDateFinish', 'scrumOwnerId', 'scrumMasterId',
      'scrumSprintDuration', 'scrumTaskResponsible', 'type', 'avatar',
    ]);
    assert.equal(g.id, String(scrum));
    assert.equal(g.subjectId, '1');
    assert.equal(g.ownerId, String(owner.userId));
    assert.equal(g.numberOfMembers, '1');
    assert.equal(g.numberOfModerators, '1');
    assert.equal(g.scrumMasterId, String(owner.userId));
    assert.equal(g.scrumSprintDuration, '604800');
    assert.equal(g.project, 'Y');
    assert.equal(g.landing, 'N');
    assert.equal(g.initiatePerms, 'K');
    assert.match(g.dateCreate, ISO_OFFSET);
    assert.equal(g.imageId, null);
    assert.equal(g.description, null);
    assert.equal(g.projectDateStart, null);
    assert.equal(g.scrumOwnerId, null);
    assert.equal(g.scrumTaskResponsible, null);
    assert.equal(g.avatar, '');
    assert.equal(g.type, 'scrum');
  });

  test('filter: TYPE, ORM LIKE operators, legacy operators; visibility and siteId always applied', async () => {
    const q = async (c: Client, filter: unknown, params: Record<string, unknown> = {}) =>
      listIds(await c.call('socialnetwork.api.workgroup.list', { filter, params }));
    assert.deepEqual(await q(owner, { TYPE: 'scrum' }), [scrum]);
    assert.deepEqual(await q(owner, { TYPE: 'project' }), [team]);
    assert.deepEqual(await q(owner, { '!TYPE': 'scrum' }), [team, hidden]);
    assert.deepEqual(await q(owner, { '=%NAME': 'scrum%' }), [scrum]);
    assert.deepEqual(await q(owner, { '%=NAME': '%Team' }), [scrum]);
    assert.deepEqual(await q(owner, { '!=%NAME': '%team%' }), [hidden]);
    assert.deepEqual(await q(owner, { '!%=NAME': '%group' }), [team, scrum]);
    assert.deepEqual(await q(owner, { '%NAME': 'TEAM' }), [team, scrum]);
    assert.deepEqual(await q(owner, { '>=SCRUM_SPRINT_DURATION': 1 }), [scrum]);
    assert.deepEqual(await q(owner, { VISIBLE: 'N' }), [hidden]);
    assert.deepEqual(await q(outsider, { VISIBLE: 'N' }), []);
    assert.deepEqual(await q(owner, {}, { siteId: 's2' }), []);
    assert.deepEqual(await q(owner, {}, { siteId: 's1' }), [team, scrum, hidden]);
    assert.deepEqual(await q(owner, { SITE_ID: 's2' }), []);
    assert.deepEqual(await q(owner, { IS_EXTRANET: 'Y' }), []);
  });

  test('order; an unknown order field is a "0" error', async () => {
    const q = async (order: unknown) => listIds(await owner.call('socialnetwork.api.workgroup.list', { order }));
    assert.deepEqual(await q({}), [team, scrum, hidden]);
    assert.deepEqual(await q({ ID: 'DESC' }), [hidden, scrum, team]);
    assert.deepEqual(await q({ NAME: 'asc' }), [hidden, scrum, team]);
    assert.deepEqual(await q({ TYPE: 'DESC', ID: 'ASC' }), [scrum, team, hidden]);
    const r = await owner.call('socialnetwork.api.workgroup.list', { order: { FOO: 'ASC' } });
    ctrlErr(r, '0', 'Unknown field definition {FOO}');
  });

  test('binding: a non-array filter/select/order/params is a "100" error', async () => {
    for (const name of ['filter', 'select', 'order', 'params']) {
      const r = await owner.call('socialnetwork.api.workgroup.list', { [name]: 'abc' });
      ctrlErr(r, '100', `Invalid value {abc} to match with parameter {${name}}. Should be value of type array.`);
    }
    const n = await owner.call('socialnetwork.api.workgroup.list', { filter: 5 });
    ctrlErr(n, '100', 'Invalid value {5} to match with parameter {filter}. Should be value of type array.');
    // Lower-camel names are exact: FILTER is an unknown parameter.
    assert.deepEqual(listIds(await owner.call('socialnetwork.api.workgroup.list', { FILTER: 'abc' })), [team, scrum, hidden]);
  });

  test('params.mode=mobile adds additionalData; shouldSelectDialogId adds dialogId', async () => {
    const r = await outsider.call('socialnetwork.api.workgroup.list', { select: ['ID'], params: { mode: 'mobile' } });
    assert.deepEqual(r.body.result.workgroups[0], { id: String(team), additionalData: { role: '', initiatedByType: '' } });
    const o = await owner.call('socialnetwork.api.workgroup.list', { filter: { ID: team }, params: { mode: 'mobile', shouldSelectDialogId: 'Y' } });
    assert.deepEqual(o.body.result.workgroups, [{ id: String(team), additionalData: { role: 'A', initiatedByType: 'U' }, dialogId: '' }]);
  });
});

describe('socialnetwork.api.workgroup.get (§6.2)', () => {
  let t: TestServer;
  let owner: Client, outsider: Client;
  let g: number;
  before(async () => {
    t = await startTestServer();
    owner = await t.user({ name: 'Olga' });
    outsider = await t.user();
    g = await owner.result('sonet_group.create', {
      NAME: 'Team Rocket',
      DESCRIPTION: 'Mobile app',
      VISIBLE: 'N',
      PROJECT: 'Y',
      SCRUM_MASTER_ID: owner.userId,
      KEYWORDS: 'ios,android',
    });
  });
  after(() => t.close());

  test('top-level groupId only, or params without groupId → SONET_CONTROLLER_WORKGROUP_EMPTY (checklist 16)', async () => {
    for (const body of [{ groupId: g }, {}, { params: {} }, { params: { groupId: 0 } }, { params: { groupId: 'abc' } }, { params: { GROUPID: g } }]) {
      ctrlErr(await owner.call('socialnetwork.api.workgroup.get', body), 'SONET_CONTROLLER_WORKGROUP_EMPTY', 'Workgroup ID not passed.');
    }
    ctrlErr(await owner.call('socialnetwork.api.workgroup.get', { groupId: g }, 'get'), 'SONET_CONTROLLER_WORKGROUP_EMPTY', 'Workgroup ID not passed.');
  });

  test('params that is not an array → "100" binding error', async () => {
    ctrlErr(
      await owner.call('socialnetwork.api.workgroup.get', { params: 'x' }),
      '100',
      'Invalid value {x} to match with parameter {params}. Should be value of type array.',
    );
  });

  test('missing or invisible group → SONET_CONTROLLER_WORKGROUP_NOT_FOUND; admins see every group', async () => {
    ctrlErr(await owner.call('socialnetwork.api.workgroup.get', { params: { groupId: 99999 } }), 'SONET_CONTROLLER_WORKGROUP_NOT_FOUND', 'Workgroup was not found.');
    ctrlErr(await outsider.call('socialnetwork.api.workgroup.get', { params: { groupId: g } }), 'SONET_CONTROLLER_WORKGROUP_NOT_FOUND', 'Workgroup was not found.');
    assert.equal((await t.admin.call('socialnetwork.api.workgroup.get', { params: { groupId: g } })).status, 200);
  });

  test('the object: UPPER_CASE keys in order, integers, site-format dates, member lists (§6.2.2)', async () => {
    for (const enc of ENCODINGS) {
      const r = await owner.call('socialnetwork.api.workgroup.get', { params: { groupId: String(g) } }, enc);
      assert.equal(r.status, 200, enc);
      const o = r.body.result;
      assert.deepEqual(Object.keys(o), [...WORKGROUP_GET_KEYS, 'NUMBER_OF_MEMBERS_PLURAL'], enc);
      assert.equal(o.ID, g);
      assert.equal(o.SUBJECT_ID, 1);
      assert.equal(o.OWNER_ID, owner.userId);
      assert.equal(o.NUMBER_OF_MEMBERS, 1);
      assert.equal(o.NUMBER_OF_MODERATORS, 1);
      assert.equal(o.SCRUM_MASTER_ID, owner.userId);
      assert.equal(o.TYPE, 'scrum');
      assert.equal(o.NAME, 'Team Rocket');
      assert.equal(o.SITE_ID, 's1');
      assert.match(o.DATE_CREATE, SITE_FORMAT);
      assert.match(o.DATE_UPDATE, SITE_FORMAT);
      assert.match(o.DATE_ACTIVITY, SITE_FORMAT);
      assert.equal(o.IMAGE_ID, null);
      assert.equal(o.PROJECT_DATE_START, null);
      // name, description, keywords with #, owner name — ROT13 (platform.md §6.2.2)
      assert.equal(o.SEARCH_INDEX, 'Grnz Ebpxrg Zbovyr ncc vbf #vbf naqebvq #naqebvq Bytn Grfg');
      assert.equal(o.LANDING, 'N');
      assert.deepEqual(o.MEMBERS, [owner.userId]);
      assert.deepEqual(o.ORDINARY_MEMBERS, []);
      assert.deepEqual(o.MODERATOR_MEMBERS, []);
      assert.deepEqual(o.INVITED_MEMBERS, []);
      assert.deepEqual(o.SITE_IDS, ['s1']);
      assert.equal(o.NUMBER_OF_MEMBERS_PLURAL, 0);
    }
  });

  test('selected blocks; unknown select values accepted and omitted; a top-level select is ignored', async () => {
    const o = await owner.result('socialnetwork.api.workgroup.get', {
      params: { groupId: g, select: ['TAGS', 'OWNER_DATA', 'SUBJECT_DATA', 'DEPARTMENTS', 'AVATAR', 'FEATURES', 'COUNTERS'] },
    });
    assert.deepEqual(o.TAGS, ['android', 'ios'], 'lower-cased, sorted by name');
    assert.deepEqual(o.OWNER_DATA, { ID: owner.userId, PHOTO: null, FORMATTED_NAME: 'Olga Test' });
    assert.deepEqual(o.SUBJECT_DATA, { ID: 1, NAME: 'Workgroups' });
    assert.deepEqual(o.DEPARTMENTS, []);
    assert.equal(o.AVATAR, '');
    assert.equal('FEATURES' in o, false);
    assert.equal('COUNTERS' in o, false);
    const keys = Object.keys(o);
    assert.deepEqual(keys.slice(WORKGROUP_GET_KEYS.length), ['AVATAR', 'OWNER_DATA', 'SUBJECT_DATA', 'TAGS', 'DEPARTMENTS', 'NUMBER_OF_MEMBERS_PLURAL']);
    const plain = await owner.result('socialnetwork.api.workgroup.get', { params: { groupId: g }, select: ['TAGS'] });
    assert.equal('TAGS' in plain, false);
  });

  test('NUMBER_OF_MEMBERS_PLURAL is 1 for two members', async () => {
    await addMember(t.admin, g, outsider.userId);
    const o = await outsider.result('socialnetwork.api.workgroup.get', { params: { groupId: g } });
    assert.equal(o.NUMBER_OF_MEMBERS, 2);
    assert.equal(o.NUMBER_OF_MEMBERS_PLURAL, 1);
    assert.deepEqual(o.ORDINARY_MEMBERS, [outsider.userId]);
  });
});

describe('paging of group lists (§2.4)', () => {
  let t: TestServer;
  let all: number[];
  before(async () => {
    t = await startTestServer();
    all = [];
    for (let i = 0; i < 120; i++) all.push(await t.admin.result('sonet_group.create', { NAME: `G${i}` }));
  });
  after(() => t.close());

  const get = (start: unknown) => t.admin.call('sonet_group.get', { ORDER: { ID: 'ASC' }, start });
  const list = (start: unknown) => t.admin.call('socialnetwork.api.workgroup.list', { start });

  test('sonet_group.get: 50 per page, next = page·50, total always', async () => {
    const p0 = await get(0);
    assert.deepEqual(groupIds(p0.body.result), all.slice(0, 50));
    assert.equal(p0.body.next, 50);
    assert.equal(p0.body.total, 120);
    const p60 = await get(60); // rounded down to 50
    assert.deepEqual(groupIds(p60.body.result), all.slice(50, 100));
    assert.equal(p60.body.next, 100);
    const p100 = await get(100);
    assert.deepEqual(groupIds(p100.body.result), all.slice(100));
    assert.equal(p100.body.total, 120);
    assert.equal('next' in p100.body, false);
    for (const enc of ENCODINGS) {
      const r = await t.admin.call('sonet_group.get', { ORDER: { ID: 'ASC' }, start: 75 }, enc);
      assert.deepEqual(groupIds(r.body.result), all.slice(50, 100), enc);
    }
  });

  test('sonet_group.get: a page beyond the last returns page 1; start=-1 does not count; start=abc is 0', async () => {
    const beyond = await get(500);
    assert.deepEqual(groupIds(beyond.body.result), all.slice(0, 50));
    assert.equal(beyond.body.next, 50);
    assert.equal(beyond.body.total, 120);
    const nc = await get(-1);
    assert.deepEqual(groupIds(nc.body.result), all.slice(0, 50));
    assert.equal('next' in nc.body, false);
    assert.equal('total' in nc.body, false);
    const abc = await get('abc');
    assert.deepEqual(groupIds(abc.body.result), all.slice(0, 50));
    assert.equal(abc.body.next, 50);
  });

  test('workgroup.list: rounded pages, total always, out-of-range page empty, start=-1 without total/next', async () => {
    const p0 = await list(0);
    assert.deepEqual(listIds(p0), all.slice(0, 50));
    assert.equal(p0.body.next, 50);
    assert.equal(p0.body.total, 120);
    const p60 = await list(60);
    assert.deepEqual(listIds(p60), all.slice(50, 100));
    assert.equal(p60.body.next, 100);
    const p100 = await list(100);
    assert.deepEqual(listIds(p100), all.slice(100));
    assert.equal('next' in p100.body, false);
    assert.equal(p100.body.total, 120);
    const out = await list(150);
    assert.deepEqual(out.body.result, { workgroups: [] });
    assert.equal(out.body.total, 120);
    assert.equal('next' in out.body, false);
    const nc = await list(-1);
    assert.deepEqual(listIds(nc), all.slice(0, 50));
    assert.equal('next' in nc.body, false);
    assert.equal('total' in nc.body, false);
    const neg = await list(-5); // only exactly -1 means "do not count"
    assert.deepEqual(listIds(neg), all.slice(0, 50));
    assert.equal(neg.body.total, 120);
    assert.equal(neg.body.next, 50);
    const none = await t.admin.call('socialnetwork.api.workgroup.list', { filter: { ID: 99999 } });
    assert.deepEqual(none.body.result, { workgroups: [] });
    assert.equal(none.body.total, 0);
  });
});

describe('dates in a portal time zone with an offset (§2.3)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ timezone: 'Europe/Berlin' });
  });
  after(() => t.close());

  test('ISO with the offset valid at the instant; site format in workgroup.get; ISO filter values converted', async () => {
    const id = await t.admin.result('sonet_group.create', {
      NAME: 'Berlin',
      PROJECT_DATE_START: '2026-07-01T10:00:00+00:00',
      PROJECT_DATE_FINISH: '2026-01-15T10:00:00+00:00',
    });
    const [g] = await t.admin.result('sonet_group.get', { FILTER: { ID: id } });
    assert.match(g.DATE_CREATE, /\+0[12]:00$/);
    const [w] = (await t.admin.result('socialnetwork.api.workgroup.list', { select: ['PROJECT_DATE_START', 'PROJECT_DATE_FINISH'], filter: { ID: id } })).workgroups;
    assert.equal(w.projectDateStart, '2026-07-01T12:00:00+02:00');
    assert.equal(w.projectDateFinish, '2026-01-15T11:00:00+01:00');
    const o = await t.admin.result('socialnetwork.api.workgroup.get', { params: { groupId: id } });
    assert.equal(o.PROJECT_DATE_START, '07/01/2026 12:00:00');
    assert.equal(o.PROJECT_DATE_FINISH, '01/15/2026 11:00:00');
    const q = async (filter: Record<string, unknown>) =>
      (await t.admin.result('socialnetwork.api.workgroup.list', { filter: { ID: id, ...filter } })).workgroups.length;
    assert.equal(await q({ PROJECT_DATE_START: '2026-07-01T12:00:00+02:00' }), 1);
    assert.equal(await q({ PROJECT_DATE_START: '2026-07-01 12:00:00' }), 1); // no offset: portal time
    assert.equal(await q({ '>PROJECT_DATE_START': '2026-07-01T10:00:00+00:00' }), 0);
  });
});
