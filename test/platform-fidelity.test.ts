/**
 * Platform fidelity (issue 12): the points platform.md settles from the reference's source, over real
 * HTTP — task selection and output (§8.1, §8.2, §8.4), the task-list filter's sub-filters and
 * FAVORITE (§8.5.1), status columns (§8.8), validation order (§8.3.2), workgroup.list's AVATAR
 * (§6.1.2), sonet_group.feature.access (§5.11), workgroup.get's TAGS, SEARCH_INDEX and member lists
 * (§6.2.2).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, errorOf, startTestServer, type Client, type TestServer } from './helpers/harness.js';

let t: TestServer;
let admin: Client;

before(async () => {
  t = await startTestServer();
  admin = t.admin;
});
after(() => t.close());

const db = () => t.server.app.store.db;
const ISO_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
const core = (message: string) => ({ status: 400, error: 'ERROR_CORE', error_description: `${message}<br>` });

async function add(c: Client, fields: Record<string, unknown>): Promise<any> {
  const r = await c.call('tasks.task.add', { fields });
  assert.equal(r.status, 200, r.text);
  return r.body.result.task;
}

async function update(c: Client, taskId: unknown, fields: Record<string, unknown>): Promise<any> {
  const r = await c.call('tasks.task.update', { taskId, fields });
  assert.equal(r.status, 200, r.text);
  return r.body.result.task;
}

const rot13 = (s: string) =>
  s.replace(/[A-Za-z]/g, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });

describe('tasks.task.get / list selection (§8.1, §8.4)', () => {
  test('get with select: the listed names, descriptionInBbcode with DESCRIPTION, then favorite', async () => {
    const task = await add(admin, { TITLE: 'Sel', RESPONSIBLE_ID: 1, DESCRIPTION: 'd', DESCRIPTION_IN_BBCODE: 'N' });
    const o = (await admin.result('tasks.task.get', { taskId: task.id, select: ['ID', 'DESCRIPTION'] })).task;
    assert.deepEqual(Object.keys(o), ['id', 'description', 'descriptionInBbcode', 'favorite', 'group', 'action']);
    assert.equal(o.descriptionInBbcode, 'N');
    // DESCRIPTION_IN_BBCODE is no getFields field: listed alone it is dropped
    const alone = (await admin.result('tasks.task.get', { taskId: task.id, select: ['ID', 'DESCRIPTION_IN_BBCODE'] })).task;
    assert.deepEqual(Object.keys(alone), ['id', 'favorite', 'group', 'action']);
  });

  test('list with select adds no favorite; DESCRIPTION brings descriptionInBbcode', async () => {
    const task = await add(admin, { TITLE: 'Listed', RESPONSIBLE_ID: 1, DESCRIPTION: 'x' });
    const r = await admin.result('tasks.task.list', { filter: { ID: task.id }, select: ['ID', 'DESCRIPTION'] });
    assert.deepEqual(r.tasks, [{ id: task.id, description: 'x', descriptionInBbcode: 'Y', group: [] }]);
  });

  test('newCommentsCount in list: by default and when NEW_COMMENTS_COUNT is listed; absent otherwise', async () => {
    const task = await add(admin, { TITLE: 'Comments', RESPONSIBLE_ID: 1 });
    const all = await admin.result('tasks.task.list', { filter: { ID: task.id } });
    assert.equal(all.tasks[0].newCommentsCount, 0);
    assert.equal(all.tasks[0].favorite, 'N');
    const listed = await admin.result('tasks.task.list', { filter: { ID: task.id }, select: ['ID', 'NEW_COMMENTS_COUNT'] });
    assert.equal(listed.tasks[0].newCommentsCount, 0);
    // in a list NEW_COMMENTS_COUNT brings CREATED_DATE and VIEWED_DATE (§8.5.1)
    assert.deepEqual(Object.keys(listed.tasks[0]), ['id', 'createdDate', 'viewedDate', 'group', 'newCommentsCount']);
    const not = await admin.result('tasks.task.list', { filter: { ID: task.id }, select: ['ID'] });
    assert.equal('newCommentsCount' in not.tasks[0], false);
    const got = (await admin.result('tasks.task.get', { taskId: task.id, select: ['ID'] })).task;
    assert.equal('newCommentsCount' in got, false);
  });

  test('getFields lists neither DESCRIPTION_IN_BBCODE nor TAGS (§8.2)', async () => {
    const f = (await admin.result('tasks.task.getFields')).fields;
    assert.equal('DESCRIPTION_IN_BBCODE' in f, false);
    assert.equal('TAGS' in f, false);
    assert.deepEqual(Object.keys(f).slice(0, 6), ['ID', 'PARENT_ID', 'TITLE', 'DESCRIPTION', 'MARK', 'PRIORITY']);
  });

  test('the tags block is a map from tag id to {id, title}, [] without tags (§8.1)', async () => {
    const task = await add(admin, { TITLE: 'Tagged', RESPONSIBLE_ID: 1, TAGS: ['ui', 'api'] });
    const o = (await admin.result('tasks.task.get', { taskId: task.id, select: ['ID', 'TAGS'] })).task;
    assert.equal(Array.isArray(o.tags), false);
    const entries = Object.entries(o.tags) as [string, { id: number; title: string }][];
    assert.deepEqual(entries.map(([, v]) => v.title).sort(), ['api', 'ui']);
    for (const [key, v] of entries) {
      assert.equal(typeof v.id, 'number');
      assert.ok(v.id > 0);
      assert.equal(key, String(v.id));
    }
    // stable: the same ids on the next read and in the list
    const again = (await admin.result('tasks.task.get', { taskId: task.id, select: ['ID', 'TAGS'] })).task;
    assert.deepEqual(again.tags, o.tags);
    const listed = await admin.result('tasks.task.list', { filter: { ID: task.id }, select: ['ID', 'TAGS'] });
    assert.deepEqual(listed.tasks[0].tags, o.tags);
    const bare = await add(admin, { TITLE: 'Untagged', RESPONSIBLE_ID: 1 });
    assert.deepEqual((await admin.result('tasks.task.get', { taskId: bare.id, select: ['ID', 'TAGS'] })).task.tags, []);
  });
});

describe('tasks.task.list filter: sub-filters, FAVORITE, unknown fields (§8.5.1)', () => {
  let g: number;
  let a: number;
  let b: number;
  let c: number;
  before(async () => {
    g = await admin.result('sonet_group.create', { NAME: 'Filters', VISIBLE: 'Y' });
    a = Number((await add(admin, { TITLE: 'alpha', RESPONSIBLE_ID: 1, GROUP_ID: g })).id);
    b = Number((await add(admin, { TITLE: 'beta', RESPONSIBLE_ID: 1, GROUP_ID: g })).id);
    c = Number((await add(admin, { TITLE: 'gamma', RESPONSIBLE_ID: 1, GROUP_ID: g, PRIORITY: 2 })).id);
  });
  const find = async (filter: unknown) => {
    const r = await admin.call('tasks.task.list', { filter, select: ['ID'], order: { ID: 'asc' } });
    assert.equal(r.status, 200, r.text);
    return r.body.result.tasks.map((x: { id: string }) => Number(x.id));
  };

  test('::SUBFILTER-* holds a nested filter AND-ed with the rest', async () => {
    assert.deepEqual(await find({ GROUP_ID: g, '::SUBFILTER-1': { ID: a } }), [a]);
    assert.deepEqual(await find({ GROUP_ID: g, '::SUBFILTER-PARAMS': { TITLE: '%ta%' } }), [b]);
    assert.deepEqual(await find({ GROUP_ID: g, '::SUBFILTER-1': { ID: [a, b] }, '::SUBFILTER-2': { '!ID': a } }), [b]);
  });

  test('numeric keys are sub-filters too; ::LOGIC OR combines a map', async () => {
    assert.deepEqual(await find({ GROUP_ID: g, 0: { ID: c } }), [c]);
    assert.deepEqual(await find({ GROUP_ID: g, '::SUBFILTER-X': { '::LOGIC': 'OR', ID: a, PRIORITY: 2 } }), [a, c]);
    assert.deepEqual(await find({ GROUP_ID: g, '::SUBFILTER-X': { '::LOGIC': 'AND', ID: [a, c], PRIORITY: 2 } }), [c]);
    // nested twice
    assert.deepEqual(await find({ GROUP_ID: g, 1: { '::LOGIC': 'OR', 0: { ID: a }, 1: { ID: b } } }), [a, b]);
    // form encoding
    const r = await admin.call('tasks.task.list', { filter: { GROUP_ID: g, '::SUBFILTER-1': { ID: b } }, select: ['ID'] }, 'form');
    assert.deepEqual(r.body.result.tasks.map((x: { id: string }) => Number(x.id)), [b]);
  });

  test('FAVORITE is a filter field: Y matches nothing locally, N everything', async () => {
    assert.deepEqual(await find({ GROUP_ID: g, FAVORITE: 'Y' }), []);
    assert.deepEqual(await find({ GROUP_ID: g, FAVORITE: 'N' }), [a, b, c]);
    assert.deepEqual(await find({ GROUP_ID: g, '::SUBFILTER-PARAMS': { FAVORITE: 'Y' } }), []);
  });

  test('unknown fields are ignored', async () => {
    assert.deepEqual(await find({ GROUP_ID: g, NO_SUCH_FIELD: 5, '>WHATEVER': 1 }), [a, b, c]);
  });

  test('a sub-filter that is not a map, or a bad ::LOGIC, fails the call', async () => {
    for (const filter of [{ GROUP_ID: g, '::SUBFILTER-1': 5 }, { GROUP_ID: g, 3: 'x' }, { GROUP_ID: g, '::SUBFILTER-1': { '::LOGIC': 'XOR', ID: a } }]) {
      const r = await admin.call('tasks.task.list', { filter, select: ['ID'] });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, '0');
      assert.equal(typeof r.body.error_description, 'string');
    }
  });
});

describe('status columns (§8.8, §8.3.3, §8.6)', () => {
  test('STATUS 4 sets closedDate/closedBy; 2, 3, 6 clear them; 3 sets dateStart', async () => {
    const task = await add(admin, { TITLE: 'Cols', RESPONSIBLE_ID: 1 });
    const four = await update(admin, task.id, { STATUS: 4 });
    assert.equal(four.closedBy, '1');
    assert.match(four.closedDate, ISO_OFFSET);
    const six = await update(admin, task.id, { STATUS: 6 });
    assert.equal(six.closedBy, null);
    assert.equal(six.closedDate, null);
    assert.equal(six.dateStart, null);
    await update(admin, task.id, { STATUS: 5 });
    const three = await update(admin, task.id, { STATUS: 3 });
    assert.equal(three.closedDate, null);
    assert.match(three.dateStart, ISO_OFFSET);
  });

  test('STATUS 3 with DATE_START in the same update keeps the given date', async () => {
    const task = await add(admin, { TITLE: 'Given', RESPONSIBLE_ID: 1 });
    const r = await update(admin, task.id, { STATUS: 3, DATE_START: '2020-01-02T03:04:05+00:00' });
    assert.equal(new Date(r.dateStart).toISOString(), '2020-01-02T03:04:05.000Z');
  });

  test('start sets dateStart; pause keeps it; closing and renewing toggle closedDate', async () => {
    const task = await add(admin, { TITLE: 'Start', RESPONSIBLE_ID: 1 });
    assert.equal(task.dateStart, null);
    const started = (await admin.result('tasks.task.start', { taskId: task.id })).task;
    assert.match(started.dateStart, ISO_OFFSET);
    const paused = (await admin.result('tasks.task.pause', { taskId: task.id })).task;
    assert.equal(paused.dateStart, started.dateStart);
  });

  test('add with STATUS 5 or 3 sets neither closedDate nor dateStart', async () => {
    const five = await add(admin, { TITLE: 'Born done', RESPONSIBLE_ID: 1, STATUS: 5 });
    assert.equal(five.status, '5');
    assert.equal(five.closedDate, null);
    assert.equal(five.closedBy, null);
    const three = await add(admin, { TITLE: 'Born started', RESPONSIBLE_ID: 1, STATUS: 3 });
    assert.equal(three.dateStart, null);
  });

  test('update never turns 5 into 4 under TASK_CONTROL', async () => {
    const c = await t.user();
    const r = await t.user();
    const task = await add(c, { TITLE: 'Controlled', RESPONSIBLE_ID: r.userId, TASK_CONTROL: 'Y' });
    const done = await update(r, task.id, { STATUS: 5 });
    assert.equal(done.status, '5');
    assert.equal(done.closedBy, String(r.userId));
  });

  test('STATUS passed unchanged still sets STATUS_CHANGED_DATE', async () => {
    const task = await add(admin, { TITLE: 'Touch', RESPONSIBLE_ID: 1 });
    await db().updateTable('tasks').set({ status_changed_date: 1000 }).where('id', '=', Number(task.id)).execute();
    const same = await update(admin, task.id, { STATUS: 2 });
    assert.notEqual(new Date(same.statusChangedDate).getTime(), 1000_000);
    const row = await db().selectFrom('tasks').select('status_changed_date').where('id', '=', Number(task.id)).executeTakeFirstOrThrow();
    assert.ok(Number(row.status_changed_date) > 1000);
  });
});

describe('task validation order (§8.3.2)', () => {
  test('the first failure only: title, status, parent, responsible, dates', async () => {
    const fail = async (fields: Record<string, unknown>) => errorOf(await admin.call('tasks.task.add', { fields }));
    assert.deepEqual(await fail({ TITLE: 'x', RESPONSIBLE_ID: 0, STATUS: 7 }), core('Incorrect status'));
    assert.deepEqual(await fail({ TITLE: '', RESPONSIBLE_ID: 0, STATUS: 9 }), core('Task title is not specified'));
    assert.deepEqual(await fail({ TITLE: 'x', RESPONSIBLE_ID: 0, PARENT_ID: 99999999 }), core('Task specified in the "Parent Task" field not found'));
    assert.deepEqual(
      await fail({ TITLE: 'x', RESPONSIBLE_ID: 0, START_DATE_PLAN: '2026-02-01T00:00:00+00:00', END_DATE_PLAN: '2026-01-01T00:00:00+00:00' }),
      core('Responsible person not specified'),
    );
  });

  test('STATUS 7 is refused on add and update; STATUS 1 is read as 2 on update', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.add', { fields: { TITLE: 'x', RESPONSIBLE_ID: 1, STATUS: 7 } })), core('Incorrect status'));
    const task = await add(admin, { TITLE: 'Seven', RESPONSIBLE_ID: 1, STATUS: 3 });
    assert.deepEqual(errorOf(await admin.call('tasks.task.update', { taskId: task.id, fields: { STATUS: 7 } })), core('Incorrect status'));
    assert.equal((await update(admin, task.id, { STATUS: 1 })).status, '2');
  });
});

describe('socialnetwork.api.workgroup.list AVATAR (§6.1.2)', () => {
  test('AVATAR brings imageId and avatarType before avatar; ID appended before them', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Avatar', VISIBLE: 'Y', AVATAR_TYPE: 'folder' });
    const r = await admin.result('socialnetwork.api.workgroup.list', { filter: { ID: g }, select: ['NAME', 'AVATAR'] });
    assert.deepEqual(r.workgroups, [{ name: 'Avatar', id: String(g), imageId: null, avatarType: 'folder', avatar: '' }]);
    const listed = await admin.result('socialnetwork.api.workgroup.list', { filter: { ID: g }, select: ['ID', 'AVATAR', 'TYPE'] });
    assert.deepEqual(Object.keys(listed.workgroups[0]), ['id', 'type', 'imageId', 'avatarType', 'avatar']);
  });
});

describe('sonet_group.feature.access (§5.11)', () => {
  const access = (c: Client, GROUP_ID: number, FEATURE: string, OPERATION: string) =>
    c.call('sonet_group.feature.access', { GROUP_ID, FEATURE, OPERATION });

  test('every feature registered for groups, with its operations and default roles', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Features', VISIBLE: 'Y' });
    const mod = await t.user();
    const member = await t.user();
    await addMember(admin, g, mod.userId, 'E');
    await addMember(admin, g, member.userId);
    const table: [string, string, boolean, boolean][] = [
      // feature, operation, moderator may, member may
      ['forum', 'view', true, true],
      ['forum', 'full', true, false],
      ['forum', 'newtopic', true, true],
      ['files', 'write_limited', true, false],
      ['blog', 'full_post', false, false],
      ['blog', 'premoderate_comment', true, true],
      ['search', 'view', true, true],
      ['group_lists', 'write', true, false],
      ['wiki', 'write', true, true],
      ['wiki', 'delete', true, false],
      ['calendar', 'view', true, true],
      ['photo', 'write', true, false],
    ];
    for (const [feature, op, modMay, memberMay] of table) {
      const m = await access(mod, g, feature, op);
      assert.equal(m.status, 200, `${feature}/${op} ${m.text}`);
      assert.equal(m.body.result, modMay, `${feature}/${op} moderator`);
      assert.equal((await access(member, g, feature, op)).body.result, memberMay, `${feature}/${op} member`);
      assert.equal((await access(admin, g, feature, op)).body.result, true, `${feature}/${op} owner`);
    }
  });

  test('chat and marketplace are features without operations; unknown ones are wrong features', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Chat', VISIBLE: 'Y' });
    for (const f of ['chat', 'marketplace']) {
      assert.deepEqual(errorOf(await access(admin, g, f, 'view')), { status: 400, error: '', error_description: 'Wrong operation' });
    }
    assert.deepEqual(errorOf(await access(admin, g, 'Forum', 'view')), { status: 400, error: '', error_description: 'Wrong feature' });
  });

  test('an archived group refuses everything but the read operations, admins included', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Archive', VISIBLE: 'Y', CLOSED: 'Y' });
    assert.equal((await access(admin, g, 'tasks', 'create_tasks')).body.result, false);
    assert.equal((await access(admin, g, 'tasks', 'view_all')).body.result, true);
    assert.equal((await access(admin, g, 'blog', 'view_comment')).body.result, true);
    assert.equal((await access(admin, g, 'blog', 'write_post')).body.result, false);
    assert.equal((await access(admin, g, 'search', 'view')).body.result, false);
  });
});

describe('socialnetwork.api.workgroup.get (§6.2.2)', () => {
  const getGroup = (groupId: number, select: string[] = []) =>
    admin.result('socialnetwork.api.workgroup.get', { params: { groupId, select } });

  test('TAGS from KEYWORDS: lower-cased, without repetitions, sorted; rebuilt on update', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Tags', VISIBLE: 'Y', KEYWORDS: 'Zeta, alpha, zeta,, Beta ' });
    assert.deepEqual((await getGroup(g, ['TAGS'])).TAGS, ['alpha', 'beta', 'zeta']);
    await admin.result('sonet_group.update', { GROUP_ID: g, KEYWORDS: 'group tag, another group tag' });
    assert.deepEqual((await getGroup(g, ['TAGS'])).TAGS, ['another group tag', 'group tag']);
    await admin.result('sonet_group.update', { GROUP_ID: g, KEYWORDS: '' });
    assert.deepEqual((await getGroup(g, ['TAGS'])).TAGS, []);
  });

  test('SEARCH_INDEX: name, description, keywords with #, owner name — ROT13', async () => {
    const owner = await t.user({ name: 'Olga' });
    const g = await admin.result('sonet_group.create', { NAME: 'Team Rocket', DESCRIPTION: 'Mobile app', VISIBLE: 'Y', KEYWORDS: 'Zeta, alpha' });
    await admin.result('sonet_group.setowner', { GROUP_ID: g, USER_ID: owner.userId });
    const rec = await getGroup(g);
    assert.equal(rec.SEARCH_INDEX, rot13('Team Rocket Mobile app Zeta #Zeta alpha #alpha Olga Test'));
    const plain = await admin.result('sonet_group.create', { NAME: 'Bare', VISIBLE: 'Y' });
    const admin1 = (await admin.result('user.get', { ID: 1 }))[0];
    const adminName = `${admin1.NAME ?? ''} ${admin1.LAST_NAME ?? ''}`.trim() || admin1.EMAIL;
    assert.equal((await getGroup(plain)).SEARCH_INDEX, rot13(`Bare ${adminName}`));
  });

  test('NUMBER_OF_MEMBERS_PLURAL: 0 for one member, 1 for more', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Plural', VISIBLE: 'Y' });
    assert.equal((await getGroup(g)).NUMBER_OF_MEMBERS_PLURAL, 0);
    await addMember(admin, g, (await t.user()).userId);
    assert.equal((await getGroup(g)).NUMBER_OF_MEMBERS_PLURAL, 1);
  });

  test('INVITED_MEMBERS: every pending relation, requests too; deactivated users still listed', async () => {
    const g = await admin.result('sonet_group.create', { NAME: 'Pending', VISIBLE: 'Y' });
    const invited = await t.user();
    const requester = await t.user();
    const gone = await t.user();
    await addMember(admin, g, gone.userId);
    const row = (user_id: number, initiated_by_type: string) => ({
      group_id: g, user_id, role: 'Z', initiated_by_type, initiated_by_user_id: user_id, auto_member: 'N', date_create: 1, date_update: 1,
    });
    await db().insertInto('group_members').values([row(invited.userId, 'G'), row(requester.userId, 'U')]).execute();
    await admin.result('user.update', { ID: gone.userId, ACTIVE: 'N' });
    const rec = await getGroup(g);
    assert.deepEqual([...rec.INVITED_MEMBERS].sort((x: number, y: number) => x - y), [invited.userId, requester.userId]);
    assert.deepEqual(rec.MEMBERS, [1, gone.userId]);
    assert.deepEqual(rec.ORDINARY_MEMBERS, [gone.userId]);
  });
});
