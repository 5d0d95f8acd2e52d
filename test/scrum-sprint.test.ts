/**
 * tasks.api.scrum.sprint.add / update / get / list / delete / getFields (scrum-api.md C2.1, C2.2,
 * C2.5–C2.8, B8), over real HTTP against a real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createScrum, errorOf, type Client, type Encoding, type Reply, type TestServer, startTestServer } from './helpers/harness.js';

const KEYS = ['id', 'groupId', 'entityType', 'name', 'goal', 'sort', 'createdBy', 'modifiedBy', 'dateStart', 'dateEnd', 'status'];
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

function expectError(r: Reply, code: '0' | '100', description: string): void {
  assert.deepEqual(errorOf(r), { status: 400, error: code, error_description: description }, r.text);
  assert.equal('time' in r.body, false);
}

/** UTC rendering of Unix seconds, as a UTC portal shows it. */
function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** A datetime that is "the current time" of the request (an empty or unselected date). */
function assertNow(s: unknown): void {
  assert.match(String(s), ISO_RE);
  assert.ok(Math.abs(Date.parse(String(s)) - Date.now()) < 60_000, `${String(s)} is not now`);
}

function assertSprintShape(o: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(o), KEYS);
}

async function insertMember(ts: TestServer, groupId: number, userId: number, role: 'A' | 'E' | 'K' | 'T' | 'Z'): Promise<void> {
  await ts.server.app.store.db
    .insertInto('group_members')
    .values({ group_id: groupId, user_id: userId, role, initiated_by_type: 'U', initiated_by_user_id: userId, auto_member: 'N', date_create: 0, date_update: 0 })
    .execute();
}

let sourceCounter = 1000;
async function insertItem(ts: TestServer, entityId: number, sortFloat: number, active = 'Y'): Promise<number> {
  const r = await ts.server.app.store.db
    .insertInto('scrum_items')
    .values({ entity_id: entityId, source_id: ++sourceCounter, epic_id: 0, active, sort_float: sortFloat, story_points: null, created_by: 1, modified_by: 1, info: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

async function itemsOf(ts: TestServer, entityId: number): Promise<{ id: number; sort_float: number }[]> {
  return ts.server.app.store.db
    .selectFrom('scrum_items')
    .select(['id', 'sort_float'])
    .where('entity_id', '=', entityId)
    .orderBy('sort_float', 'asc')
    .orderBy('id', 'desc')
    .execute();
}

async function entityRow(ts: TestServer, id: number) {
  return ts.server.app.store.db.selectFrom('scrum_entities').selectAll().where('id', '=', id).executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------

let ts: TestServer;
let owner: Client;
let member: Client;
let outsider: Client;
let group: number;
let otherGroup: number;

function fields(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    groupId: group,
    name: 'Sprint',
    createdBy: owner.userId,
    dateStart: '2024-07-19T15:03:01+00:00',
    dateEnd: '2024-08-02T15:03:01+00:00',
    status: 'planned',
    ...extra,
  };
}

async function addSprint(c: Client, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return c.result('tasks.api.scrum.sprint.add', { fields: fields(extra) });
}

before(async () => {
  ts = await startTestServer();
  owner = await ts.user();
  member = await ts.user();
  outsider = await ts.user();
  group = await createScrum(owner, 'Sprint team');
  otherGroup = await createScrum(owner, 'Other team');
  await ts.admin.result('sonet_group.user.add', { GROUP_ID: group, USER_ID: [member.userId] });
});

after(async () => {
  await ts.close();
});

// ---------------------------------------------------------------------------------------------

describe('sprint.getFields', () => {
  test('answers the exact descriptor with no checks', async () => {
    const r = await outsider.call('tasks.api.scrum.sprint.getFields');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, {
      fields: {
        groupId: { type: 'integer' },
        name: { type: 'string' },
        sort: { type: 'integer' },
        createdBy: { type: 'integer' },
        modifiedBy: { type: 'integer' },
        dateStart: { type: 'string' },
        dateEnd: { type: 'string' },
        status: { type: 'string' },
      },
    });
    assert.deepEqual(Object.keys(r.body.result.fields), ['groupId', 'name', 'sort', 'createdBy', 'modifiedBy', 'dateStart', 'dateEnd', 'status']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('sprint.add', () => {
  test('creates a sprint and answers the stored object in key order', async () => {
    const r = await owner.call('tasks.api.scrum.sprint.add', {
      fields: fields({ name: 'Sprint 1', sort: 7, modifiedBy: member.userId }),
    });
    assert.equal(r.status, 200);
    assert.ok('time' in r.body);
    const s = r.body.result;
    assertSprintShape(s);
    assert.ok(Number.isInteger(s.id) && s.id > 0);
    assert.deepEqual(s, {
      id: s.id,
      groupId: group,
      entityType: 'sprint',
      name: 'Sprint 1',
      goal: '',
      sort: 7,
      createdBy: owner.userId,
      // modifiedBy is validated but the author is stored
      modifiedBy: owner.userId,
      dateStart: '2024-07-19T15:03:01+00:00',
      dateEnd: '2024-08-02T15:03:01+00:00',
      status: 'planned',
    });
    const row = await entityRow(ts, s.id);
    assert.equal(row?.modified_by, owner.userId);
    assert.equal(row?.date_start, Date.UTC(2024, 6, 19, 15, 3, 1) / 1000);
    assert.equal(row?.info, '{}');
  });

  test('coerces fields: toInt groupId/sort, toStr name, numeric createdBy', async () => {
    const s = await addSprint(member, { groupId: `${group}abc`, sort: '12.9', name: 15, createdBy: ` ${member.userId}` });
    assert.equal(s.groupId, group);
    assert.equal(s.sort, 12);
    assert.equal(s.name, '15');
    assert.equal(s.createdBy, member.userId);
    assert.equal(s.modifiedBy, member.userId);
  });

  test('a plain member and a non-member administrator may add; completed and active are accepted statuses', async () => {
    const g = await createScrum(owner, 'statuses');
    const a = await addSprint(owner, { groupId: g, status: 'completed' });
    assert.equal(a.status, 'completed');
    const b = await addSprint(ts.admin, { groupId: g, status: 'active', createdBy: 1 });
    assert.equal(b.status, 'active');
    assert.equal(b.createdBy, 1);
    // no board or anything else is created; a second active sprint is refused
    expectError(await ts.admin.call('tasks.api.scrum.sprint.add', { fields: fields({ groupId: g, status: 'active' }) }), '0', 'Unable to add two active sprint');
    // another group may have its own active sprint
    const g2 = await createScrum(owner, 'statuses 2');
    assert.equal((await addSprint(owner, { groupId: g2, status: 'active' })).status, 'active');
  });

  test('binding errors of fields (code 100)', async () => {
    expectError(await owner.call('tasks.api.scrum.sprint.add', {}), '100', 'Could not find value for parameter {fields}');
    expectError(await owner.call('tasks.api.scrum.sprint.add', { fields: 'abc' }), '100', 'Invalid value {abc} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.sprint.add', { fields: null }), '100', 'Invalid value {} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.sprint.add', { fields: 5 }), '100', 'Invalid value {5} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.sprint.add', { fields: true }), '100', 'Invalid value {1} to match with parameter {fields}. Should be value of type array.');
    expectError(await owner.call('tasks.api.scrum.sprint.add', { fields: '' }, 'form'), '100', 'Invalid value {} to match with parameter {fields}. Should be value of type array.');
    // the parameter name is case-sensitive
    expectError(await owner.call('tasks.api.scrum.sprint.add', { FIELDS: fields() }), '100', 'Could not find value for parameter {fields}');
  });

  test('every business error in check order', async () => {
    const call = (f: Record<string, unknown>, c: Client = owner) => c.call('tasks.api.scrum.sprint.add', { fields: f });
    // 2: groupId = 0 (absent, 0, non-numeric) — before everything else
    expectError(await call({}), '0', 'Group id not found');
    expectError(await call(fields({ groupId: 0, createdBy: 999999 })), '0', 'Group id not found');
    expectError(await call(fields({ groupId: 'abc' })), '0', 'Group id not found');
    // 3: access (non-member, missing group) before the user checks
    expectError(await call(fields({ createdBy: 999999 }), outsider), '0', 'Access denied');
    expectError(await call(fields({ groupId: 999999 })), '0', 'Access denied');
    // 4: createdBy numeric and unknown (0 included), before modifiedBy and the dates
    expectError(await call(fields({ createdBy: 999999, modifiedBy: 999999, dateStart: undefined })), '0', 'createdBy user not found');
    expectError(await call(fields({ createdBy: 0 })), '0', 'createdBy user not found');
    expectError(await call(fields({ createdBy: '0' })), '0', 'createdBy user not found');
    // 5: modifiedBy
    const { dateStart: _ds, ...noStart } = fields({ modifiedBy: '999999' });
    expectError(await call(noStart), '0', 'modifiedBy user not found');
    // 6 / 7: a missing date key (only the key counts)
    const { dateEnd: _de, ...noEnd } = fields({ status: 'bogus' });
    const { dateStart: _ds2, ...noStartNoEnd } = noEnd;
    expectError(await call(noStartNoEnd), '0', 'Incorrect dateStart format');
    expectError(await call(noEnd), '0', 'Incorrect dateEnd format');
    // 8: status absent, wrong case, unknown
    const { status: _st, ...noStatus } = fields({ name: '' });
    expectError(await call(noStatus), '0', 'Incorrect sprint status');
    expectError(await call(fields({ status: 'Active', name: '' })), '0', 'Incorrect sprint status');
    expectError(await call(fields({ status: 'deleted' })), '0', 'Incorrect sprint status');
    // 11: insert failures
    expectError(await call(fields({ name: '' })), '0', 'Unable to add sprint');
    expectError(await call(noName()), '0', 'Unable to add sprint');
    expectError(await call(fields({ name: 'x'.repeat(256) })), '0', 'Unable to add sprint');
    expectError(await call(fields({ createdBy: 'abc' })), '0', 'Unable to add sprint');
    const { createdBy: _cb, ...noCreator } = fields();
    expectError(await call(noCreator), '0', 'Unable to add sprint');
    // 255 characters (not bytes) are fine
    const long = 'é'.repeat(255);
    assert.equal((await addSprint(owner, { name: long })).name, long);
    function noName() {
      const { name: _n, ...rest } = fields();
      return rest;
    }
  });

  test('"Unable to add two active sprint" comes before the insert failure', async () => {
    const g = await createScrum(owner, 'two active');
    await addSprint(owner, { groupId: g, status: 'active' });
    expectError(
      await owner.call('tasks.api.scrum.sprint.add', { fields: fields({ groupId: g, status: 'active', name: '' }) }),
      '0',
      'Unable to add two active sprint',
    );
    // planned sprints next to the active one are fine
    assert.equal((await addSprint(owner, { groupId: g })).status, 'planned');
  });

  test('pending and banned relations have no access', async () => {
    const pending = await ts.user();
    const banned = await ts.user();
    await insertMember(ts, group, pending.userId, 'Z');
    await insertMember(ts, group, banned.userId, 'T');
    expectError(await pending.call('tasks.api.scrum.sprint.add', { fields: fields({ createdBy: pending.userId }) }), '0', 'Access denied');
    expectError(await banned.call('tasks.api.scrum.sprint.add', { fields: fields({ createdBy: banned.userId }) }), '0', 'Access denied');
  });

  test('parseDate: offsets, date only, timestamps, unparsable → epoch (never an error)', async () => {
    const cases: [unknown, string][] = [
      ['2021-11-22T00:00:00+02:00', '2021-11-21T22:00:00+00:00'],
      ['2021-11-22T00:00:00+0200', '2021-11-21T22:00:00+00:00'],
      ['2021-11-22T10:30:15.123Z', '2021-11-22T10:30:15+00:00'],
      ['2021-11-22 10:30', '2021-11-22T10:30:00+00:00'],
      ['2021-11-22T10:30', '2021-11-22T10:30:00+00:00'],
      ['2021-11-22', '2021-11-22T00:00:00+00:00'],
      [1637532000, '2021-11-21T22:00:00+00:00'],
      ['1637532000', '2021-11-21T22:00:00+00:00'],
      [1637532000.9, '2021-11-21T22:00:00+00:00'],
      [2021, '1970-01-01T00:33:41+00:00'],
      ['garbage', '1970-01-01T00:00:00+00:00'],
      ['', '1970-01-01T00:00:00+00:00'],
      [null, '1970-01-01T00:00:00+00:00'],
      [true, '1970-01-01T00:00:00+00:00'],
      [['2021-11-22'], '1970-01-01T00:00:00+00:00'],
    ];
    for (const [input, expected] of cases) {
      const s = await addSprint(owner, { dateStart: input, dateEnd: input });
      assert.equal(s.dateStart, expected, `dateStart ${JSON.stringify(input)}`);
      assert.equal(s.dateEnd, expected, `dateEnd ${JSON.stringify(input)}`);
    }
    // a millisecond timestamp lands in the far future; dateStart after dateEnd is accepted
    const far = await addSprint(owner, { dateStart: 1637532000000, dateEnd: 0 });
    assert.match(far.dateStart, /^\d{5}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.ok(Number(far.dateStart.slice(0, 5)) > 50000);
    assert.equal(far.dateEnd, utc(0));
  });

  test('the same call as JSON, form and GET gives the same answer', async () => {
    const f = { groupId: group, name: 'Encoded', sort: 3, createdBy: owner.userId, dateStart: '2024-01-01T10:00:00+00:00', dateEnd: 1704110400, status: 'planned' };
    const results = [];
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      const r = await owner.call('tasks.api.scrum.sprint.add', { fields: f }, enc);
      assert.equal(r.status, 200, r.text);
      const { id, ...rest } = r.body.result;
      assert.ok(id > 0);
      results.push(rest);
    }
    assert.deepEqual(results[0], {
      groupId: group, entityType: 'sprint', name: 'Encoded', goal: '', sort: 3, createdBy: owner.userId, modifiedBy: owner.userId,
      dateStart: '2024-01-01T10:00:00+00:00', dateEnd: '2024-01-01T12:00:00+00:00', status: 'planned',
    });
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    // errors too
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      expectError(await owner.call('tasks.api.scrum.sprint.add', { fields: { ...f, status: 'x' } }, enc), '0', 'Incorrect sprint status');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('sprint.update', () => {
  test('updates the given fields and answers the re-read object', async () => {
    const s = await addSprint(owner, { name: 'Before', sort: 4 });
    const r = await member.call('tasks.api.scrum.sprint.update', {
      id: s.id,
      fields: { name: 'After', sort: 9, modifiedBy: member.userId, dateStart: '2025-02-01', dateEnd: 1740787200, status: 'completed' },
    });
    assert.equal(r.status, 200);
    assertSprintShape(r.body.result);
    assert.deepEqual(r.body.result, {
      ...s,
      name: 'After',
      sort: 9,
      modifiedBy: member.userId,
      dateStart: '2025-02-01T00:00:00+00:00',
      dateEnd: '2025-03-01T00:00:00+00:00',
      status: 'completed',
    });
    assert.deepEqual(await owner.result('tasks.api.scrum.sprint.get', { id: s.id }), r.body.result);
  });

  test('persisted-column rules: empty/ill-typed values are not written, createdBy never is', async () => {
    const s = await addSprint(owner, { name: 'Keep', sort: 4 });
    const same = await owner.result('tasks.api.scrum.sprint.update', {
      id: s.id,
      // name/status only if a string, groupId/sort/createdBy/modifiedBy only if numeric; "" cannot clear a name
      fields: { name: '', groupId: 'abc', sort: 'x', status: 5, modifiedBy: 'me', createdBy: member.userId, unknown: 1 },
    });
    assert.deepEqual(same, s);
    assert.equal((await entityRow(ts, s.id))?.created_by, owner.userId);
    const n = await owner.result('tasks.api.scrum.sprint.update', { id: s.id, fields: { name: 42 } });
    assert.equal(n.name, 'Keep');
    // sort 0 is written; groupId 0 is not
    const z = await owner.result('tasks.api.scrum.sprint.update', { id: s.id, fields: { sort: 0, groupId: 0 } });
    assert.equal(z.sort, 0);
    assert.equal(z.groupId, group);
    // an empty fields array is fine
    assert.deepEqual(await owner.result('tasks.api.scrum.sprint.update', { id: s.id, fields: [] }), z);
    // date keys count whenever present, any value: unreadable → epoch
    const d = await owner.result('tasks.api.scrum.sprint.update', { id: s.id, fields: { dateStart: null, dateEnd: 'garbage' } });
    assert.equal(d.dateStart, utc(0));
    assert.equal(d.dateEnd, utc(0));
    const e = await owner.result('tasks.api.scrum.sprint.update', { id: s.id, fields: { dateStart: '1637532000', dateEnd: '' } });
    assert.equal(e.dateStart, '2021-11-21T22:00:00+00:00');
    assert.equal(e.dateEnd, utc(0));
  });

  test('binding errors: id first, then fields (code 100)', async () => {
    const call = (p: Record<string, unknown>) => owner.call('tasks.api.scrum.sprint.update', p);
    expectError(await call({ fields: {} }), '100', 'Could not find value for parameter {id}');
    expectError(await call({}), '100', 'Could not find value for parameter {id}');
    expectError(await call({ id: 'abc', fields: 'x' }), '100', 'Invalid value {abc} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: null, fields: {} }), '100', 'Invalid value {} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: [1], fields: {} }), '100', 'Invalid value {Array} to match with parameter {id}. Should be value of type int.');
    expectError(await call({ id: 0 }), '100', 'Could not find value for parameter {fields}');
    expectError(await call({ id: 1, fields: 'x' }), '100', 'Invalid value {x} to match with parameter {fields}. Should be value of type array.');
  });

  test('every business error in check order', async () => {
    const call = (id: unknown, f: Record<string, unknown>, c: Client = owner) => c.call('tasks.api.scrum.sprint.update', { id, fields: f });
    const s = await addSprint(owner);
    const bad = { createdBy: 999999, modifiedBy: 999999, status: 'bogus' };
    expectError(await call(0, bad), '0', 'Sprint id not found');
    expectError(await call('0', bad), '0', 'Sprint id not found');
    expectError(await call(999999, bad), '0', 'Sprint not found');
    const backlog = await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: otherGroup, createdBy: owner.userId } });
    expectError(await call(backlog.id, bad), '0', 'Sprint not found');
    expectError(await call(s.id, bad, outsider), '0', 'Access denied');
    // moving a sprint with items (active or in the recycle bin) is forbidden — before the user checks
    const withItems = await addSprint(owner);
    await insertItem(ts, withItems.id, 1024, 'N');
    expectError(await call(withItems.id, { ...bad, groupId: otherGroup }), '0', 'It is forbidden move a sprint with items');
    expectError(await call(withItems.id, { groupId: 0 }), '0', 'It is forbidden move a sprint with items');
    // "moving" to its own group is not a move
    assert.equal((await owner.result('tasks.api.scrum.sprint.update', { id: withItems.id, fields: { groupId: group } })).groupId, group);
    expectError(await call(s.id, bad), '0', 'createdBy user not found');
    expectError(await call(s.id, { ...bad, createdBy: 0 }), '0', 'createdBy user not found');
    expectError(await call(s.id, { ...bad, createdBy: owner.userId }), '0', 'modifiedBy user not found');
    expectError(await call(s.id, { status: 'bogus', name: 'x'.repeat(300) }), '0', 'Incorrect sprint status');
    expectError(await call(s.id, { status: 'Planned' }), '0', 'Incorrect sprint status');
    expectError(await call(s.id, { name: 'x'.repeat(256) }), '0', 'Sprint not updated');
    // nothing of a refused call is written
    assert.deepEqual(await owner.result('tasks.api.scrum.sprint.get', { id: s.id }), s);
  });

  test('one active sprint per group: re-saving active on the active sprint is refused too', async () => {
    const g = await createScrum(owner, 'active rule');
    const a = await addSprint(owner, { groupId: g });
    const b = await addSprint(owner, { groupId: g });
    const act = await owner.result('tasks.api.scrum.sprint.update', { id: a.id, fields: { status: 'active' } });
    assert.equal(act.status, 'active');
    expectError(await owner.call('tasks.api.scrum.sprint.update', { id: b.id, fields: { status: 'active' } }), '0', 'Unable to add two active sprint');
    expectError(await owner.call('tasks.api.scrum.sprint.update', { id: a.id, fields: { status: 'active' } }), '0', 'Unable to add two active sprint');
    // other changes of the active sprint are fine without status
    assert.equal((await owner.result('tasks.api.scrum.sprint.update', { id: a.id, fields: { name: 'Renamed' } })).status, 'active');
    // status changes have no side effects; back to planned frees the slot
    assert.equal((await owner.result('tasks.api.scrum.sprint.update', { id: a.id, fields: { status: 'planned' } })).status, 'planned');
    assert.equal((await owner.result('tasks.api.scrum.sprint.update', { id: b.id, fields: { status: 'active' } })).status, 'active');
    // the check uses the new group: activating while moving into a group with an active sprint
    const c = await addSprint(owner, { groupId: otherGroup });
    expectError(await owner.call('tasks.api.scrum.sprint.update', { id: c.id, fields: { groupId: g, status: 'active' } }), '0', 'Unable to add two active sprint');
    // moving the active sprint (without status) into a group with an active sprint: the database
    // holds the invariant (the reference would store two active sprints)
    const g2 = await createScrum(owner, 'active rule 2');
    await addSprint(owner, { groupId: g2, status: 'active' });
    expectError(await owner.call('tasks.api.scrum.sprint.update', { id: b.id, fields: { groupId: g2 } }), '0', 'Unable to add two active sprint');
    assert.equal((await entityRow(ts, b.id))?.group_id, g);
  });

  test('moving a sprint without items needs no access to the target group', async () => {
    const foreign = await createScrum(outsider, 'foreign');
    const s = await addSprint(owner);
    const moved = await owner.result('tasks.api.scrum.sprint.update', { id: s.id, fields: { groupId: String(foreign) } });
    assert.equal(moved.groupId, foreign);
    // …after which the caller no longer has access to it, the target group's members do
    expectError(await owner.call('tasks.api.scrum.sprint.get', { id: s.id }), '0', 'Access denied');
    assert.equal((await outsider.result('tasks.api.scrum.sprint.get', { id: s.id })).groupId, foreign);
  });

  test('the seed page example on a +02:00 portal', async () => {
    const tz = await startTestServer({ timezone: 'Europe/Kaliningrad' });
    try {
      const g = await createScrum(tz.admin, 'Scrum');
      assert.equal(g, 1);
      const backlog = await tz.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: 1, createdBy: 1 } });
      assert.equal(backlog.id, 1);
      // the C2.1 example request and answer
      const added = await tz.admin.call('tasks.api.scrum.sprint.add', {
        fields: { groupId: 1, name: 'Sprint 1', createdBy: 1, dateStart: '2021-11-22T00:00:00+02:00', dateEnd: 1638136800, status: 'planned', sort: 1 },
      });
      assert.equal(added.status, 200);
      assert.deepEqual(added.body.result, {
        id: 2, groupId: 1, entityType: 'sprint', name: 'Sprint 1', goal: '', sort: 1, createdBy: 1, modifiedBy: 1,
        dateStart: '2021-11-22T00:00:00+02:00', dateEnd: '2021-11-29T00:00:00+02:00', status: 'planned',
      });
      // the seed request of tasks.api.scrum.sprint.update
      const r = await tz.admin.call('tasks.api.scrum.sprint.update', {
        id: 2,
        fields: { name: 'Sprint 2', groupId: 1, dateStart: '2021-11-22T00:00:00+02:00', dateEnd: '2021-11-29T00:00:00+02:00' },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['result', 'time']);
      assert.deepEqual(r.body.result, {
        id: 2,
        groupId: 1,
        entityType: 'sprint',
        name: 'Sprint 2',
        goal: '',
        sort: 1,
        createdBy: 1,
        modifiedBy: 1,
        dateStart: '2021-11-22T00:00:00+02:00',
        dateEnd: '2021-11-29T00:00:00+02:00',
        status: 'planned',
      });
      assert.match(r.body.time.date_start, /\+02:00$/);
    } finally {
      await tz.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('sprint.get', () => {
  test('answers the stored sprint, the same through JSON, form and GET', async () => {
    const s = await addSprint(owner, { name: 'Get me', sort: 2 });
    const answers = [];
    for (const enc of ['json', 'form', 'get'] as Encoding[]) {
      const r = await member.call('tasks.api.scrum.sprint.get', { id: String(s.id) }, enc);
      assert.equal(r.status, 200);
      assertSprintShape(r.body.result);
      answers.push(r.body.result);
    }
    assert.deepEqual(answers, [s, s, s]);
    // administrators pass without membership
    assert.deepEqual(await ts.admin.result('tasks.api.scrum.sprint.get', { id: s.id }), s);
  });

  test('a backlog id answers the backlog as a sprint object', async () => {
    const g = await createScrum(owner, 'backlog as sprint');
    const b = await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: owner.userId } });
    const r = await owner.result('tasks.api.scrum.sprint.get', { id: b.id });
    assertSprintShape(r);
    assert.equal(r.id, b.id);
    assert.equal(r.groupId, g);
    assert.equal(r.entityType, 'backlog');
    assert.equal(r.name, '');
    assert.equal(r.goal, '');
    assert.equal(r.sort, 0);
    assert.equal(r.createdBy, owner.userId);
    assert.equal(r.modifiedBy, owner.userId);
    assertNow(r.dateStart);
    assertNow(r.dateEnd);
    assert.equal(r.status, '');
  });

  test('goal comes from INFO.sprintGoal', async () => {
    const s = await addSprint(owner);
    await ts.server.app.store.db.updateTable('scrum_entities').set({ info: JSON.stringify({ sprintGoal: 'Ship it', typesGenerated: 'Y' }) }).where('id', '=', s.id).execute();
    assert.equal((await owner.result('tasks.api.scrum.sprint.get', { id: s.id })).goal, 'Ship it');
  });

  test('errors in check order', async () => {
    const s = await addSprint(owner);
    expectError(await owner.call('tasks.api.scrum.sprint.get', {}), '100', 'Could not find value for parameter {id}');
    // the docs' name sprintId is not accepted
    expectError(await owner.call('tasks.api.scrum.sprint.get', { sprintId: s.id }), '100', 'Could not find value for parameter {id}');
    expectError(await owner.call('tasks.api.scrum.sprint.get', { id: 'x' }), '100', 'Invalid value {x} to match with parameter {id}. Should be value of type int.');
    expectError(await owner.call('tasks.api.scrum.sprint.get', { id: true }), '100', 'Invalid value {1} to match with parameter {id}. Should be value of type int.');
    expectError(await owner.call('tasks.api.scrum.sprint.get', { id: 0 }), '0', 'Sprint id not found');
    expectError(await owner.call('tasks.api.scrum.sprint.get', { id: '0' }, 'get'), '0', 'Sprint id not found');
    expectError(await owner.call('tasks.api.scrum.sprint.get', { id: 999999 }), '0', 'Sprint not found');
    expectError(await outsider.call('tasks.api.scrum.sprint.get', { id: s.id }), '0', 'Access denied');
  });

  test('access: members pass, pending and banned users do not', async () => {
    const g = await createScrum(owner, 'access');
    const s = await addSprint(owner, { groupId: g });
    const pending = await ts.user();
    const banned = await ts.user();
    const moderator = await ts.user();
    await insertMember(ts, g, pending.userId, 'Z');
    await insertMember(ts, g, banned.userId, 'T');
    await insertMember(ts, g, moderator.userId, 'E');
    expectError(await pending.call('tasks.api.scrum.sprint.get', { id: s.id }), '0', 'Access denied');
    expectError(await banned.call('tasks.api.scrum.sprint.get', { id: s.id }), '0', 'Access denied');
    assert.deepEqual(await moderator.result('tasks.api.scrum.sprint.get', { id: s.id }), s);
    // the same rule for update and delete
    expectError(await pending.call('tasks.api.scrum.sprint.update', { id: s.id, fields: {} }), '0', 'Access denied');
    expectError(await banned.call('tasks.api.scrum.sprint.delete', { id: s.id }), '0', 'Access denied');
  });
});

// ---------------------------------------------------------------------------------------------

describe('sprint.delete', () => {
  test('deletes a sprint of any status and answers []', async () => {
    const g = await createScrum(owner, 'delete');
    await ts.admin.result('sonet_group.user.add', { GROUP_ID: g, USER_ID: [member.userId] });
    for (const status of ['planned', 'active', 'completed']) {
      const s = await addSprint(owner, { groupId: g, status });
      const r = await member.call('tasks.api.scrum.sprint.delete', { id: s.id });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.result, []);
      assert.equal(await entityRow(ts, s.id), undefined);
      expectError(await owner.call('tasks.api.scrum.sprint.get', { id: s.id }), '0', 'Sprint not found');
    }
  });

  test('errors in check order', async () => {
    const call = (p: Record<string, unknown>, c: Client = owner) => c.call('tasks.api.scrum.sprint.delete', p);
    expectError(await call({}), '100', 'Could not find value for parameter {id}');
    expectError(await call({ id: 'abc' }), '100', 'Invalid value {abc} to match with parameter {id}. Should be value of type int.');
    // note: not "Sprint id not found"
    expectError(await call({ id: 0 }), '0', 'Sprint not found');
    expectError(await call({ id: 999999 }), '0', 'Sprint not found');
    const g = await createScrum(owner, 'delete errors');
    const b = await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: owner.userId } });
    expectError(await call({ id: b.id }), '0', 'Sprint not found');
    const s = await addSprint(owner);
    expectError(await call({ id: s.id }, outsider), '0', 'Access denied');
  });

  test('a sprint with items cannot be removed when the group has no backlog', async () => {
    const g = await createScrum(owner, 'no backlog');
    const s = await addSprint(owner, { groupId: g });
    // an item of a task in the recycle bin counts
    const item = await insertItem(ts, s.id, 1024, 'N');
    expectError(await owner.call('tasks.api.scrum.sprint.delete', { id: s.id }), '0', 'It is forbidden remove a sprint with items');
    assert.ok(await entityRow(ts, s.id));
    assert.deepEqual(await itemsOf(ts, s.id), [{ id: item, sort_float: 1024 }]);
  });

  test('items move to the top of the backlog in their order and everything is renumbered (A4)', async () => {
    const g = await createScrum(owner, 'move to backlog');
    const backlog = await owner.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: owner.userId } });
    const s = await addSprint(owner, { groupId: g, status: 'active' });
    const other = await addSprint(owner, { groupId: g });
    const b1 = await insertItem(ts, backlog.id, 1024);
    const b2 = await insertItem(ts, backlog.id, 2048);
    const s1 = await insertItem(ts, s.id, 300);
    const s2 = await insertItem(ts, s.id, 500);
    const s3 = await insertItem(ts, s.id, 500, 'N'); // same sort: the higher id comes first
    const s4 = await insertItem(ts, s.id, 700);
    const o1 = await insertItem(ts, other.id, 999);
    const r = await owner.call('tasks.api.scrum.sprint.delete', { id: s.id });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, []);
    assert.equal(await entityRow(ts, s.id), undefined);
    assert.deepEqual(await itemsOf(ts, backlog.id), [
      { id: s1, sort_float: 1024 },
      { id: s3, sort_float: 2048 },
      { id: s2, sort_float: 3072 },
      { id: s4, sort_float: 4096 },
      { id: b1, sort_float: 5120 },
      { id: b2, sort_float: 6144 },
    ]);
    // other entities are untouched; the recycle-bin flag travels with the item
    assert.deepEqual(await itemsOf(ts, other.id), [{ id: o1, sort_float: 999 }]);
    const flag = await ts.server.app.store.db.selectFrom('scrum_items').select('active').where('id', '=', s3).executeTakeFirstOrThrow();
    assert.equal(flag.active, 'N');
  });

  test('the same call as form and GET', async () => {
    for (const enc of ['form', 'get'] as Encoding[]) {
      const s = await addSprint(owner);
      const r = await owner.call('tasks.api.scrum.sprint.delete', { id: s.id }, enc);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.result, []);
      assert.equal(await entityRow(ts, s.id), undefined);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('sprint.list', () => {
  let lg: number;
  let lowner: Client;
  const made: Record<string, any>[] = [];

  before(async () => {
    lowner = await ts.user();
    lg = await createScrum(lowner, 'list team');
    // the backlog is an entity too, but never listed
    await lowner.result('tasks.api.scrum.backlog.add', { fields: { groupId: lg, createdBy: lowner.userId } });
    const specs: Record<string, unknown>[] = [
      { name: 'Alpha one', sort: 3, status: 'completed', dateStart: '2024-01-01T00:00:00+00:00', dateEnd: '2024-01-15T00:00:00+00:00' },
      { name: 'Beta two', sort: 1, status: 'active', dateStart: '2024-02-01T00:00:00+00:00', dateEnd: '2024-02-15T00:00:00+00:00' },
      { name: 'alpha_three', sort: 2, status: 'planned', dateStart: '2024-03-01T00:00:00+00:00', dateEnd: '2024-03-15T00:00:00+00:00' },
      { name: '100%', sort: 2, status: 'planned', dateStart: '2024-04-01T00:00:00+00:00', dateEnd: '2024-04-15T00:00:00+00:00' },
      { name: '42', sort: 0, status: 'planned', dateStart: '2024-05-01T00:00:00+00:00', dateEnd: '2024-05-15T00:00:00+00:00' },
    ];
    for (const sp of specs) made.push(await lowner.result('tasks.api.scrum.sprint.add', { fields: { groupId: lg, createdBy: lowner.userId, ...sp } }));
  });

  const list = (params: Record<string, unknown>, c?: Client, enc: Encoding = 'json') => (c ?? lowner).call('tasks.api.scrum.sprint.list', params, enc);
  async function ids(params: Record<string, unknown>, enc: Encoding = 'json'): Promise<number[]> {
    const r = await list({ ...params, filter: { GROUP_ID: lg, ...(params.filter as object | undefined) } }, undefined, enc);
    assert.equal(r.status, 200, r.text);
    return r.body.result.map((s: { id: number }) => s.id);
  }
  const idOf = (i: number) => made[i]!.id as number;

  test('lists the visible sprints in ascending id, full objects, no next/total', async () => {
    const r = await list({});
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['result', 'time']);
    assert.deepEqual(r.body.result, made);
    for (const s of r.body.result) assertSprintShape(s);
  });

  test('visibility: any relation (pending, banned included); administrators without one see nothing', async () => {
    const pending = await ts.user();
    const banned = await ts.user();
    await insertMember(ts, lg, pending.userId, 'Z');
    await insertMember(ts, lg, banned.userId, 'T');
    assert.deepEqual((await list({}, pending)).body.result, made);
    assert.deepEqual((await list({}, banned)).body.result, made);
    assert.deepEqual((await list({ filter: { GROUP_ID: lg } }, ts.admin)).body.result, []);
    assert.deepEqual((await list({ filter: { GROUP_ID: lg } }, outsider)).body.result, []);
    // a member of several groups sees the sprints of all of them, and only sprints (no backlogs)
    await addSprint(owner, { groupId: otherGroup });
    const own = (await list({}, owner)).body.result as { groupId: number; entityType: string }[];
    assert.ok(own.length > 0);
    assert.ok(own.every((s) => s.entityType === 'sprint'));
    assert.ok(own.some((s) => s.groupId === group) && own.some((s) => s.groupId === otherGroup));
    assert.ok(!own.some((s) => s.groupId === lg));
  });

  test('filter operators on storage names (B8.3)', async () => {
    assert.deepEqual(await ids({ filter: { STATUS: 'planned' } }), [idOf(2), idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '=STATUS': 'planned' } }), [idOf(2), idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '!STATUS': 'planned' } }), [idOf(0), idOf(1)]);
    assert.deepEqual(await ids({ filter: { '!=STATUS': 'planned' } }), [idOf(0), idOf(1)]);
    assert.deepEqual(await ids({ filter: { STATUS: ['active', 'completed'] } }), [idOf(0), idOf(1)]);
    assert.deepEqual(await ids({ filter: { '@STATUS': ['active', 'completed'] } }), [idOf(0), idOf(1)]);
    assert.deepEqual(await ids({ filter: { '!@STATUS': ['active', 'completed'] } }), [idOf(2), idOf(3), idOf(4)]);
    // no prefix on strings: case-insensitive LIKE with the value as pattern
    assert.deepEqual(await ids({ filter: { NAME: 'alpha%' } }), [idOf(0), idOf(2)]);
    assert.deepEqual(await ids({ filter: { NAME: 'ALPHA ONE' } }), [idOf(0)]);
    assert.deepEqual(await ids({ filter: { NAME: 'alpha' } }), []);
    // … an all-digits value compares for equality
    assert.deepEqual(await ids({ filter: { NAME: '42' } }), [idOf(4)]);
    assert.deepEqual(await ids({ filter: { NAME: '4' } }), []);
    // exact equality
    assert.deepEqual(await ids({ filter: { '=NAME': 'alpha one' } }), []);
    assert.deepEqual(await ids({ filter: { '=NAME': 'Alpha one' } }), [idOf(0)]);
    // substring, escaped (no wildcards)
    assert.deepEqual(await ids({ filter: { '%NAME': 'PHA' } }), [idOf(0), idOf(2)]);
    assert.deepEqual(await ids({ filter: { '%NAME': '_' } }), [idOf(2)]);
    assert.deepEqual(await ids({ filter: { '%NAME': '0%' } }), [idOf(3)]);
    assert.deepEqual(await ids({ filter: { '%NAME': ['beta', 'three'] } }), [idOf(1), idOf(2)]);
    assert.deepEqual(await ids({ filter: { '!%NAME': 'alpha' } }), [idOf(1), idOf(3), idOf(4)]);
    // user wildcards
    assert.deepEqual(await ids({ filter: { '=%NAME': '%a_th%' } }), [idOf(2)]);
    assert.deepEqual(await ids({ filter: { '%=NAME': 'Beta%' } }), [idOf(1)]);
    assert.deepEqual(await ids({ filter: { '!=%NAME': '%a%' } }), [idOf(3), idOf(4)]);
    // numbers
    assert.deepEqual(await ids({ filter: { SORT: 2 } }), [idOf(2), idOf(3)]);
    assert.deepEqual(await ids({ filter: { SORT: '0' } }), [idOf(4)]);
    assert.deepEqual(await ids({ filter: { '>SORT': 1 } }), [idOf(0), idOf(2), idOf(3)]);
    assert.deepEqual(await ids({ filter: { '>=SORT': 1, '<SORT': 3 } }), [idOf(1), idOf(2), idOf(3)]);
    assert.deepEqual(await ids({ filter: { '<=ID': idOf(1) } }), [idOf(0), idOf(1)]);
    assert.deepEqual(await ids({ filter: { '><ID': [idOf(1), idOf(3)] } }), [idOf(1), idOf(2), idOf(3)]);
    assert.deepEqual(await ids({ filter: { '!><ID': [idOf(1), idOf(3)] } }), [idOf(0), idOf(4)]);
    assert.deepEqual(await ids({ filter: { ID: [idOf(0), idOf(4)] } }), [idOf(0), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '@ID': [idOf(3)] } }), [idOf(3)]);
    assert.deepEqual(await ids({ filter: { '!ID': idOf(3), '!=ID': idOf(4) } }), [idOf(0), idOf(1), idOf(2)]);
    assert.deepEqual(await ids({ filter: { CREATED_BY: lowner.userId, MODIFIED_BY: lowner.userId } }), made.map((s) => s.id));
    // field names are upper-cased: single-word lower-case names work, camelCase does not
    assert.deepEqual(await ids({ filter: { status: 'active' } }), [idOf(1)]);
    assert.deepEqual(await ids({ filter: { '>id': idOf(3) } }), [idOf(4)]);
    assert.deepEqual(await ids({ filter: { group_id: lg, status: 'active' } }), [idOf(1)]);
    assert.deepEqual((await list({ filter: { groupId: lg } })).body.result, []);
    // nested groups with LOGIC
    assert.deepEqual(await ids({ filter: { 0: { LOGIC: 'OR', STATUS: 'active', NAME: '42' } } }), [idOf(1), idOf(4)]);
  });

  test('ENTITY_TYPE: "=ENTITY_TYPE" is overwritten, other operators are ANDed', async () => {
    assert.deepEqual(await ids({ filter: { '=ENTITY_TYPE': 'backlog' } }), made.map((s) => s.id));
    assert.deepEqual(await ids({ filter: { ENTITY_TYPE: 'backlog' } }), []);
    assert.deepEqual(await ids({ filter: { '!ENTITY_TYPE': 'backlog' } }), made.map((s) => s.id));
  });

  test('date filters accept ISO-8601 and the display formats, in portal time', async () => {
    assert.deepEqual(await ids({ filter: { '>=DATE_END': '2024-03-15T00:00:00+00:00' } }), [idOf(2), idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '>DATE_END': '2024-03-15T00:00:00+00:00' } }), [idOf(3), idOf(4)]);
    assert.deepEqual(await ids({ filter: { '<DATE_START': '01.03.2024 00:00:00' } }), [idOf(0), idOf(1)]);
    assert.deepEqual(await ids({ filter: { '<DATE_START': '03/01/2024 00:00:01' } }), [idOf(0), idOf(1), idOf(2)]);
    assert.deepEqual(await ids({ filter: { DATE_START: '2024-02-01' } }), [idOf(1)]);
    assert.deepEqual(await ids({ filter: { '><DATE_START': ['2024-02-01', '2024-04-01'] } }), [idOf(1), idOf(2), idOf(3)]);
    // an unparsable date is a query failure: []
    assert.deepEqual(await ids({ filter: { '>=DATE_END': 'soon' } }), []);
  });

  test('select: storage names, unselected keys take the fixed defaults (B8.4)', async () => {
    const r = await list({ filter: { GROUP_ID: lg, ID: idOf(0) }, select: ['ID', 'name'] });
    assert.equal(r.status, 200);
    const [s] = r.body.result;
    assertSprintShape(s);
    assert.equal(s.id, idOf(0));
    assert.equal(s.name, 'Alpha one');
    assert.equal(s.groupId, 0);
    assert.equal(s.entityType, '');
    assert.equal(s.goal, '');
    assert.equal(s.sort, 0);
    assert.equal(s.createdBy, 0);
    assert.equal(s.modifiedBy, 0);
    assertNow(s.dateStart);
    assertNow(s.dateEnd);
    assert.equal(s.status, '');
    // goal needs INFO
    await ts.server.app.store.db.updateTable('scrum_entities').set({ info: '{"sprintGoal":"Goal!"}' }).where('id', '=', idOf(1)).execute();
    made[1] = { ...made[1], goal: 'Goal!' };
    const g1 = (await list({ filter: { ID: idOf(1) }, select: ['STATUS'] })).body.result[0];
    assert.equal(g1.goal, '');
    assert.equal(g1.status, 'active');
    const g2 = (await list({ filter: { ID: idOf(1) }, select: ['INFO', 'DATE_END'] })).body.result[0];
    assert.equal(g2.goal, 'Goal!');
    assert.equal(g2.dateEnd, '2024-02-15T00:00:00+00:00');
    assert.equal(g2.id, 0);
    const full = (await list({ filter: { ID: idOf(1) } })).body.result[0];
    assert.equal(full.goal, 'Goal!');
    assert.deepEqual((await list({ filter: { ID: idOf(1) }, select: ['*'] })).body.result, [full]);
    assert.deepEqual((await list({ filter: { ID: idOf(1) }, select: [] })).body.result, [full]);
    // storage-only fields may be selected; unknown and camelCase names fail the query → []
    assert.equal((await list({ filter: { ID: idOf(1) }, select: ['DATE_START_TZ', 'ID'] })).body.result[0].id, idOf(1));
    assert.deepEqual((await list({ filter: { ID: idOf(1) }, select: ['ID', 'groupId'] })).body.result, []);
    assert.deepEqual((await list({ filter: { ID: idOf(1) }, select: ['GOAL'] })).body.result, []);
  });

  test('order (B8.5): key order, case-insensitive direction, string form; bad ones give []', async () => {
    assert.deepEqual(await ids({ order: { NAME: 'desc' } }), [idOf(1), idOf(2), idOf(0), idOf(4), idOf(3)]);
    assert.deepEqual(await ids({ order: { SORT: 'ASC', ID: 'Desc' } }), [idOf(4), idOf(1), idOf(3), idOf(2), idOf(0)]);
    assert.deepEqual(await ids({ order: { sort: 'desc' } }), [idOf(0), idOf(2), idOf(3), idOf(1), idOf(4)]);
    assert.deepEqual(await ids({ order: 'SORT' }), [idOf(4), idOf(1), idOf(2), idOf(3), idOf(0)]);
    assert.deepEqual(await ids({ order: { DATE_END: 'desc' } }), [idOf(4), idOf(3), idOf(2), idOf(1), idOf(0)]);
    assert.deepEqual(await ids({ order: { ID: 'down' } }), []);
    assert.deepEqual(await ids({ order: { dateEnd: 'asc' } }), []);
    assert.deepEqual(await ids({ order: 5 }), []);
  });

  test('unknown filter fields and wrongly typed filter values give HTTP 200 []', async () => {
    for (const filter of [{ FOO: 1 }, { '>ID': [1, 2] }, { '><ID': 5 }, { '><ID': [1] }, { 0: 'x' }, { '': 1 }]) {
      const r = await list({ filter });
      assert.equal(r.status, 200, JSON.stringify(filter));
      assert.deepEqual(r.body.result, [], JSON.stringify(filter));
    }
  });

  test('wrongly typed filter/select/order parameters (C2.6)', async () => {
    expectError(await list({ filter: 'abc' }), '0', 'Cannot access offset of type string on string');
    expectError(await list({ filter: '' }), '0', 'Cannot access offset of type string on string');
    expectError(await list({ filter: 'x' }, undefined, 'form'), '0', 'Cannot access offset of type string on string');
    expectError(await list({ filter: 5 }), '0', 'Cannot use a scalar value as an array');
    expectError(await list({ filter: true }), '0', 'Cannot use a scalar value as an array');
    assert.deepEqual((await list({ filter: null })).body.result, made);
    assert.deepEqual((await list({ filter: false })).body.result, made);
    assert.deepEqual((await list({ filter: [] })).body.result, made);
    for (const select of ['', '0', 0, null, false]) assert.deepEqual((await list({ select })).body.result, made, JSON.stringify(select));
    const bad = await list({ select: 'ID' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, '0');
    assert.match(bad.body.error_description, /must be of type array, string given/);
    assert.match((await list({ select: 5 })).body.error_description, /must be of type array, int given/);
    // a scalar order is one field name
    assert.deepEqual((await list({ order: 'id' })).body.result, made);
    assert.deepEqual((await list({ order: null })).body.result, []);
  });

  test('the same list as JSON, form and GET', async () => {
    const params = { filter: { GROUP_ID: lg, '>=SORT': 1, '@STATUS': ['planned', 'active'] }, select: ['ID', 'NAME', 'SORT', 'STATUS'], order: { SORT: 'desc', ID: 'asc' } };
    const json = await list(params);
    const form = await list(params, undefined, 'form');
    const get = await list(params, undefined, 'get');
    assert.equal(json.status, 200);
    const strip = (r: Reply) => r.body.result.map((s: Record<string, unknown>) => ({ ...s, dateStart: '', dateEnd: '' }));
    assert.deepEqual(json.body.result.map((s: { id: number }) => s.id), [idOf(2), idOf(3), idOf(1)]);
    assert.deepEqual(strip(form), strip(json));
    assert.deepEqual(strip(get), strip(json));
  });

  test('pages of 50 by start, no next/total (B8.1)', async () => {
    const pager = await ts.user();
    const pg = await createScrum(pager, 'paging');
    const all: number[] = [];
    for (let i = 0; i < 55; i++) {
      all.push((await pager.result('tasks.api.scrum.sprint.add', { fields: { groupId: pg, name: `P${i}`, createdBy: pager.userId, dateStart: 0, dateEnd: 0, status: 'planned' } })).id);
    }
    const page = async (start: unknown, enc: Encoding = 'json') => {
      const p: Record<string, unknown> = {};
      if (start !== undefined) p.start = start;
      const r = await pager.call('tasks.api.scrum.sprint.list', p, enc);
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['result', 'time']);
      return r.body.result.map((s: { id: number }) => s.id) as number[];
    };
    assert.deepEqual(await page(undefined), all.slice(0, 50));
    assert.deepEqual(await page(0), all.slice(0, 50));
    assert.deepEqual(await page(10), all.slice(0, 50));
    assert.deepEqual(await page(-1), all.slice(0, 50));
    assert.deepEqual(await page(50), all.slice(50));
    assert.deepEqual(await page('75', 'get'), all.slice(50));
    assert.deepEqual(await page(99, 'form'), all.slice(50));
    assert.deepEqual(await page(100), []);
    // paging applies after filter and order
    const r = await pager.call('tasks.api.scrum.sprint.list', { order: { ID: 'desc' }, start: 50 });
    assert.deepEqual(r.body.result.map((s: { id: number }) => s.id), all.slice(0, 5).reverse());
  });
});

// ---------------------------------------------------------------------------------------------

describe('portal time zone', () => {
  test('dates render with the offset valid at that instant (DST) and are read in portal time', async () => {
    const tz = await startTestServer({ timezone: 'Europe/Berlin' });
    try {
      const g = await createScrum(tz.admin, 'Berlin');
      const add = (f: Record<string, unknown>) =>
        tz.admin.result('tasks.api.scrum.sprint.add', { fields: { groupId: g, name: 'TZ', createdBy: 1, status: 'planned', ...f } });
      const summer = await add({ dateStart: '2024-07-19T15:03:01+00:00', dateEnd: '2024-01-10T12:00:00Z' });
      assert.equal(summer.dateStart, '2024-07-19T17:03:01+02:00');
      assert.equal(summer.dateEnd, '2024-01-10T13:00:00+01:00');
      // values without an offset are portal time: the DST switch day and the day after
      const dst = await add({ dateStart: '2024-03-31', dateEnd: '2024-03-31 03:30:00' });
      assert.equal(dst.dateStart, '2024-03-31T00:00:00+01:00');
      assert.equal(dst.dateEnd, '2024-03-31T03:30:00+02:00');
      const autumn = await add({ dateStart: '2024-10-27 01:59:59', dateEnd: '2024-10-27 12:00' });
      assert.equal(autumn.dateStart, '2024-10-27T01:59:59+02:00');
      assert.equal(autumn.dateEnd, '2024-10-27T12:00:00+01:00');
      // timestamps are instants; the epoch is shown in portal time
      const ts2 = await add({ dateStart: 1721401381, dateEnd: 'nonsense' });
      assert.equal(ts2.dateStart, '2024-07-19T17:03:01+02:00');
      assert.equal(ts2.dateEnd, '1970-01-01T01:00:00+01:00');
      // list date filters read offset-less values in portal time too
      const r = await tz.admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: g, DATE_START: '31.03.2024 00:00:00' } });
      assert.deepEqual(r.map((s: { id: number }) => s.id), [dst.id]);
      // the empty dates of a backlog read as now, in portal time
      const b = await tz.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
      const asSprint = await tz.admin.result('tasks.api.scrum.sprint.get', { id: b.id });
      assertNow(asSprint.dateStart);
      assert.match(asSprint.dateStart, /\+0[12]:00$/);
    } finally {
      await tz.close();
    }
  });
});

describe('strict mode', () => {
  test('a failing list query is reported as "Could not load list" only when strict errors are on', async () => {
    const strict = await startTestServer({ strictErrors: true });
    try {
      const g = await createScrum(strict.admin, 'strict');
      const r = await strict.admin.call('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: g, FOO: 1 } });
      expectError(r, '0', 'Could not load list');
      const ok = await strict.admin.call('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: g } });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.result, []);
    } finally {
      await strict.close();
    }
  });
});
