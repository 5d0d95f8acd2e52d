/** tasks.task.* over real HTTP (platform.md §8, the access model §4.1, checklist §11 items 24–31). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, createScrum, errorOf, startTestServer, type Client, type Reply, type TestServer } from './helpers/harness.js';
import { itemOf, putOnBoard, sprintWithBoard, stageLinks, taskStageId } from './helpers/scrumBoard.js';

let t: TestServer;
let admin: Client;

before(async () => {
  t = await startTestServer();
  admin = t.admin;
});
after(() => t.close());

const db = () => t.server.app.store.db;
const ISO_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
const NOT_ALLOWED = { status: 400, error: '0', error_description: 'Action on the task is not allowed' };
const DELETE_DENIED = { status: 400, error: '1048582', error_description: 'No access to delete the task' };
const CREATE_DENIED = { status: 400, error: 'ERROR_TASK_CREATE_ACCESS_DENIED', error_description: 'Access denied.' };
const core = (message: string) => ({ status: 400, error: 'ERROR_CORE', error_description: `${message}<br>` });

/** Adds a task and returns the task object of the answer. */
async function add(c: Client, fields: Record<string, unknown>): Promise<any> {
  const r = await c.call('tasks.task.add', { fields });
  assert.equal(r.status, 200, r.text);
  return r.body.result.task;
}

async function get(c: Client, taskId: unknown, select?: unknown): Promise<Reply> {
  return c.call('tasks.task.get', select === undefined ? { taskId } : { taskId, select });
}

/** A plain (non-Scrum) visible group owned by the client's user. */
async function plainGroup(owner: Client, extra: Record<string, unknown> = {}): Promise<number> {
  return owner.result('sonet_group.create', { NAME: 'Plain', VISIBLE: 'Y', ...extra });
}

async function listIds(c: Client, params: Record<string, unknown>): Promise<number[]> {
  const r = await c.call('tasks.task.list', { select: ['ID'], ...params });
  assert.equal(r.status, 200, r.text);
  return r.body.result.tasks.map((x: { id: string }) => Number(x.id));
}

const tagTitles = (tags: unknown) => Object.values(tags as Record<string, { title: string }>).map((x) => x.title).sort();

const DEFAULT_KEYS = [
  'id', 'parentId', 'title', 'description', 'mark', 'priority', 'multitask', 'notViewed', 'replicate', 'stageId',
  'sprintId', 'backlogId', 'createdBy', 'createdDate', 'responsibleId', 'changedBy', 'changedDate', 'statusChangedBy',
  'closedBy', 'closedDate', 'activityDate', 'dateStart', 'deadline', 'startDatePlan', 'endDatePlan', 'guid', 'xmlId',
  'commentsCount', 'serviceCommentsCount', 'allowChangeDeadline', 'allowTimeTracking', 'taskControl', 'addInReport',
  'forkedByTemplateId', 'timeEstimate', 'timeSpentInLogs', 'matchWorkTime', 'forumTopicId', 'forumId', 'siteId',
  'subordinate', 'exchangeModified', 'exchangeId', 'outlookVersion', 'viewedDate', 'sorting', 'durationFact', 'isMuted',
  'isPinned', 'isPinnedInGroup', 'flowId', 'descriptionInBbcode', 'status', 'statusChangedDate', 'durationPlan',
  'durationType', 'favorite', 'groupId', 'auditors', 'accomplices', 'checklist', 'group', 'creator', 'responsible',
  'accomplicesData', 'auditorsData', 'newCommentsCount', 'action', 'checkListTree', 'checkListCanAdd',
];

const ACTION_KEYS = [
  'accept', 'decline', 'complete', 'approve', 'disapprove', 'start', 'pause', 'delegate', 'remove', 'edit', 'defer',
  'renew', 'create', 'changeDeadline', 'checklistAddItems', 'addFavorite', 'deleteFavorite', 'rate', 'edit.originator',
  'checklist.reorder', 'elapsedtime.add', 'dayplan.timer.toggle', 'edit.plan', 'checklist.add', 'favorite.add',
  'favorite.delete',
];

describe('tasks.task.add', () => {
  test('returns the task with the default selection: lowerCamel keys, strings, null for unset (checklist 24)', async () => {
    const u = await t.user({ name: 'Anna' });
    await db().updateTable('users').set({ work_position: 'Scrum master' }).where('id', '=', u.userId).execute();
    const r = await admin.call('tasks.task.add', { fields: { TITLE: 'Login screen', RESPONSIBLE_ID: u.userId, STATUS: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body.result), ['task']);
    const task = r.body.result.task;
    assert.deepEqual(Object.keys(task), DEFAULT_KEYS);
    assert.equal(typeof task.id, 'string');
    assert.match(task.id, /^\d+$/);
    assert.equal(task.title, 'Login screen');
    assert.equal(task.status, '2', 'STATUS 1 is stored as 2');
    assert.equal(task.priority, '1');
    assert.equal(task.description, '');
    assert.equal(task.descriptionInBbcode, 'Y');
    assert.equal(task.parentId, null);
    assert.equal(task.groupId, '0');
    assert.equal(task.stageId, '0');
    assert.equal(task.sprintId, null);
    assert.equal(task.backlogId, null);
    assert.equal(task.createdBy, '1');
    assert.equal(task.responsibleId, String(u.userId));
    assert.equal(task.changedBy, '1');
    assert.equal(task.statusChangedBy, '1');
    assert.equal(task.closedBy, null);
    assert.equal(task.closedDate, null);
    assert.equal(task.deadline, null);
    assert.match(task.createdDate, ISO_OFFSET);
    assert.equal(task.changedDate, task.createdDate);
    assert.equal(task.activityDate, task.createdDate);
    assert.equal(task.statusChangedDate, task.createdDate);
    assert.match(task.guid, /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/);
    assert.equal(task.siteId, 's1');
    assert.equal(task.timeEstimate, '0');
    assert.equal(task.taskControl, 'N');
    assert.equal(task.favorite, 'N');
    assert.deepEqual(task.auditors, []);
    assert.deepEqual(task.accomplices, []);
    assert.deepEqual(task.checklist, []);
    assert.deepEqual(task.group, [], 'no group: an empty array');
    assert.deepEqual(task.creator, { id: '1', name: 'Admin', link: '/company/personal/user/1/', icon: '', workPosition: '' });
    assert.deepEqual(task.responsible, {
      id: String(u.userId),
      name: 'Anna Test',
      link: `/company/personal/user/${u.userId}/`,
      icon: '',
      workPosition: 'Scrum master',
    });
    assert.deepEqual(task.accomplicesData, []);
    assert.deepEqual(task.auditorsData, []);
    assert.equal(task.newCommentsCount, 0);
    assert.deepEqual(Object.keys(task.action), ACTION_KEYS);
    for (const v of Object.values(task.action)) assert.equal(typeof v, 'boolean');
    assert.equal(task.checkListTree.nodeId, 0);
    assert.equal(task.checkListCanAdd, true);
  });

  test('stores every writable field; participants, tags, flags and dates come back', async () => {
    const a = await t.user();
    const b = await t.user();
    const g = await plainGroup(admin);
    const task = await add(admin, {
      TITLE: '  Padded  ',
      DESCRIPTION: 'Say &quot;hi&quot; &amp;lt;b&amp;gt;',
      RESPONSIBLE_ID: a.userId,
      GROUP_ID: g,
      PRIORITY: 2,
      ACCOMPLICES: [b.userId, b.userId, 999999],
      AUDITORS: [a.userId],
      TAGS: ['ui', 'ui', ' api '],
      DEADLINE: '2026-04-01T18:00:00+00:00',
      START_DATE_PLAN: '2026-03-01T09:00:00+00:00',
      END_DATE_PLAN: '2026-03-02T09:00:00+00:00',
      TIME_ESTIMATE: 3600,
      TASK_CONTROL: 'Y',
      ALLOW_CHANGE_DEADLINE: 'Y',
      MARK: 'P',
      XML_ID: 'ext-1',
    });
    assert.equal(task.title, 'Padded');
    assert.equal(task.description, 'Say "hi" &lt;b&gt;', 'HTML entities decoded once');
    assert.equal(task.priority, '2');
    assert.deepEqual(task.accomplices, [String(b.userId)], 'repeated and unknown users dropped');
    assert.deepEqual(task.auditors, [String(a.userId)]);
    assert.deepEqual(Object.keys(task.accomplicesData), [String(b.userId)]);
    assert.equal(task.accomplicesData[String(b.userId)].id, String(b.userId));
    assert.equal(task.deadline, '2026-04-01T18:00:00+00:00');
    assert.equal(task.startDatePlan, '2026-03-01T09:00:00+00:00');
    assert.equal(task.endDatePlan, '2026-03-02T09:00:00+00:00');
    assert.equal(task.timeEstimate, '3600');
    assert.equal(task.taskControl, 'Y');
    assert.equal(task.allowChangeDeadline, 'Y');
    assert.equal(task.mark, 'P');
    assert.equal(task.xmlId, 'ext-1');
    assert.equal(task.groupId, String(g));
    assert.deepEqual(task.group, { id: String(g), name: 'Plain', opened: false, membersCount: 1, image: '', additionalData: [] });
    const tags = await get(admin, task.id, ['ID', 'TAGS']);
    assert.deepEqual(tagTitles(tags.body.result.task.tags), ['api', 'ui']);
  });

  test('normalization: title cut to 250 characters, unknown priority → 1, lower-case keys ignored, STATUS 5 is no status change', async () => {
    const long = 'x'.repeat(300);
    const a = await add(admin, { TITLE: long, RESPONSIBLE_ID: 1, PRIORITY: 7, title: 'ignored', description: 'ignored' });
    assert.equal(a.title, 'x'.repeat(250));
    assert.equal(a.priority, '1');
    assert.equal(a.description, '');
    const b = await add(admin, { TITLE: 'Done at birth', RESPONSIBLE_ID: 1, STATUS: 5 });
    assert.equal(b.status, '5');
    // add is not a status change: no CLOSED_* (platform.md §8.3.3)
    assert.equal(b.closedBy, null);
    assert.equal(b.closedDate, null);
  });

  test('dates are read and written in the portal time zone; "" and unreadable dates are no date', async () => {
    const berlin = await startTestServer({ timezone: 'Europe/Berlin' });
    try {
      const r = await berlin.admin.call('tasks.task.add', {
        fields: { TITLE: 'TZ', RESPONSIBLE_ID: 1, DEADLINE: '2026-04-01T18:00:00+00:00', START_DATE_PLAN: '2026-01-10T10:00:00', END_DATE_PLAN: '' },
      });
      const task = r.body.result.task;
      assert.equal(task.deadline, '2026-04-01T20:00:00+02:00');
      assert.equal(task.startDatePlan, '2026-01-10T10:00:00+01:00');
      assert.equal(task.endDatePlan, null);
      const r2 = await berlin.admin.call('tasks.task.add', { fields: { TITLE: 'TZ2', RESPONSIBLE_ID: 1, DEADLINE: 'not a date' } });
      assert.equal(r2.body.result.task.deadline, null);
    } finally {
      await berlin.close();
    }
  });

  test('form and GET encodings (every value a string) give the same task', async () => {
    for (const enc of ['form', 'get'] as const) {
      const r = await admin.call('tasks.task.add', { fields: { TITLE: `Via ${enc}`, RESPONSIBLE_ID: '1', PRIORITY: '0', AUDITORS: ['1'] } }, enc);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.task.title, `Via ${enc}`);
      assert.equal(r.body.result.task.priority, '0');
      assert.deepEqual(r.body.result.task.auditors, ['1']);
    }
  });

  test('binding errors of fields', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.add', {})), {
      status: 400,
      error: '100',
      error_description: 'Could not find value for parameter {fields}',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.task.add', { fields: 'x' })), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {x} to match with parameter {fields}. Should be value of type array.',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.task.add', { fields: { TITLE: 'a', RESPONSIBLE_ID: 1 }, params: 'y' })), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {y} to match with parameter {params}. Should be value of type array.',
    });
  });

  test('field validation: ERROR_CORE with <br>, first failing check only (checklist 25)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ RESPONSIBLE_ID: 1 }, 'Task title is not specified'],
      [{ TITLE: '   ', RESPONSIBLE_ID: 1 }, 'Task title is not specified'],
      [{}, 'Task title is not specified'],
      [{ TITLE: 'x' }, 'Responsible person not specified'],
      [{ TITLE: 'x', RESPONSIBLE_ID: 0 }, 'Responsible person not specified'],
      [{ TITLE: 'x', RESPONSIBLE_ID: 999999 }, 'User specified in the "Responsible" field not found'],
      [{ TITLE: 'x', RESPONSIBLE_ID: 1, STATUS: 9 }, 'Incorrect status'],
      [{ TITLE: 'x', RESPONSIBLE_ID: 1, STATUS: 0 }, 'Incorrect status'],
      [{ TITLE: 'x', RESPONSIBLE_ID: 1, PARENT_ID: 999999 }, 'Task specified in the "Parent Task" field not found'],
      [
        { TITLE: 'x', RESPONSIBLE_ID: 1, START_DATE_PLAN: '2026-03-02T09:00:00+00:00', END_DATE_PLAN: '2026-03-01T09:00:00+00:00' },
        'The end date in scheduling is earlier than the start date',
      ],
    ];
    for (const [fields, message] of cases) {
      assert.deepEqual(errorOf(await admin.call('tasks.task.add', { fields })), core(message), JSON.stringify(fields));
    }
    const r = await admin.call('tasks.task.add', { fields: { RESPONSIBLE_ID: 1 } });
    assert.ok(r.text.includes('Task title is not specified'));
    assert.equal('time' in r.body, false);
  });

  test('a parent the caller cannot read counts as not found', async () => {
    const owner = await t.user();
    const other = await t.user();
    const hidden = await add(owner, { TITLE: 'Private', RESPONSIBLE_ID: owner.userId });
    assert.deepEqual(
      errorOf(await other.call('tasks.task.add', { fields: { TITLE: 'Child', RESPONSIBLE_ID: other.userId, PARENT_ID: hidden.id } })),
      core('Task specified in the "Parent Task" field not found'),
    );
    const child = await add(owner, { TITLE: 'Child', RESPONSIBLE_ID: owner.userId, PARENT_ID: hidden.id });
    assert.equal(child.parentId, hidden.id);
  });

  test('ERROR_TASK_CREATE_ACCESS_DENIED: neither creator nor responsible; group without create_tasks (checklist 26)', async () => {
    const u = await t.user();
    const v = await t.user();
    // a non-admin creating a task for two other people
    assert.deepEqual(
      errorOf(await u.call('tasks.task.add', { fields: { TITLE: 'x', CREATED_BY: v.userId, RESPONSIBLE_ID: v.userId } })),
      CREATE_DENIED,
    );
    // …but may name another creator when they are the responsible person
    const ok = await add(u, { TITLE: 'For me', CREATED_BY: v.userId, RESPONSIBLE_ID: u.userId });
    assert.equal(ok.createdBy, String(v.userId));
    // and may assign a task they create to someone else
    const assigned = await add(u, { TITLE: 'For v', RESPONSIBLE_ID: v.userId });
    assert.equal(assigned.createdBy, String(u.userId));
    // a group the caller is not a member of (the access check comes before field validation)
    const g = await plainGroup(admin);
    assert.deepEqual(errorOf(await u.call('tasks.task.add', { fields: { TITLE: 'x', RESPONSIBLE_ID: u.userId, GROUP_ID: g } })), CREATE_DENIED);
    assert.deepEqual(errorOf(await u.call('tasks.task.add', { fields: { RESPONSIBLE_ID: u.userId, GROUP_ID: g } })), CREATE_DENIED);
    // a group that does not exist fails for everybody, admins included
    assert.deepEqual(errorOf(await admin.call('tasks.task.add', { fields: { TITLE: 'x', RESPONSIBLE_ID: 1, GROUP_ID: 999999 } })), CREATE_DENIED);
    // members may create tasks; admins without a membership too
    await addMember(admin, g, u.userId);
    assert.equal((await add(u, { TITLE: 'Member task', RESPONSIBLE_ID: u.userId, GROUP_ID: g })).groupId, String(g));
    const outsiderGroup = await plainGroup(u);
    assert.equal((await add(admin, { TITLE: 'Admin task', RESPONSIBLE_ID: 1, GROUP_ID: outsiderGroup })).groupId, String(outsiderGroup));
  });

  test('in an archived group members may no longer create tasks but still read them', async () => {
    const u = await t.user();
    const g = await plainGroup(admin);
    await addMember(admin, g, u.userId);
    const before = await add(admin, { TITLE: 'Before archive', RESPONSIBLE_ID: 1, GROUP_ID: g });
    await db().updateTable('sonet_groups').set({ closed: 'Y' }).where('id', '=', g).execute();
    assert.deepEqual(errorOf(await u.call('tasks.task.add', { fields: { TITLE: 'x', RESPONSIBLE_ID: u.userId, GROUP_ID: g } })), CREATE_DENIED);
    assert.equal((await get(u, before.id)).body.result.task.id, before.id);
  });
});

describe('tasks.task.get', () => {
  test('default selection equals the add answer', async () => {
    const task = await add(admin, { TITLE: 'Same', RESPONSIBLE_ID: 1 });
    const r = await get(admin, task.id);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result.task, task);
    for (const select of [[], ['*'], ['ID', '*']]) {
      assert.deepEqual((await get(admin, task.id, select)).body.result.task, task, JSON.stringify(select));
    }
  });

  test('an explicit select: the named fields in that order, favorite, the blocks, tags, action', async () => {
    const u = await t.user({ name: 'Bob' });
    const g = await plainGroup(admin);
    const task = await add(admin, { TITLE: 'Selected', RESPONSIBLE_ID: u.userId, GROUP_ID: g, TAGS: ['t1'] });
    const r = await get(admin, task.id, ['ID', 'TITLE', 'STATUS', 'GROUP_ID', 'RESPONSIBLE_ID', 'TAGS', 'NOPE', 'created_by']);
    const o = r.body.result.task;
    assert.deepEqual(Object.keys(o), ['id', 'title', 'status', 'groupId', 'responsibleId', 'favorite', 'group', 'responsible', 'tags', 'action']);
    assert.deepEqual(tagTitles(o.tags), ['t1']);
    assert.equal(o.group.id, String(g));
    assert.equal(o.responsible.name, 'Bob Test');
    // without GROUP_ID the group block is an empty array; CREATED_BY adds the creator block
    const r2 = await get(admin, task.id, ['TITLE', 'CREATED_BY', 'ACCOMPLICES', 'NEW_COMMENTS_COUNT', 'CHECKLIST']);
    assert.deepEqual(Object.keys(r2.body.result.task), [
      'title', 'createdBy', 'accomplices', 'checklist', 'favorite', 'group', 'creator', 'accomplicesData', 'newCommentsCount', 'action',
      'checkListTree', 'checkListCanAdd',
    ]);
    assert.deepEqual(r2.body.result.task.group, []);
  });

  test('a missing task, or one the caller may not read, is 200 with result [] (checklist 27)', async () => {
    const r = await get(admin, 99999999);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, []);
    const owner = await t.user();
    const other = await t.user();
    const task = await add(owner, { TITLE: 'Mine', RESPONSIBLE_ID: owner.userId });
    const r2 = await get(other, task.id);
    assert.equal(r2.status, 200);
    assert.deepEqual(r2.body.result, []);
  });

  test('taskId binding: absent → "100", not a positive integer → "0" wrong task id (checklist 27)', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.get', {})), {
      status: 400,
      error: '100',
      error_description: 'CTaskItem All parameters in the constructor must have real class type',
    });
    for (const bad of ['abc', 0, -5, '0', '1.5', 1.5, [1]]) {
      assert.deepEqual(errorOf(await get(admin, bad)), { status: 400, error: '0', error_description: 'wrong task id' }, JSON.stringify(bad));
    }
    const task = await add(admin, { TITLE: 'String id', RESPONSIBLE_ID: 1 });
    assert.equal((await get(admin, String(task.id))).body.result.task.id, task.id);
    assert.equal((await admin.call('tasks.task.get', { taskId: task.id }, 'get')).body.result.task.id, task.id);
  });

  test('select that is not a list → "100"', async () => {
    const task = await add(admin, { TITLE: 'x', RESPONSIBLE_ID: 1 });
    assert.deepEqual(errorOf(await get(admin, task.id, '')), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {} to match with parameter {select}. Should be value of type array.',
    });
  });
});

describe('tasks.task.getFields', () => {
  test('field descriptions without UF_* fields', async () => {
    const r = await admin.call('tasks.task.getFields');
    assert.equal(r.status, 200);
    const f = r.body.result.fields;
    assert.deepEqual(f.ID, { title: 'ID', type: 'integer', primary: true });
    assert.deepEqual(f.TITLE, { title: 'Title', type: 'string', required: true });
    assert.deepEqual(f.CREATED_BY, { title: 'Creator', type: 'integer', required: true });
    assert.deepEqual(f.RESPONSIBLE_ID, { title: 'Participant', type: 'integer', required: true });
    assert.deepEqual(f.PRIORITY, { title: 'Priority', type: 'enum', values: { 0: 'Low', 1: 'Medium', 2: 'High' }, default: 1 });
    assert.equal(f.STATUS.default, 2);
    assert.deepEqual(f.GROUP_ID, { title: 'Project', type: 'integer', default: 0 });
    assert.equal(f.DEADLINE.type, 'datetime');
    for (const name of ['SPRINT_ID', 'BACKLOG_ID', 'STAGE_ID', 'ACCOMPLICES', 'AUDITORS', 'FAVORITE', 'FLOW_ID']) assert.ok(name in f, name);
    assert.equal(Object.keys(f).some((k) => k.startsWith('UF_')), false);
    assert.equal(Object.keys(f)[0], 'ID');
    const required = Object.entries(f).filter(([, d]) => (d as { required?: boolean }).required).map(([k]) => k);
    assert.deepEqual(required, ['TITLE', 'CREATED_BY', 'RESPONSIBLE_ID']);
  });
});

describe('tasks.task.update', () => {
  test('changes only the passed fields; CHANGED_BY and the answer as tasks.task.get', async () => {
    const u = await t.user();
    const task = await add(admin, { TITLE: 'Before', DESCRIPTION: 'keep', RESPONSIBLE_ID: 1, TAGS: ['a'] });
    const r = await u.call('tasks.task.update', { taskId: task.id, fields: { TITLE: 'After' } });
    assert.deepEqual(errorOf(r), NOT_ALLOWED, 'a stranger may not');
    const r2 = await admin.call('tasks.task.update', { taskId: task.id, fields: { TITLE: 'After', RESPONSIBLE_ID: u.userId, TAGS: ['b', 'c'] } });
    assert.equal(r2.status, 200, r2.text);
    const o = r2.body.result.task;
    assert.deepEqual(Object.keys(o), DEFAULT_KEYS);
    assert.equal(o.title, 'After');
    assert.equal(o.description, 'keep');
    assert.equal(o.responsibleId, String(u.userId));
    assert.equal(o.changedBy, '1');
    assert.deepEqual(tagTitles((await get(admin, task.id, ['TAGS'])).body.result.task.tags), ['b', 'c']);
    assert.deepEqual((await get(admin, task.id)).body.result.task, o);
  });

  test('fields {} changes nothing and returns the task', async () => {
    const task = await add(admin, { TITLE: 'Still', RESPONSIBLE_ID: 1 });
    const r = await admin.call('tasks.task.update', { taskId: task.id, fields: {} });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.result.task, task);
  });

  test('STATUS 5 sets closedDate/closedBy, leaving 5 clears them; STATUS 1 is read as 2 on update', async () => {
    const task = await add(admin, { TITLE: 'Close me', RESPONSIBLE_ID: 1 });
    const done = (await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 5 } })).task;
    assert.equal(done.status, '5');
    assert.equal(done.closedBy, '1');
    assert.match(done.closedDate, ISO_OFFSET);
    assert.equal(done.statusChangedBy, '1');
    const back = (await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 3 } })).task;
    assert.equal(back.status, '3');
    assert.equal(back.closedBy, null);
    assert.equal(back.closedDate, null);
    const one = (await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 1 } })).task;
    assert.equal(one.status, '2');
  });

  test('TASK_CONTROL: update stores STATUS 5 as given, whoever sends it (platform.md §8.6)', async () => {
    const c = await t.user();
    const r = await t.user();
    const task = await add(c, { TITLE: 'Controlled', RESPONSIBLE_ID: r.userId, TASK_CONTROL: 'Y' });
    assert.equal((await r.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 5 } })).task.status, '5');
    await c.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 2 } });
    assert.equal((await c.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 5 } })).task.status, '5');
  });

  test('binding: taskId and fields', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.update', { fields: { TITLE: 'x' } })), {
      status: 400,
      error: '100',
      error_description: 'CTaskItem All parameters in the constructor must have real class type',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.task.update', { taskId: 'abc', fields: { TITLE: 'x' } })), {
      status: 400,
      error: '0',
      error_description: 'wrong task id',
    });
    const task = await add(admin, { TITLE: 'x', RESPONSIBLE_ID: 1 });
    assert.deepEqual(errorOf(await admin.call('tasks.task.update', { taskId: task.id })), {
      status: 400,
      error: '100',
      error_description: 'Could not find value for parameter {fields}',
    });
  });

  test('a missing task is "Action on the task is not allowed"', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.update', { taskId: 99999999, fields: { TITLE: 'x' } })), NOT_ALLOWED);
  });

  test('validation of the passed fields, parent cycles included', async () => {
    const a = await add(admin, { TITLE: 'A', RESPONSIBLE_ID: 1 });
    const b = await add(admin, { TITLE: 'B', RESPONSIBLE_ID: 1, PARENT_ID: a.id });
    const c = await add(admin, { TITLE: 'C', RESPONSIBLE_ID: 1, PARENT_ID: b.id });
    const upd = (fields: Record<string, unknown>, id = a.id) => admin.call('tasks.task.update', { taskId: id, fields });
    assert.deepEqual(errorOf(await upd({ TITLE: ' ' })), core('Task title is not specified'));
    assert.deepEqual(errorOf(await upd({ RESPONSIBLE_ID: 0 })), core('Responsible person not specified'));
    assert.deepEqual(errorOf(await upd({ RESPONSIBLE_ID: 999999 })), core('User specified in the "Responsible" field not found'));
    assert.deepEqual(errorOf(await upd({ STATUS: 8 })), core('Incorrect status'));
    assert.deepEqual(errorOf(await upd({ PARENT_ID: a.id })), core('Cannot bind the node to itself'));
    assert.deepEqual(errorOf(await upd({ PARENT_ID: c.id })), core('Creating cyclic links in tasks is prohibited'));
    assert.deepEqual(errorOf(await upd({ PARENT_ID: 99999999 })), core('Task specified in the "Parent Task" field not found'));
    await admin.result('tasks.task.update', { taskId: a.id, fields: { START_DATE_PLAN: '2026-03-02T00:00:00+00:00' } });
    assert.deepEqual(
      errorOf(await upd({ END_DATE_PLAN: '2026-03-01T00:00:00+00:00' })),
      core('The end date in scheduling is earlier than the start date'),
      'the stored start counts',
    );
    // a failed update stores nothing
    assert.equal((await get(admin, a.id)).body.result.task.title, 'A');
    // moving a subtree elsewhere is fine; PARENT_ID 0 makes it a root task
    assert.equal((await admin.result('tasks.task.update', { taskId: c.id, fields: { PARENT_ID: a.id } })).task.parentId, a.id);
    assert.equal((await admin.result('tasks.task.update', { taskId: c.id, fields: { PARENT_ID: 0 } })).task.parentId, null);
  });

  test('moving to a group where the caller may not create tasks is not allowed', async () => {
    const u = await t.user();
    const task = await add(u, { TITLE: 'Mine', RESPONSIBLE_ID: u.userId });
    const g = await plainGroup(admin);
    assert.deepEqual(errorOf(await u.call('tasks.task.update', { taskId: task.id, fields: { GROUP_ID: g } })), NOT_ALLOWED);
    await addMember(admin, g, u.userId);
    assert.equal((await u.result('tasks.task.update', { taskId: task.id, fields: { GROUP_ID: g } })).task.groupId, String(g));
    assert.equal((await u.result('tasks.task.update', { taskId: task.id, fields: { GROUP_ID: 0 } })).task.groupId, '0');
  });
});

describe('tasks.task.delete', () => {
  test('{"task": true}; deleting again → 1048582 (checklist 30)', async () => {
    const task = await add(admin, { TITLE: 'Gone', RESPONSIBLE_ID: 1, TAGS: ['x'], AUDITORS: [1] });
    const r = await admin.call('tasks.task.delete', { taskId: task.id });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { task: true });
    assert.deepEqual(errorOf(await admin.call('tasks.task.delete', { taskId: task.id })), DELETE_DENIED);
    assert.deepEqual((await get(admin, task.id)).body.result, []);
    assert.equal((await db().selectFrom('task_tags').selectAll().where('task_id', '=', Number(task.id)).execute()).length, 0);
    assert.equal((await db().selectFrom('task_members').selectAll().where('task_id', '=', Number(task.id)).execute()).length, 0);
  });

  test('binding errors', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.delete', {})), {
      status: 400,
      error: '100',
      error_description: 'CTaskItem All parameters in the constructor must have real class type',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.task.delete', { taskId: -5 })), { status: 400, error: '0', error_description: 'wrong task id' });
  });

  test('subtasks are kept and take the deleted task\'s parent', async () => {
    const root = await add(admin, { TITLE: 'Root', RESPONSIBLE_ID: 1 });
    const mid = await add(admin, { TITLE: 'Mid', RESPONSIBLE_ID: 1, PARENT_ID: root.id });
    const leaf1 = await add(admin, { TITLE: 'Leaf 1', RESPONSIBLE_ID: 1, PARENT_ID: mid.id });
    const leaf2 = await add(admin, { TITLE: 'Leaf 2', RESPONSIBLE_ID: 1, PARENT_ID: mid.id });
    await admin.result('tasks.task.delete', { taskId: mid.id });
    assert.equal((await get(admin, leaf1.id)).body.result.task.parentId, root.id);
    assert.equal((await get(admin, leaf2.id)).body.result.task.parentId, root.id);
    await admin.result('tasks.task.delete', { taskId: root.id });
    assert.equal((await get(admin, leaf1.id)).body.result.task.parentId, null);
  });
});

describe('status actions', () => {
  test('start → pause → defer → complete → renew, each answering with the task', async () => {
    const r = await t.user();
    const task = await add(admin, { TITLE: 'Flow', RESPONSIBLE_ID: r.userId });
    const act = (m: string, c: Client = r) => c.call(`tasks.task.${m}`, { taskId: task.id });
    const started = await act('start');
    assert.equal(started.status, 200, started.text);
    assert.deepEqual(Object.keys(started.body.result.task), DEFAULT_KEYS);
    assert.equal(started.body.result.task.status, '3');
    assert.equal(started.body.result.task.statusChangedBy, String(r.userId));
    assert.equal((await act('pause')).body.result.task.status, '2');
    assert.equal((await act('defer')).body.result.task.status, '6');
    const done = (await act('complete')).body.result.task;
    assert.equal(done.status, '5');
    assert.equal(done.closedBy, String(r.userId));
    assert.match(done.closedDate, ISO_OFFSET);
    const renewed = (await act('renew')).body.result.task;
    assert.equal(renewed.status, '2');
    assert.equal(renewed.closedDate, null);
    assert.equal(renewed.closedBy, null);
  });

  test('transitions that are not allowed, and a missing task → "Action on the task is not allowed"', async () => {
    const task = await add(admin, { TITLE: 'Transitions', RESPONSIBLE_ID: 1 });
    const act = (m: string, id: unknown = task.id) => admin.call(`tasks.task.${m}`, { taskId: id });
    assert.deepEqual(errorOf(await act('pause')), NOT_ALLOWED, 'pause from 2');
    assert.deepEqual(errorOf(await act('renew')), NOT_ALLOWED, 'renew from 2');
    await act('start');
    assert.deepEqual(errorOf(await act('start')), NOT_ALLOWED, 'start from 3');
    await act('complete');
    for (const m of ['start', 'pause', 'defer', 'complete']) assert.deepEqual(errorOf(await act(m)), NOT_ALLOWED, `${m} from 5`);
    for (const m of ['start', 'pause', 'defer', 'complete', 'renew']) {
      assert.deepEqual(errorOf(await act(m, 99999999)), NOT_ALLOWED, `${m} of a missing task`);
      assert.deepEqual(errorOf(await admin.call(`tasks.task.${m}`, {})), {
        status: 400,
        error: '100',
        error_description: 'CTaskItem All parameters in the constructor must have real class type',
      });
    }
  });

  test('who may: start/pause responsible+accomplices, defer responsible+creator, complete +creator, renew creator+responsible', async () => {
    const c = await t.user();
    const r = await t.user();
    const a = await t.user();
    const u = await t.user();
    const o = await t.user();
    const task = await add(c, { TITLE: 'Who', RESPONSIBLE_ID: r.userId, ACCOMPLICES: [a.userId], AUDITORS: [u.userId] });
    const act = async (m: string, who: Client) => (await who.call(`tasks.task.${m}`, { taskId: task.id })).body;
    const refused = async (m: string, who: Client) => assert.deepEqual(errorOf(await who.call(`tasks.task.${m}`, { taskId: task.id })), NOT_ALLOWED, m);
    for (const who of [c, u, o]) await refused('start', who);
    assert.equal((await act('start', a)).result.task.status, '3');
    for (const who of [c, u]) await refused('pause', who);
    assert.equal((await act('pause', a)).result.task.status, '2');
    for (const who of [a, u, o]) await refused('defer', who);
    assert.equal((await act('defer', c)).result.task.status, '6');
    for (const who of [u, o]) await refused('complete', who);
    assert.equal((await act('complete', a)).result.task.status, '5');
    for (const who of [a, u, o]) await refused('renew', who);
    assert.equal((await act('renew', c)).result.task.status, '2');
    assert.equal((await act('complete', c)).result.task.status, '5');
    assert.equal((await act('renew', r)).result.task.status, '2');
  });

  test('complete with TASK_CONTROL by a non-creator gives 4; renew from 4 gives 2; the action map follows', async () => {
    const c = await t.user();
    const r = await t.user();
    const task = await add(c, { TITLE: 'Review', RESPONSIBLE_ID: r.userId, TASK_CONTROL: 'Y' });
    const got = (await get(r, task.id)).body.result.task;
    assert.equal(got.action.complete, true);
    assert.equal(got.action.edit, false);
    assert.equal(got.action.remove, false);
    const pending = (await r.result('tasks.task.complete', { taskId: task.id })).task;
    assert.equal(pending.status, '4');
    // status 4 already holds who declared the task done and when (platform.md §8.8)
    assert.equal(pending.closedBy, String(r.userId));
    assert.match(pending.closedDate, ISO_OFFSET);
    assert.equal((await get(c, task.id)).body.result.task.action.approve, true);
    assert.equal(pending.action.approve, false);
    assert.equal((await c.result('tasks.task.renew', { taskId: task.id })).task.status, '2');
    assert.equal((await c.result('tasks.task.complete', { taskId: task.id })).task.status, '5');
  });
});

describe('access (platform.md §4.1)', () => {
  let C: Client, R: Client, A: Client, U: Client, M: Client, E: Client, W: Client, O: Client;
  let group: number;
  let hiddenGroup: number;

  before(async () => {
    [C, R, A, U, M, E, W, O] = await Promise.all(Array.from({ length: 8 }, (_, i) => t.user({ name: `P${i}` })));
    group = await plainGroup(W!);
    hiddenGroup = await plainGroup(W!, { VISIBLE: 'N' });
    for (const g of [group, hiddenGroup]) {
      for (const m of [C!, R!, M!]) await addMember(admin, g, m.userId);
      await addMember(admin, g, E!.userId, 'E');
    }
  });

  async function groupTask(g = group) {
    return add(C, { TITLE: 'Group task', RESPONSIBLE_ID: R.userId, ACCOMPLICES: [A.userId], AUDITORS: [U.userId], GROUP_ID: g });
  }

  test('read: creator, responsible, accomplice, auditor, members, moderators, owner, admin — not outsiders', async () => {
    for (const g of [group, hiddenGroup]) {
      const task = await groupTask(g);
      for (const who of [C, R, A, U, M, E, W, admin]) {
        assert.equal((await get(who, task.id)).body.result.task?.id, task.id, `user ${who.userId}`);
      }
      assert.deepEqual((await get(O, task.id)).body.result, []);
    }
  });

  test('edit: creator, moderator, owner and admin; not the plain member, responsible, accomplice, auditor or outsider', async () => {
    const task = await groupTask();
    for (const who of [C, E, W, admin]) {
      const r = await who.call('tasks.task.update', { taskId: task.id, fields: { TITLE: `by ${who.userId}` } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.task.title, `by ${who.userId}`);
    }
    for (const who of [M, R, A, U, O]) {
      assert.deepEqual(errorOf(await who.call('tasks.task.update', { taskId: task.id, fields: { TITLE: 'no' } })), NOT_ALLOWED, `user ${who.userId}`);
    }
  });

  test('the responsible person may change STATUS and nothing else', async () => {
    const task = await groupTask();
    assert.equal((await R.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 3 } })).task.status, '3');
    assert.deepEqual(errorOf(await R.call('tasks.task.update', { taskId: task.id, fields: { STATUS: 2, TITLE: 'x' } })), NOT_ALLOWED);
    assert.deepEqual(errorOf(await A.call('tasks.task.update', { taskId: task.id, fields: { STATUS: 2 } })), NOT_ALLOWED);
  });

  test('delete: creator, moderator, owner and admin; not the responsible person, member, participants or outsiders', async () => {
    const task = await groupTask();
    for (const who of [R, M, A, U, O]) {
      assert.deepEqual(errorOf(await who.call('tasks.task.delete', { taskId: task.id })), DELETE_DENIED, `user ${who.userId}`);
    }
    for (const who of [C, E, W, admin]) {
      const t2 = await groupTask();
      assert.deepEqual(await who.result('tasks.task.delete', { taskId: t2.id }), { task: true }, `user ${who.userId}`);
    }
  });

  test('the action map reflects the caller', async () => {
    const task = await groupTask();
    const of = async (who: Client) => (await get(who, task.id)).body.result.task.action;
    assert.equal((await of(C)).edit, true);
    assert.equal((await of(C)).remove, true);
    assert.equal((await of(E)).edit, true);
    assert.equal((await of(M)).edit, false);
    assert.equal((await of(R)).edit, false);
    assert.equal((await of(R)).start, true);
    assert.equal((await of(C)).start, false);
    assert.equal((await of(U)).complete, false);
    assert.equal((await of(admin)).remove, true);
  });

  test('lists: outsiders see only tasks they take part in; members see the group\'s tasks', async () => {
    const g = await plainGroup(W);
    await addMember(admin, g, M.userId);
    const t1 = await add(W, { TITLE: 'L1', RESPONSIBLE_ID: W.userId, GROUP_ID: g });
    const t2 = await add(W, { TITLE: 'L2', RESPONSIBLE_ID: W.userId, GROUP_ID: g, AUDITORS: [O.userId] });
    const ids = [Number(t2.id), Number(t1.id)];
    assert.deepEqual(await listIds(M, { filter: { GROUP_ID: g } }), ids);
    assert.deepEqual(await listIds(admin, { filter: { GROUP_ID: g } }), ids);
    assert.deepEqual(await listIds(O, { filter: { GROUP_ID: g } }), [Number(t2.id)]);
    assert.deepEqual(await listIds(A, { filter: { GROUP_ID: g } }), []);
  });
});

describe('tasks.task.list', () => {
  let g: number;
  let ids: number[] = [];

  before(async () => {
    g = await plainGroup(admin);
    for (let i = 0; i < 121; i++) {
      const task = await add(admin, { TITLE: `Page task ${String(i).padStart(3, '0')}`, RESPONSIBLE_ID: 1, GROUP_ID: g });
      ids.push(Number(task.id));
    }
  });

  const desc = () => [...ids].sort((a, b) => b - a);

  test('paging: 50 per page with next and total; rounding; last page; beyond; start=-1', async () => {
    const page = async (start?: unknown) => admin.call('tasks.task.list', { filter: { GROUP_ID: g }, select: ['ID'], ...(start === undefined ? {} : { start }) });
    const first = await page();
    assert.equal(first.body.result.tasks.length, 50);
    assert.equal(first.body.next, 50);
    assert.equal(first.body.total, 121);
    assert.deepEqual(first.body.result.tasks.map((x: { id: string }) => Number(x.id)), desc().slice(0, 50), 'default order ID desc');
    const second = await page(50);
    assert.deepEqual(second.body.result.tasks.map((x: { id: string }) => Number(x.id)), desc().slice(50, 100));
    assert.equal(second.body.next, 100);
    const rounded = await page(60);
    assert.deepEqual(rounded.body.result.tasks.map((x: { id: string }) => Number(x.id)), desc().slice(50, 100), 'start 60 reads page 2');
    assert.equal(rounded.body.next, 100);
    const last = await page(120);
    assert.equal(last.body.result.tasks.length, 21);
    assert.equal('next' in last.body, false);
    assert.equal(last.body.total, 121);
    const beyond = await page(500);
    assert.deepEqual(beyond.body.result, { tasks: [] });
    assert.equal(beyond.body.total, 121);
    assert.equal('next' in beyond.body, false);
    const noCount = await page(-1);
    assert.equal(noCount.body.result.tasks.length, 50);
    assert.equal('next' in noCount.body, false);
    assert.equal('total' in noCount.body, false);
    const abc = await page('abc');
    assert.equal(abc.body.next, 50);
    assert.equal(abc.body.total, 121);
  });

  test('120 matching tasks: 50, next 50, total 120 (checklist 28)', async () => {
    const r = await admin.call('tasks.task.list', { filter: { GROUP_ID: g, '>ID': Math.min(...ids) } });
    assert.equal(r.body.result.tasks.length, 50);
    assert.equal(r.body.next, 50);
    assert.equal(r.body.total, 120);
  });

  test('Invalid sorting key (checklist 28); order keys case-insensitive; directions', async () => {
    assert.deepEqual(errorOf(await admin.call('tasks.task.list', { order: { FOO: 'asc' } })), {
      status: 400,
      error: '0',
      error_description: 'Invalid sorting key',
    });
    assert.deepEqual(errorOf(await admin.call('tasks.task.list', { order: { ID: 'asc', STATUS: 'asc' } })).error_description, 'Invalid sorting key');
    const asc = await listIds(admin, { filter: { GROUP_ID: g }, order: { id: 'ASC' } });
    assert.deepEqual(asc, [...ids].sort((a, b) => a - b).slice(0, 50));
    const byTitle = await admin.call('tasks.task.list', { filter: { GROUP_ID: g }, order: { TITLE: 'desc' }, select: ['TITLE'] });
    assert.equal(byTitle.body.result.tasks[0].title, 'Page task 120');
    const fav = await listIds(admin, { filter: { GROUP_ID: g }, order: { FAVORITE: 'asc', ID: 'desc' } });
    assert.deepEqual(fav, desc().slice(0, 50), 'accepted keys without local data do not reorder');
  });

  test('GET_PLUS_ONE suppresses total', async () => {
    const r = await admin.call('tasks.task.list', { filter: { GROUP_ID: g }, params: { GET_PLUS_ONE: 'Y' } });
    assert.equal(r.body.result.tasks.length, 50);
    assert.equal(r.body.next, 50);
    assert.equal('total' in r.body, false);
  });

  test('element shape: selected fields, subStatus with STATUS, group; favorite only by default; no action', async () => {
    const r = await admin.call('tasks.task.list', { filter: { ID: ids[0] }, select: ['ID', 'TITLE', 'STATUS'] });
    assert.deepEqual(r.body.result.tasks, [{ id: String(ids[0]), title: 'Page task 000', status: '2', subStatus: '2', group: [] }]);
    assert.equal(r.body.total, 1);
    const full = (await admin.call('tasks.task.list', { filter: { ID: ids[0] } })).body.result.tasks[0];
    const expected = DEFAULT_KEYS.filter((k) => !['action', 'checkListTree', 'checkListCanAdd'].includes(k));
    const statusAt = expected.indexOf('status');
    expected.splice(statusAt + 1, 0, 'subStatus');
    assert.deepEqual(Object.keys(full), expected);
    assert.equal(full.group.id, String(g));
    const noStatus = (await admin.call('tasks.task.list', { filter: { ID: ids[0] }, select: ['ID'] })).body.result.tasks[0];
    assert.deepEqual(noStatus, { id: String(ids[0]), group: [] });
  });

  test('an empty match is {tasks: []} with total 0; non-map parameters are binding errors', async () => {
    const r = await admin.call('tasks.task.list', { filter: { ID: 99999999 } });
    assert.deepEqual(r.body.result, { tasks: [] });
    assert.equal(r.body.total, 0);
    for (const name of ['filter', 'select', 'order', 'params', 'group']) {
      assert.deepEqual(errorOf(await admin.call('tasks.task.list', { [name]: 'x' })), {
        status: 400,
        error: '100',
        error_description: `Invalid value {x} to match with parameter {${name}}. Should be value of type array.`,
      });
    }
  });
});

describe('tasks.task.list filters', () => {
  let g: number;
  let u: Client;
  let v: Client;
  const T: Record<string, any> = {};

  before(async () => {
    g = await plainGroup(admin);
    u = await t.user();
    v = await t.user();
    T.a = await add(admin, { TITLE: 'Login screen', RESPONSIBLE_ID: u.userId, GROUP_ID: g, PRIORITY: 2, TAGS: ['ui'], DEADLINE: '2020-01-01T00:00:00+00:00' });
    T.b = await add(admin, { TITLE: 'Logout button', RESPONSIBLE_ID: v.userId, GROUP_ID: g, ACCOMPLICES: [u.userId], TAGS: ['ui', 'api'], PARENT_ID: T.a.id });
    T.c = await add(admin, { TITLE: 'API docs', RESPONSIBLE_ID: 1, GROUP_ID: g, AUDITORS: [v.userId], STATUS: 3, DEADLINE: '2099-01-01T00:00:00+00:00' });
    T.d = await add(admin, { TITLE: 'Closed thing', RESPONSIBLE_ID: 1, GROUP_ID: g, MARK: 'N' });
    // closed by a status change (add with STATUS 5 sets no CLOSED_DATE, platform.md §8.3.3)
    await admin.result('tasks.task.update', { taskId: T.d.id, fields: { STATUS: 5 } });
  });

  const ids = (...keys: string[]) => keys.map((k) => Number(T[k].id)).sort((a, b) => b - a);
  const find = (filter: Record<string, unknown>) => listIds(admin, { filter: { GROUP_ID: g, ...filter } });

  test('equality, lists, negation and comparisons on ids', async () => {
    assert.deepEqual(await find({}), ids('a', 'b', 'c', 'd'));
    assert.deepEqual(await find({ ID: T.a.id }), ids('a'));
    assert.deepEqual(await find({ ID: [T.a.id, T.c.id] }), ids('a', 'c'));
    assert.deepEqual(await find({ '!ID': T.a.id }), ids('b', 'c', 'd'));
    assert.deepEqual(await find({ '>ID': T.b.id }), ids('c', 'd'));
    assert.deepEqual(await find({ '<=ID': T.b.id }), ids('a', 'b'));
    assert.deepEqual(await find({ RESPONSIBLE_ID: u.userId }), ids('a'));
    assert.deepEqual(await find({ CREATED_BY: 1 }), ids('a', 'b', 'c', 'd'));
    assert.deepEqual(await find({ PRIORITY: 2 }), ids('a'));
    assert.deepEqual(await find({ PARENT_ID: T.a.id }), ids('b'));
    assert.deepEqual(await find({ PARENT_ID: 0 }), ids('a', 'c', 'd'));
    assert.deepEqual(await listIds(admin, { filter: { GROUP_ID: [g, 999999], ID: T.a.id } }), ids('a'));
  });

  test('REAL_STATUS and the meta-status STATUS (-1 overdue)', async () => {
    assert.deepEqual(await find({ REAL_STATUS: [2, 3] }), ids('a', 'b', 'c'));
    assert.deepEqual(await find({ REAL_STATUS: 5 }), ids('d'));
    assert.deepEqual(await find({ '!REAL_STATUS': 5 }), ids('a', 'b', 'c'));
    assert.deepEqual(await find({ STATUS: -1 }), ids('a'));
    assert.deepEqual(await find({ STATUS: 2 }), ids('b'));
    const r = await admin.call('tasks.task.list', { filter: { ID: T.a.id }, select: ['STATUS'] });
    assert.deepEqual(r.body.result.tasks[0], { status: '2', subStatus: '-1', group: [] });
  });

  test('TITLE patterns, TAG, MARK', async () => {
    assert.deepEqual(await find({ TITLE: '%log%' }), ids('a', 'b'));
    assert.deepEqual(await find({ TITLE: 'login screen' }), ids('a'), 'case-insensitive');
    assert.deepEqual(await find({ TITLE: 'Log_ut%' }), ids('b'));
    assert.deepEqual(await find({ '!TITLE': '%log%' }), ids('c', 'd'));
    assert.deepEqual(await find({ TAG: 'ui' }), ids('a', 'b'));
    assert.deepEqual(await find({ TAG: ['api', 'nope'] }), ids('b'));
    assert.deepEqual(await find({ '!TAG': 'ui' }), ids('c', 'd'));
    assert.deepEqual(await find({ MARK: 'N' }), ids('d'));
  });

  test('participants: ACCOMPLICE, AUDITOR, MEMBER', async () => {
    assert.deepEqual(await find({ ACCOMPLICE: u.userId }), ids('b'));
    assert.deepEqual(await find({ AUDITOR: v.userId }), ids('c'));
    assert.deepEqual(await find({ MEMBER: v.userId }), ids('b', 'c'));
    assert.deepEqual(await find({ MEMBER: u.userId }), ids('a', 'b'));
  });

  test('dates: ISO values, comparisons, empty means unset', async () => {
    assert.deepEqual(await find({ '<DEADLINE': '2021-01-01T00:00:00+00:00' }), ids('a'));
    assert.deepEqual(await find({ '>=DEADLINE': '2021-01-01' }), ids('c'));
    assert.deepEqual(await find({ DEADLINE: '' }), ids('b', 'd'));
    assert.deepEqual(await find({ '!DEADLINE': '' }), ids('a', 'c'));
    assert.deepEqual(await find({ '!CLOSED_DATE': '' }), ids('d'));
    assert.deepEqual(await find({ '>CREATED_DATE': '2000-01-01T00:00:00+00:00' }), ids('a', 'b', 'c', 'd'));
    assert.deepEqual(await find({ '<CREATED_DATE': 'not a date' }), ids('a', 'b', 'c', 'd'), 'an unreadable date is ignored');
  });

  test('ONLY_ROOT_TASKS, unknown fields and operators are ignored, favorites are empty', async () => {
    assert.deepEqual(await find({ ONLY_ROOT_TASKS: 'Y' }), ids('a', 'c', 'd'));
    assert.deepEqual(await find({ NO_SUCH_FIELD: 1, '@ID': T.a.id, id: T.a.id }), ids('a', 'b', 'c', 'd'));
    assert.deepEqual(await find({ '::SUBFILTER-PARAMS': { FAVORITE: 'Y' } }), []);
    // a subtask whose parent the caller cannot see counts as a root task for them
    assert.deepEqual(await listIds(u, { filter: { ONLY_ROOT_TASKS: 'Y', GROUP_ID: g } }), ids('a', 'b').filter((x) => x !== Number(T.b.id)));
    const outsider = await t.user();
    const parent = await add(admin, { TITLE: 'Hidden parent', RESPONSIBLE_ID: 1 });
    const child = await add(admin, { TITLE: 'Visible child', RESPONSIBLE_ID: outsider.userId, PARENT_ID: parent.id });
    assert.deepEqual(await listIds(outsider, { filter: { ONLY_ROOT_TASKS: 'Y' } }), [Number(child.id)]);
  });

  test('BACKLOG_ID and SPRINT_ID select tasks by their Scrum placement', async () => {
    const s = await createScrum(admin);
    const backlog = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: s, createdBy: 1 } });
    const inBacklog = await add(admin, { TITLE: 'In backlog', RESPONSIBLE_ID: 1, GROUP_ID: s });
    const inSprint = await add(admin, { TITLE: 'In sprint', RESPONSIBLE_ID: 1, GROUP_ID: s });
    const board = await sprintWithBoard(db(), s);
    await putOnBoard(db(), Number(inSprint.id), board.sprintId, board.NEW);
    assert.deepEqual(await listIds(admin, { filter: { BACKLOG_ID: backlog.id } }), [Number(inBacklog.id)]);
    assert.deepEqual(await listIds(admin, { filter: { SPRINT_ID: board.sprintId } }), [Number(inSprint.id)]);
    assert.deepEqual(await listIds(admin, { filter: { GROUP_ID: s, SPRINT_ID: 0 } }), [Number(inBacklog.id)]);
    assert.deepEqual(await listIds(admin, { filter: { STAGE_ID: board.NEW } }), [Number(inSprint.id)]);
    const r = await admin.call('tasks.task.list', { filter: { GROUP_ID: s }, select: ['ID', 'SPRINT_ID', 'BACKLOG_ID', 'STAGE_ID'], order: { ID: 'asc' } });
    assert.deepEqual(r.body.result.tasks, [
      { id: inBacklog.id, sprintId: null, backlogId: String(backlog.id), stageId: '0', group: [] },
      { id: inSprint.id, sprintId: String(board.sprintId), backlogId: null, stageId: String(board.NEW), group: [] },
    ]);
  });
});

describe('compatibility checklist §11 (tasks)', () => {
  test('29: STATUS 5 on a task in the active sprint moves it to FINISH and sets closedDate', async () => {
    const s = await createScrum(admin);
    await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: s, createdBy: 1 } });
    const task = await add(admin, { TITLE: 'Sprint work', RESPONSIBLE_ID: 1, GROUP_ID: s });
    const board = await sprintWithBoard(db(), s);
    await putOnBoard(db(), Number(task.id), board.sprintId, board.NEW);
    const r = await admin.result('tasks.task.update', { taskId: task.id, fields: { STATUS: 5 } });
    assert.equal(r.task.status, '5');
    assert.match(r.task.closedDate, ISO_OFFSET);
    assert.equal(r.task.stageId, String(board.FINISH));
    assert.deepEqual(await stageLinks(db(), Number(task.id)), [board.FINISH]);
    assert.equal(await taskStageId(db(), Number(task.id)), board.FINISH);
  });

  test('31: a task added to a Scrum with a backlog gets an item in that backlog', async () => {
    const s = await createScrum(admin);
    const backlog = await admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: s, createdBy: 1 } });
    const task = await add(admin, { TITLE: 'Backlog item', RESPONSIBLE_ID: 1, GROUP_ID: s });
    const item = await itemOf(db(), Number(task.id));
    assert.equal(item?.entity_id, backlog.id);
    assert.equal(task.backlogId, String(backlog.id));
  });
});
