/**
 * Valid but unusual input (issue 10 §4) and Unicode case folding of the `%`/LIKE filters
 * (platform.md §5.2.1), over real HTTP, with the same data and the same expectations on SQLite and
 * PostgreSQL (run the file under both):
 * - filter, order and select keys named like JavaScript object members (`constructor`, `__proto__`, …);
 * - filter values over 50,000 characters (SQLite refuses LIKE patterns that long);
 * - lists of 70,000 ids and more (SQLite binds at most 32,766 parameters, PostgreSQL 65,535; 30,000
 *   `OR`ed departments made an expression tree too deep);
 * - NUL characters, which PostgreSQL text cannot hold: dropped on both databases (README);
 * - case-insensitive matching across alphabets: Cyrillic, Greek (final sigma too), accented Latin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_SECRET, createScrum, startTestServer, toReply, type Client, type Reply, type TestServer } from './helpers/harness.js';

let t: TestServer;
let admin: Client;
let groupId: number;
let taskIds: number[];

const MEMBER_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'prototype', 'length'];

/** Long names shortened in the lists compared, so a failing assertion stays readable. */
const short = (s: string): string => (s.length > 40 ? `${s.slice(0, 12)}…(${s.length})` : s);

function ok(r: Reply, context: string): void {
  assert.equal(r.status, 200, `${context}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.body && 'result' in r.body, `${context}: ${r.text.slice(0, 300)}`);
}

/** A call that must not fail on the server's side: 200, or a Bitrix envelope error below 500. */
function envelope(r: Reply, context: string): void {
  assert.ok(r.status < 500, `${context}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.body && typeof r.body === 'object', `${context}: not JSON: ${r.text.slice(0, 200)}`);
  if (r.status !== 200) assert.equal(typeof r.body.error, 'string', `${context}: ${r.text.slice(0, 300)}`);
}

const groupNames = async (method: string, filter: Record<string, unknown>): Promise<string[]> => {
  if (method === 'sonet_group.get') {
    const r = await admin.call('sonet_group.get', { FILTER: filter, ORDER: { ID: 'ASC' } });
    ok(r, `sonet_group.get ${JSON.stringify(filter).slice(0, 100)}`);
    return r.body.result.map((g: { NAME: string }) => short(g.NAME));
  }
  const r = await admin.call('socialnetwork.api.workgroup.list', { filter, select: ['ID', 'NAME'], order: { ID: 'ASC' } });
  ok(r, `workgroup.list ${JSON.stringify(filter).slice(0, 100)}`);
  return r.body.result.workgroups.map((g: { name: string }) => short(g.name));
};

const taskTitles = async (filter: Record<string, unknown>): Promise<string[]> => {
  const r = await admin.call('tasks.task.list', { filter, select: ['ID', 'TITLE'], order: { ID: 'asc' } });
  ok(r, `tasks.task.list ${JSON.stringify(filter).slice(0, 100)}`);
  return r.body.result.tasks.map((x: { title: string }) => short(x.title));
};

const userNames = async (method: 'user.get' | 'user.search', params: Record<string, unknown>): Promise<string[]> => {
  const r = await admin.call(method, params);
  ok(r, `${method} ${JSON.stringify(params).slice(0, 100)}`);
  return r.body.result.map((u: { NAME: string }) => short(u.NAME)).sort();
};

before(async () => {
  t = await startTestServer();
  admin = t.admin;
  groupId = await createScrum(admin, 'Scrum');
  taskIds = [];
  for (const title of ['Alpha', 'Beta', 'Gamma']) {
    taskIds.push(Number((await admin.result('tasks.task.add', { fields: { TITLE: title, RESPONSIBLE_ID: 1, GROUP_ID: groupId } })).task.id));
  }
});
after(() => t.close());

describe('keys named like JavaScript object members', () => {
  test('tasks.task.list ignores them as unknown filter fields, with any operator, JSON and form', async () => {
    const all = await taskTitles({});
    for (const name of MEMBER_NAMES) {
      for (const key of [name, `!${name}`, `>=${name}`, `::SUBFILTER-${name}`]) {
        const filter = key.startsWith('::') ? { [key]: { [name]: '1' } } : { [key]: '1' };
        assert.deepEqual(await taskTitles(filter), all, `filter ${JSON.stringify(filter)}`);
      }
      const form = await admin.call('tasks.task.list', { filter: { [name]: '1' } }, 'form');
      ok(form, `form filter[${name}]`);
      assert.equal(form.body.result.tasks.length, all.length);
    }
  });

  test('every list method answers them in the envelope, in filter, order and select', async () => {
    const calls: [string, (k: string) => Record<string, unknown>][] = [
      ['tasks.task.list', (k) => ({ filter: { [k]: 1, [`%${k}`]: 'x' }, select: ['ID', k] })],
      ['tasks.task.list', (k) => ({ order: { [k]: 'asc' } })],
      ['tasks.task.get', (k) => ({ taskId: taskIds[0], select: [k] })],
      ['user.get', (k) => ({ FILTER: { [k]: 1, [`%${k}`]: 'x', [`@${k}`]: [1] }, SORT: k, ORDER: 'asc' })],
      ['user.search', (k) => ({ FILTER: { [k]: 1 }, [k]: 'x' })],
      ['sonet_group.get', (k) => ({ FILTER: { [k]: 1, [`%${k}`]: 'x' }, ORDER: { [k]: 'asc' } })],
      ['socialnetwork.api.workgroup.list', (k) => ({ filter: { [k]: 1, [`=%${k}`]: 'x' }, order: { [k]: 'asc' }, select: ['ID', k] })],
      ['socialnetwork.api.workgroup.get', (k) => ({ params: { groupId, select: [k] } })],
      ['tasks.api.scrum.sprint.list', (k) => ({ filter: { [k]: 1 }, order: { [k]: 'asc' }, select: [k] })],
      ['tasks.api.scrum.epic.list', (k) => ({ filter: { [k]: 1 }, order: { [k]: 'asc' }, select: [k] })],
      ['sonet_group.user.get', (k) => ({ ID: groupId, [k]: 1 })],
      ['tasks.task.add', (k) => ({ fields: { TITLE: 'x', RESPONSIBLE_ID: 1, [k]: 1 } })],
    ];
    for (const name of MEMBER_NAMES) {
      for (const [method, params] of calls) {
        envelope(await admin.call(method, params(name)), `${method} ${name}`);
        envelope(await admin.call(method, params(name), 'form'), `${method} ${name} (form)`);
      }
    }
  });
});

describe('values over 50,000 characters', () => {
  const long = 'ж'.repeat(60_000);

  test('%NAME of sonet_group.get and workgroup.list, =%NAME of workgroup.list: matched, not refused', async () => {
    await admin.result('sonet_group.create', { NAME: `Z${long}Z` });
    for (const method of ['sonet_group.get', 'socialnetwork.api.workgroup.list']) {
      assert.deepEqual(await groupNames(method, { '%NAME': long.toUpperCase() }), [short(`Z${long}Z`)], method);
      assert.deepEqual(await groupNames(method, { '%NAME': `${long}x` }), [], method);
    }
    assert.deepEqual(await groupNames('socialnetwork.api.workgroup.list', { '=%NAME': `z${long}%` }), [short(`Z${long}Z`)]);
    assert.deepEqual(await groupNames('socialnetwork.api.workgroup.list', { '=%NAME': `z${long}_` }), [short(`Z${long}Z`)]);
    assert.deepEqual(await groupNames('socialnetwork.api.workgroup.list', { '=%NAME': `z${long}` }), []);
  });

  test('user.get (plain and %) and user.search (FIND, NAME): matched, not refused', async () => {
    const u = await t.user({ name: `Ю${long}` });
    const name = `Ю${long}`;
    assert.deepEqual(await userNames('user.get', { FILTER: { '%NAME': long.toUpperCase() } }), [short(name)]);
    assert.deepEqual(await userNames('user.get', { FILTER: { NAME: `ю${long}` } }), [short(name)]);
    assert.deepEqual(await userNames('user.get', { FILTER: { NAME: long } }), []);
    assert.deepEqual(await userNames('user.search', { FIND: `ю${long}` }), [short(name)]);
    assert.deepEqual(await userNames('user.search', { FILTER: { NAME: `Ю${long}` } }), [short(name)]);
    assert.deepEqual(await userNames('user.search', { FIND: long }), []);
    await admin.result('user.update', { ID: u.userId, ACTIVE: 'N' });
  });

  test('tasks.task.list TITLE (a LIKE pattern with its own wildcards)', async () => {
    // (titles are kept to 250 characters; the pattern is long)
    assert.deepEqual(await taskTitles({ TITLE: `${'%'.repeat(60_000)}ALPHA` }), ['Alpha']);
    assert.deepEqual(await taskTitles({ TITLE: `${'%_'.repeat(2)}${'%'.repeat(60_000)}ta` }), ['Beta']);
    assert.deepEqual(await taskTitles({ TITLE: `%${long}%` }), []);
    assert.deepEqual(await taskTitles({ TITLE: long }), []);
  });
});

describe('lists of 70,000 values', () => {
  const ids = Array.from({ length: 70_000 }, (_, i) => i + 1);

  test('user.get @ID and ID, user.search ID: every listed user', async () => {
    const expected = await userNames('user.get', { FILTER: { ACTIVE: true } });
    assert.deepEqual(await userNames('user.get', { FILTER: { '@ID': ids, ACTIVE: true } }), expected);
    assert.deepEqual(await userNames('user.get', { FILTER: { ID: ids, ACTIVE: true } }), expected);
    assert.deepEqual(await userNames('user.get', { FILTER: { '!@ID': ids } }), []);
    assert.deepEqual(await userNames('user.search', { FILTER: { ID: ids, ACTIVE: true } }), expected);
    assert.deepEqual(await userNames('user.get', { FILTER: { '@ID': ids.slice(1) } }), (await userNames('user.get', { FILTER: { '!ID': 1 } })));
  });

  test('user.get UF_DEPARTMENT with 30,000 departments, USER_TYPE with 30,000 types', async () => {
    const inDepartment1 = await userNames('user.get', { FILTER: { UF_DEPARTMENT: 1 } });
    assert.ok(inDepartment1.length > 0);
    assert.deepEqual(await userNames('user.get', { FILTER: { UF_DEPARTMENT: ids.slice(0, 30_000).reverse() } }), inDepartment1);
    assert.deepEqual(await userNames('user.get', { FILTER: { UF_DEPARTMENT: ids.slice(1, 30_001) } }), []);
    assert.deepEqual(await userNames('user.get', { FILTER: { USER_TYPE: Array(30_000).fill('employee') } }), inDepartment1);
  });

  test('user.search FIND with hundreds of words: every word must start a word', async () => {
    // every spelling of every prefix of "admin@exam": each starts the administrator's e-mail address
    const words = new Set<string>();
    const spell = (prefix: string, i: number, acc: string): void => {
      if (i === prefix.length) return void words.add(acc);
      const c = prefix[i]!;
      spell(prefix, i + 1, acc + c.toLowerCase());
      if (c.toUpperCase() !== c.toLowerCase()) spell(prefix, i + 1, acc + c.toUpperCase());
    };
    for (let n = 1; n <= 'admin@exam'.length; n++) spell('admin@exam'.slice(0, n), 0, '');
    assert.ok(words.size > 500);
    assert.deepEqual(await userNames('user.search', { FIND: [...words].join(' ') }), ['Admin']);
    assert.deepEqual(await userNames('user.search', { FIND: [...words, 'zz'].join(' ') }), []);
    const many = Array.from({ length: 40_000 }, (_, i) => `w${i}`).join(' ');
    assert.deepEqual(await userNames('user.search', { FIND: many }), []);
  });

  test('tasks.task.list ID, MEMBER, TAG and TITLE lists', async () => {
    const all = await taskTitles({});
    assert.deepEqual(await taskTitles({ ID: ids }), all);
    assert.deepEqual(await taskTitles({ '!ID': ids }), []);
    assert.deepEqual(await taskTitles({ MEMBER: ids }), all);
    assert.deepEqual(await taskTitles({ TAG: ids.map((i) => `tag${i}`) }), []);
    const titles = ids.slice(0, 40_000).map((i) => `title ${i}`);
    assert.deepEqual(await taskTitles({ TITLE: [...titles, 'BET%', 'gamm_'] }), ['Beta', 'Gamma']);
  });

  test('tasks.task.add ACCOMPLICES and AUDITORS: the existing users among them', async () => {
    const u = await t.user();
    const r = await admin.call('tasks.task.add', { fields: { TITLE: 'Many', RESPONSIBLE_ID: 1, ACCOMPLICES: ids, AUDITORS: ids.slice().reverse() } });
    ok(r, 'tasks.task.add');
    const task = r.body.result.task;
    const users = (await admin.call('user.get', { FILTER: { '@ID': ids } })).body.total as number;
    assert.equal(task.accomplices.length, users);
    assert.ok(task.accomplices.includes(String(u.userId)));
    assert.equal(task.auditors.length, users);
    const got = await admin.result('tasks.task.get', { taskId: task.id, select: ['ID', 'ACCOMPLICES'] });
    assert.equal(got.task.accomplices.length, users);
    await admin.result('tasks.task.delete', { taskId: task.id });
  });
});

describe('NUL characters are dropped, on both databases', () => {
  test('stored strings: tasks, groups, sprints', async () => {
    const task = await admin.result('tasks.task.add', { fields: { TITLE: 'nul\u0000title', RESPONSIBLE_ID: 1 } });
    assert.equal(task.task.title, 'nultitle');
    assert.equal((await admin.result('tasks.task.get', { taskId: task.task.id })).task.title, 'nultitle');
    const g = await admin.result('sonet_group.create', { NAME: 'nul\u0000group' });
    assert.equal((await admin.result('sonet_group.get', { FILTER: { ID: g } }))[0].NAME, 'nulgroup');
    const sprint = await admin.call('tasks.api.scrum.sprint.add', {
      fields: { groupId, name: 'Sprint\u0000 1', createdBy: 1, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' },
    });
    ok(sprint, 'sprint.add');
    assert.equal((await admin.result('tasks.api.scrum.sprint.get', { id: sprint.body.result.id })).name, 'Sprint 1');
  });

  test('compared strings: filters of tasks.task.list, user.get, user.search, sonet_group.get', async () => {
    assert.deepEqual(await taskTitles({ TITLE: 'nul\u0000title' }), ['nultitle']);
    assert.deepEqual(await groupNames('sonet_group.get', { '%NAME': 'nul\u0000gr' }), ['nulgroup']);
    assert.deepEqual(await groupNames('socialnetwork.api.workgroup.list', { '%NAME': '\u0000nulgr\u0000' }), ['nulgroup']);
    assert.deepEqual(await userNames('user.get', { FILTER: { NAME: 'Ad\u0000min' } }), ['Admin']);
    assert.deepEqual(await userNames('user.search', { FIND: 'adm\u0000' }), ['Admin']);
    const get = await toReply(await fetch(`${t.origin}/rest/1/${ADMIN_SECRET}/user.get?NAME=Adm%00in`));
    ok(get, 'user.get?NAME=Adm%00in');
    assert.deepEqual(get.body.result.map((u: { NAME: string }) => u.NAME), ['Admin']);
    const form = await toReply(
      await fetch(`${t.origin}/rest/1/${ADMIN_SECRET}/tasks.task.list`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'filter[TITLE]=nul%00title&select[]=TITLE',
      }),
    );
    ok(form, 'form');
    assert.deepEqual(form.body.result.tasks.map((x: { title: string }) => x.title), ['nultitle']);
  });
});

describe('case-insensitive filters fold every alphabet alike on SQLite and PostgreSQL', () => {
  const names = ['Проверка регистра', 'Ελληνική ΟΜΑΔΑ ΟΔΟΣ', 'ÉQUIPE Été', 'Plain ascii'];

  before(async () => {
    for (const NAME of names) await admin.result('sonet_group.create', { NAME });
    for (const TITLE of names) await admin.result('tasks.task.add', { fields: { TITLE, RESPONSIBLE_ID: 1 } });
    await t.user({ name: 'Ёлка' });
    await t.user({ name: 'ΣΟΦΊΑ' });
    await t.user({ name: 'Ångström' });
  });

  test('groups: %NAME of sonet_group.get and workgroup.list, =%NAME of workgroup.list', async () => {
    for (const method of ['sonet_group.get', 'socialnetwork.api.workgroup.list']) {
      const find = (v: string) => groupNames(method, { '%NAME': v });
      assert.deepEqual(await find('проверка'), ['Проверка регистра'], method);
      assert.deepEqual(await find('ПРОВЕРКА РЕГИСТРА'), ['Проверка регистра'], method);
      assert.deepEqual(await find('ελληνική ομαδα'), ['Ελληνική ΟΜΑΔΑ ΟΔΟΣ'], method);
      // final sigma: "οδος", "οδοσ" and "ΟΔΟΣ" are one word
      assert.deepEqual(await find('οδος'), ['Ελληνική ΟΜΑΔΑ ΟΔΟΣ'], method);
      assert.deepEqual(await find('οδοσ'), ['Ελληνική ΟΜΑΔΑ ΟΔΟΣ'], method);
      assert.deepEqual(await find('équipe été'), ['ÉQUIPE Été'], method);
      assert.deepEqual(await find('ÉTÉ'), ['ÉQUIPE Été'], method);
      assert.deepEqual(await find('PLAIN'), ['Plain ascii'], method);
      // case folding only: accents are kept (platform.md §5.2.1, recommended)
      assert.deepEqual(await find('equipe'), [], method);
      assert.deepEqual(await groupNames(method, { '!%NAME': 'проверка', '%NAME': 'р' }), [], method);
    }
    assert.deepEqual(await groupNames('socialnetwork.api.workgroup.list', { '=%NAME': 'проверка%' }), ['Проверка регистра']);
    assert.deepEqual(await groupNames('socialnetwork.api.workgroup.list', { '=%NAME': '%ομαδα _δοσ' }), ['Ελληνική ΟΜΑΔΑ ΟΔΟΣ']);
  });

  test('users: user.get plain and %, user.search', async () => {
    assert.deepEqual(await userNames('user.get', { FILTER: { '%NAME': 'ёлк' } }), ['Ёлка']);
    assert.deepEqual(await userNames('user.get', { FILTER: { NAME: 'ЁЛКА' } }), ['Ёлка']);
    assert.deepEqual(await userNames('user.get', { FILTER: { NAME: 'σοφία' } }), ['ΣΟΦΊΑ']);
    assert.deepEqual(await userNames('user.get', { FILTER: { '%NAME': 'ÅNGS' } }), ['Ångström']);
    assert.deepEqual(await userNames('user.search', { FIND: 'ёл' }), ['Ёлка']);
    assert.deepEqual(await userNames('user.search', { FIND: 'σοφ' }), ['ΣΟΦΊΑ']);
    assert.deepEqual(await userNames('user.search', { NAME: 'åNG' }), ['Ångström']);
    assert.deepEqual(await userNames('user.search', { FIND: 'angstrom' }), []);
  });

  test('tasks: tasks.task.list TITLE', async () => {
    assert.deepEqual(await taskTitles({ TITLE: '%проверка%' }), ['Проверка регистра']);
    assert.deepEqual(await taskTitles({ TITLE: 'ελληνική%οδοσ' }), ['Ελληνική ΟΜΑΔΑ ΟΔΟΣ']);
    assert.deepEqual(await taskTitles({ TITLE: 'équipe été' }), ['ÉQUIPE Été']);
    assert.deepEqual(await taskTitles({ TITLE: ['%РЕГИСТР%', '%été'] }), ['Проверка регистра', 'ÉQUIPE Été']);
  });
});
