/**
 * Valid but unusual input to the Scrum list filters (issue 10 §4, issue 12 point 12) of
 * `tasks.api.scrum.sprint.list` and `tasks.api.scrum.epic.list` (scrum-api.md B8), over real HTTP,
 * with the same data and the same expectations on SQLite and PostgreSQL (run the file under both).
 * A query the database refuses ends as a silent `[]` in these methods (B8.6), so each case below
 * checks that the rows are found, not merely that the answer is 200:
 * - filter values over 50,000 characters (SQLite refuses LIKE patterns that long);
 * - lists of 70,000 values (SQLite binds at most 32,766 parameters, PostgreSQL 65,535);
 * - case-insensitive matching across alphabets (`%`, no-prefix LIKE, `=%`, and the text order);
 * - filter, select and order keys named like JavaScript object members: unknown fields, never
 *   Object.prototype members.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createScrum, startTestServer, type Client, type Reply, type TestServer } from './helpers/harness.js';

let t: TestServer;
let admin: Client;
let groupId: number;
/** sprint name → id, in creation order */
const sprints = new Map<string, number>();
/** epic name → id, in creation order */
const epics = new Map<string, number>();

const SPRINT_NAMES = ['Спринт один', 'Sprint two', 'Ελληνικό ΣΠΡΙΝΤ ΟΔΟΣ', 'ÉTÉ sprint', 'бета', 'Альфа', 'Гамма'];
const EPIC_NAMES = ['Эпик Вход', 'Epic Billing', 'ΕΠΟΣ ΟΔΟΣ', 'Épopée'];
const long = 'ж'.repeat(60_000);
const LONG_DESCRIPTION = `Z${long}Z`;
const MEMBER_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'prototype', 'length'];

function ok(r: Reply, context: string): void {
  assert.equal(r.status, 200, `${context}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.body && Array.isArray(r.body.result), `${context}: ${r.text.slice(0, 300)}`);
}

const ctx = (params: Record<string, unknown>) => JSON.stringify(params).slice(0, 120);

/** Names of the sprints of the test group that the filter finds, in the list's order. */
async function sprintNames(filter: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string[]> {
  const params = { filter: { GROUP_ID: groupId, ...filter }, select: ['ID', 'NAME'], ...extra };
  const r = await admin.call('tasks.api.scrum.sprint.list', params);
  ok(r, `sprint.list ${ctx(params)}`);
  return r.body.result.map((s: { name: string }) => s.name);
}

async function epicNames(filter: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string[]> {
  const params = { filter: { GROUP_ID: groupId, ...filter }, select: ['ID', 'NAME'], ...extra };
  const r = await admin.call('tasks.api.scrum.epic.list', params);
  ok(r, `epic.list ${ctx(params)}`);
  return r.body.result.map((e: { name: string }) => e.name);
}

const sprintsExcept = (...names: string[]) => SPRINT_NAMES.filter((n) => !names.includes(n));

before(async () => {
  t = await startTestServer();
  admin = t.admin;
  groupId = await createScrum(admin, 'Scrum list input');
  for (const [i, name] of SPRINT_NAMES.entries()) {
    const day = String(i + 1).padStart(2, '0');
    const s = await admin.result('tasks.api.scrum.sprint.add', {
      fields: { groupId, name, createdBy: 1, status: 'planned', dateStart: `2026-01-${day}T00:00:00+00:00`, dateEnd: `2026-01-${day}T12:00:00+00:00` },
    });
    sprints.set(name, s.id);
  }
  for (const name of EPIC_NAMES) {
    const description = name === 'Epic Billing' ? LONG_DESCRIPTION : `about ${name}`;
    const e = await admin.result('tasks.api.scrum.epic.add', { fields: { groupId, name, description, color: '#00ff00' } });
    epics.set(name, e.id);
  }
});
after(() => t.close());

describe('values over 50,000 characters', () => {
  test('sprint.list: %, !%, no-prefix and =% NAME with a 60,000-character value are applied', async () => {
    assert.deepEqual(await sprintNames({ '%NAME': long }), []);
    assert.deepEqual(await sprintNames({ '!%NAME': long }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ '!NAME': long }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ '!=%NAME': `%${long}%` }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ 0: { LOGIC: 'OR', '%NAME': long, ID: sprints.get('Sprint two') } }), ['Sprint two']);
    assert.deepEqual(await sprintNames({ '%NAME': [long, 'СПРИНТ'] }), ['Спринт один']);
    // a LIKE pattern of 60,000 wildcards and a word
    assert.deepEqual(await sprintNames({ NAME: `${'%'.repeat(60_000)}TWO` }), ['Sprint two']);
    assert.deepEqual(await sprintNames({ '=%NAME': `${'%'.repeat(60_000)}оди_` }), ['Спринт один']);
  });

  test('epic.list: %DESCRIPTION and %NAME with a 60,000-character value are matched, not refused', async () => {
    assert.deepEqual(await epicNames({ '%DESCRIPTION': long.toUpperCase() }), ['Epic Billing']);
    assert.deepEqual(await epicNames({ '%DESCRIPTION': `${long}x` }), []);
    assert.deepEqual(await epicNames({ DESCRIPTION: `z${long}%` }), ['Epic Billing']);
    assert.deepEqual(await epicNames({ '=%DESCRIPTION': `%${long}_` }), ['Epic Billing']);
    assert.deepEqual(await epicNames({ '!%NAME': long }), EPIC_NAMES);
    assert.deepEqual(await epicNames({ '=DESCRIPTION': LONG_DESCRIPTION }), ['Epic Billing']);
  });
});

describe('lists of 70,000 values', () => {
  const ids = Array.from({ length: 70_000 }, (_, i) => i + 1);

  test('sprint.list ID, @ID, !@ID, !ID and string lists', async () => {
    assert.ok([...sprints.values()].every((id) => id <= ids.length));
    assert.deepEqual(await sprintNames({ ID: ids }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ '@ID': ids }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ '=ID': ids.slice().reverse() }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ '!@ID': ids }), []);
    assert.deepEqual(await sprintNames({ '!ID': ids.filter((i) => i !== sprints.get('бета')) }), ['бета']);
    // 0 in a list also matches NULL, as a single 0 does (B8.3)
    assert.deepEqual(await sprintNames({ MODIFIED_BY: [0, ...ids] }), SPRINT_NAMES);
    const words = ids.map((i) => `word ${i}`);
    assert.deepEqual(await sprintNames({ '@STATUS': [...words, 'planned'] }), SPRINT_NAMES);
    assert.deepEqual(await sprintNames({ '!@STATUS': [...words, 'planned'] }), []);
    assert.deepEqual(await sprintNames({ '%NAME': [...words, 'ΟΔΟΣ', 'ÉTÉ'] }), ['Ελληνικό ΣΠΡΙΝΤ ΟΔΟΣ', 'ÉTÉ sprint']);
    assert.deepEqual(await sprintNames({ '!%NAME': [...words, 'sprint'] }), ['Спринт один', 'Ελληνικό ΣΠΡΙΝΤ ΟΔΟΣ', 'бета', 'Альфа', 'Гамма']);
    // no prefix: all-digit values compare for equality, the others are LIKE patterns
    assert.deepEqual(await sprintNames({ NAME: [...ids.map(String), ...words, 'sprint t%', 'АЛЬФ_'] }), ['Sprint two', 'Альфа']);
    assert.deepEqual(await sprintNames({ '=%NAME': [...words, '%ОДИН'] }), ['Спринт один']);
  });

  test('epic.list @ID, ID and NAME lists', async () => {
    assert.deepEqual(await epicNames({ '@ID': ids }), EPIC_NAMES);
    assert.deepEqual(await epicNames({ ID: ids.slice(1) }), EPIC_NAMES.filter((n) => epics.get(n) !== 1));
    assert.deepEqual(await epicNames({ '!ID': ids }), []);
    assert.deepEqual(await epicNames({ '=NAME': [...ids.map((i) => `epic ${i}`), 'Epic Billing'] }), ['Epic Billing']);
  });
});

describe('case-insensitive filters and the text order fold every alphabet alike on SQLite and PostgreSQL', () => {
  test('sprint.list %NAME, !%NAME, NAME (LIKE) and =%NAME', async () => {
    assert.deepEqual(await sprintNames({ '%NAME': 'спринт' }), ['Спринт один']);
    assert.deepEqual(await sprintNames({ '%NAME': 'СПРИНТ ОДИН' }), ['Спринт один']);
    assert.deepEqual(await sprintNames({ '%NAME': 'σπριντ' }), ['Ελληνικό ΣΠΡΙΝΤ ΟΔΟΣ']);
    // final sigma: "οδος", "οδοσ" and "ΟΔΟΣ" are one word
    assert.deepEqual(await sprintNames({ '%NAME': 'οδος' }), ['Ελληνικό ΣΠΡΙΝΤ ΟΔΟΣ']);
    assert.deepEqual(await sprintNames({ '%NAME': 'été' }), ['ÉTÉ sprint']);
    // case folding only: accents are kept (platform.md §5.2.1, recommended)
    assert.deepEqual(await sprintNames({ '%NAME': 'ete' }), []);
    assert.deepEqual(await sprintNames({ '!%NAME': 'спринт' }), sprintsExcept('Спринт один'));
    assert.deepEqual(await sprintNames({ NAME: 'СПРИНТ%' }), ['Спринт один']);
    assert.deepEqual(await sprintNames({ NAME: 'БЕТА' }), ['бета']);
    assert.deepEqual(await sprintNames({ '!NAME': 'альфа' }), sprintsExcept('Альфа'));
    assert.deepEqual(await sprintNames({ '=%NAME': 'спринт%' }), ['Спринт один']);
    assert.deepEqual(await sprintNames({ '%=NAME': '%σπριντ _δοσ' }), ['Ελληνικό ΣΠΡΙΝΤ ΟΔΟΣ']);
    // exact equality stays exact
    assert.deepEqual(await sprintNames({ '=NAME': 'спринт один' }), []);
    assert.deepEqual(await sprintNames({ '=NAME': 'Спринт один' }), ['Спринт один']);
  });

  test('sprint.list order by NAME: case-insensitive in every alphabet', async () => {
    const filter = { '@ID': ['бета', 'Альфа', 'Гамма'].map((n) => sprints.get(n)) };
    assert.deepEqual(await sprintNames(filter, { order: { NAME: 'asc' } }), ['Альфа', 'бета', 'Гамма']);
    assert.deepEqual(await sprintNames(filter, { order: { NAME: 'DESC' } }), ['Гамма', 'бета', 'Альфа']);
  });

  test('epic.list %NAME, NAME and %DESCRIPTION', async () => {
    assert.deepEqual(await epicNames({ '%NAME': 'эпик' }), ['Эпик Вход']);
    assert.deepEqual(await epicNames({ '%NAME': 'ВХОД' }), ['Эпик Вход']);
    assert.deepEqual(await epicNames({ NAME: 'επος%' }), ['ΕΠΟΣ ΟΔΟΣ']);
    assert.deepEqual(await epicNames({ '%NAME': 'ÉPOPÉE' }), ['Épopée']);
    assert.deepEqual(await epicNames({ '%DESCRIPTION': 'ABOUT ЭПИК' }), ['Эпик Вход']);
    assert.deepEqual(await epicNames({ '!%NAME': 'οδοσ' }), EPIC_NAMES.filter((n) => n !== 'ΕΠΟΣ ΟΔΟΣ'));
  });
});

describe('keys named like JavaScript object members', () => {
  test('are unknown fields in filter, select and order of both lists: [] with HTTP 200, never a prototype member', async () => {
    for (const name of MEMBER_NAMES) {
      for (const [method, names] of [
        ['tasks.api.scrum.sprint.list', sprintNames],
        ['tasks.api.scrum.epic.list', epicNames],
      ] as const) {
        for (const filter of [{ [name]: 1 }, { [`!%${name}`]: 'x' }, { [`@${name}`]: [1] }, { 0: { [name]: '1' } }, { [name.toUpperCase()]: 1 }]) {
          assert.deepEqual(await names(filter), [], `${method} filter ${JSON.stringify(filter)}`);
        }
        assert.deepEqual(await names({}, { order: { [name]: 'asc' } }), [], `${method} order ${name}`);
        assert.deepEqual(await names({}, { order: [name] }), [], `${method} order ["${name}"]`);
        // (epic.list binds order as an array: a string is a binding error there, C4.4)
        if (method === 'tasks.api.scrum.sprint.list') assert.deepEqual(await names({}, { order: name }), [], `${method} order "${name}"`);
        assert.deepEqual(await names({}, { select: ['ID', name] }), [], `${method} select ${name}`);
        // form encoding builds the maps from bracketed names
        const form = await admin.call(method, { filter: { GROUP_ID: groupId, [name]: 1 }, order: { [name]: 'asc' } }, 'form');
        ok(form, `${method} ${name} (form)`);
        assert.deepEqual(form.body.result, [], `${method} ${name} (form)`);
      }
    }
    // the lists themselves still answer
    assert.deepEqual(await sprintNames({}), SPRINT_NAMES);
    assert.deepEqual(await epicNames({}), EPIC_NAMES);
  });
});
