/**
 * Fuzzing the protocol and every method with fast-check: random and malformed bodies, wrong types,
 * PHP-style keys, deep nesting, huge and unicode values. Never a 5xx, never a crash, always a valid
 * Bitrix envelope, and stored data unchanged by rejected calls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import './helpers/propertySeed.js';
import { sql } from 'kysely';
import { createRegistry } from '../src/methods/index.js';
import { ADMIN_SECRET, createScrum, startTestServer, toReply, type Reply, type TestServer } from './helpers/harness.js';

let t: TestServer;
let W: string;
const METHODS = createRegistry()
  .all()
  .map((m) => m.name);

// Rejected calls that the reference documents as leaving something stored (scrum-api.md C4.1/C4.2:
// "Epic files not attached" keeps the epic; C2.3: sprint.start's earlier steps are not rolled back).
const DOCUMENTED_PARTIAL = new Set(['Epic files not attached', 'Unable to start sprint']);

let tables: string[] = [];

async function snapshot(): Promise<string> {
  const db = t.server.app.store.db;
  const out: Record<string, unknown[]> = {};
  for (const name of tables) {
    // Activity timestamps of the caller move on every call; they are not data a call changes.
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows.map((r) => {
      const { last_activity: _a, last_login: _l, ...rest } = r;
      return rest;
    });
    out[name] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return JSON.stringify(out);
}

function assertEnvelope(r: Reply, context: string): void {
  assert.ok(r.status < 500, `${context}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.body !== undefined && typeof r.body === 'object' && r.body !== null, `${context}: not JSON: ${r.text.slice(0, 200)}`);
  if ('error' in r.body) {
    assert.ok(r.status >= 400, `${context}: an error with status ${r.status}`);
    assert.equal(typeof r.body.error, 'string', `${context}: error code ${JSON.stringify(r.body.error)}`);
    assert.equal(typeof r.body.error_description, 'string', context);
    assert.ok(!('time' in r.body), `${context}: an error with a time block`);
  } else {
    assert.equal(r.status, 200, context);
    assert.ok('result' in r.body, `${context}: no result`);
    assert.equal(typeof r.body.time?.start, 'number', `${context}: no time block`);
  }
}

before(async () => {
  t = await startTestServer();
  W = `${t.origin}/rest/1/${ADMIN_SECRET}`;
  const g = await createScrum(t.admin);
  await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
  const sprint = await t.admin.result('tasks.api.scrum.sprint.add', {
    fields: { groupId: g, name: 'S1', createdBy: 1, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' },
  });
  for (let i = 0; i < 3; i++) await t.admin.result('tasks.task.add', { fields: { TITLE: `T${i}`, RESPONSIBLE_ID: 1, GROUP_ID: g } });
  void sprint;
  const db = t.server.app.store.db;
  tables = (await db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_') && n !== 'rate_buckets' && n !== 'operating_time');
});
after(() => t.close());

/** Names of JavaScript object members: as keys of a map they must name nothing (issue 10 §4). */
const MEMBER_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'toLocaleString', '__defineSetter__', 'propertyIsEnumerable'];
const key = fc.oneof(
  fc.constantFrom('id', 'fields', 'filter', 'select', 'order', 'taskId', 'sprintId', 'stageId', 'params', 'groupId', 'ID', 'GROUP_ID', 'NAME', 'USER_ID', 'cmd', 'halt', 'start', 'withFiles', 'FILTER'),
  fc.constantFrom(...MEMBER_NAMES),
  fc.string({ maxLength: 8 }),
);
const scalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2, 3, 1e308, -0, 9007199254740993, '0', '1', '-1', '', ' 1', '1e3', '0x1A', 'abc', 'true', 'false', 'N', 'Y', 'null', '[]', '{}', 'active', 'planned', 'NEW', 'FINISH'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
})).v;
const params = fc.dictionary(key, value, { maxKeys: 6 });

async function callJson(method: string, body: unknown): Promise<Reply> {
  return toReply(await fetch(`${W}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

describe('fuzzing', () => {
  test('every method with random JSON parameters: a valid envelope, and rejected calls change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), params, async (method, p) => {
        const before = await snapshot();
        const r = await callJson(method, p);
        assertEnvelope(r, `${method} ${JSON.stringify(p).slice(0, 300)}`);
        if ('error' in r.body && !DOCUMENTED_PARTIAL.has(r.body.error_description)) {
          assert.equal(await snapshot(), before, `${method} was rejected (${r.body.error_description}) but changed stored data`);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('every method with random form keys (PHP brackets, dots, deep nesting)', async () => {
    const formKey = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.tuple(key, fc.array(fc.oneof(fc.constant(''), fc.string({ maxLength: 5 }), fc.nat(600).map(String)), { maxLength: 70 })).map(
        ([k, path]) => k + path.map((p) => `[${p}]`).join(''),
      ),
    );
    const pairs = fc.array(fc.tuple(formKey, fc.string({ maxLength: 20 })), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), pairs, fc.boolean(), async (method, kv, encode) => {
        const body = kv.map(([k, v]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`)).join('&');
        const r = await toReply(await fetch(`${W}/${method}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }));
        assertEnvelope(r, `${method} ${body.slice(0, 300)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes under random content types', async () => {
    const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'multipart/form-data', 'text/plain', 'application/octet-stream', '', 'application/json; charset=latin1', 'application/vnd.x+json');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), contentType, fc.uint8Array({ maxLength: 300 }), async (method, ct, bytes) => {
        const headers: Record<string, string> = ct ? { 'content-type': ct } : {};
        const r = await toReply(await fetch(`${W}/${method}`, { method: 'POST', headers, body: bytes }));
        assertEnvelope(r, `${method} ${ct} ${Buffer.from(bytes).toString('hex').slice(0, 100)}`);
      }),
      { numRuns: 200 },
    );
  });

  test('random paths and method names', async () => {
    const segment = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('rest', 'api', '1', ADMIN_SECRET, '..', '%2F', '%', 'batch', 'server.time.xml'));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 5 }), async (segs) => {
        const path = '/rest/' + segs.map((s) => encodeURIComponent(s)).join('/');
        const r = await toReply(await fetch(`${t.origin}${path}`));
        assert.ok(r.status < 500, `${path}: ${r.status} ${r.text.slice(0, 200)}`);
        // A client resolves dot segments before sending (`/rest/..` is sent as `/`): such a path is no
        // REST path, and GET / answers the home page, not an envelope.
        if (!new URL(path, t.origin).pathname.toLowerCase().startsWith('/rest')) return;
        if (r.headers.get('content-type')?.startsWith('text/xml')) assert.ok(r.text.startsWith('<response>'), `${path}: ${r.text.slice(0, 200)}`);
        else assert.ok(r.body && typeof r.body === 'object', `${path}: ${r.text.slice(0, 200)}`);
      }),
      { numRuns: 200 },
    );
  });

  test('huge, deep and unicode values', async () => {
    const deep = JSON.parse('{"fields":'.repeat(600) + '1' + '}'.repeat(600));
    const cases: [string, unknown][] = [
      ['tasks.api.scrum.sprint.add', { fields: { name: 'x'.repeat(100_000), groupId: 1, createdBy: 1, status: 'planned', dateStart: 1, dateEnd: 2 } }],
      ['tasks.api.scrum.sprint.add', deep],
      ['sonet_group.create', { NAME: '🧪'.repeat(5000), DESCRIPTION: '\u0000\uFFFF\uD83D' }],
      ['tasks.task.add', { fields: { TITLE: 'ü'.repeat(10_000), RESPONSIBLE_ID: 1 } }],
      ['batch', { cmd: Array.from({ length: 200 }, () => 'batch?cmd[]=batch') }],
      ['tasks.api.scrum.sprint.list', { filter: { '><ID': [1], '@ID': [], '%NAME': '%_\\', '=%NAME': '%' }, order: { ID: 'sideways' }, select: ['*', 'NOPE'] }],
    ];
    // Ids beyond 32 bits (PHP integers are 64-bit): found by the fuzzer as a 500 on PostgreSQL.
    for (const id of [2147483648, 9007199254740993, '99999999999999999999', -2147483649]) {
      for (const m of ['user.update', 'tasks.api.scrum.sprint.get', 'tasks.api.scrum.backlog.get', 'tasks.task.get', 'sonet_group.user.get', 'tasks.api.scrum.task.get']) {
        cases.push([m, { id, ID: id, taskId: id, fields: { groupId: id, entityId: id } }]);
      }
    }
    for (const [method, body] of cases) assertEnvelope(await callJson(method, body), `${method} ${JSON.stringify(body).slice(0, 100)}`);
    assert.equal((await fetch(`${W}/server.time`)).status, 200);
  });
});

/**
 * Valid but unusual input (issue 10 §4): each family once answered HTTP 500. Filter, order and select
 * maps keyed by object member names; values over SQLite's 50,000-byte LIKE pattern limit; lists beyond
 * the parameters one statement binds (32,766 on SQLite, 65,535 on PostgreSQL) or SQLite's expression
 * depth (1,000); NUL characters (PostgreSQL text cannot hold them).
 */
describe('fuzzing unusual input families', () => {
  const LIST_CALLS: [string, (field: string, value: unknown) => Record<string, unknown>][] = [
    ['tasks.task.list', (f, v) => ({ filter: { [f]: v } })],
    ['user.get', (f, v) => ({ FILTER: { [f]: v } })],
    ['user.search', (f, v) => ({ FILTER: { [f]: v } })],
    ['sonet_group.get', (f, v) => ({ FILTER: { [f]: v } })],
    ['socialnetwork.api.workgroup.list', (f, v) => ({ filter: { [f]: v } })],
    ['tasks.api.scrum.sprint.list', (f, v) => ({ filter: { [f]: v } })],
    ['tasks.api.scrum.epic.list', (f, v) => ({ filter: { [f]: v } })],
  ];
  const OPS = ['', '=', '!', '!=', '%', '!%', '@', '!@', '=%', '%=', '>', '<=', '><'];
  const FIELDS = ['ID', 'NAME', 'TITLE', 'LAST_NAME', 'UF_DEPARTMENT', 'USER_TYPE', 'MEMBER', 'TAG', 'ACCOMPLICE', 'DESCRIPTION', 'FIND', 'KEYWORDS', ...MEMBER_NAMES];
  const unit = fc.constantFrom('x', 'Ж', 'σ', 'É', '%', '_', '\\', ' ', '\u0000', '🧪');
  const longText = fc.tuple(unit, fc.integer({ min: 50_001, max: 70_000 }), fc.string({ maxLength: 5 })).map(([u, n, tail]) => u.repeat(n) + tail);
  const bigList = fc.tuple(fc.integer({ min: 32_766, max: 70_000 }), fc.boolean()).map(([n, text]) =>
    Array.from({ length: n }, (_, i) => (text ? `v${i}` : i + 1)),
  );
  const nulText = fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}\u0000${b}`);
  const unusual = fc.oneof(longText, bigList, nulText, fc.array(nulText, { maxLength: 3 }));

  test('list filters: every operator and field with long values, long lists and NUL characters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LIST_CALLS), fc.constantFrom(...OPS), fc.constantFrom(...FIELDS), unusual, async ([method, params], op, field, v) => {
        const r = await callJson(method, params(op + field, v));
        assertEnvelope(r, `${method} ${op}${field} ${JSON.stringify(v).slice(0, 80)}`);
      }),
      { numRuns: 60 },
    );
  });

  test('maps keyed by object member names: filter, order, select and fields of every method', async () => {
    const mapKey = fc.constantFrom('filter', 'FILTER', 'order', 'ORDER', 'select', 'SELECT', 'fields', 'FIELDS', 'params');
    const method = fc.oneof(fc.constantFrom(...LIST_CALLS.map(([m]) => m)), fc.constantFrom(...METHODS));
    await fc.assert(
      fc.asyncProperty(method, mapKey, fc.constantFrom(...MEMBER_NAMES), fc.constantFrom('', '!', '%', '>=', '::SUBFILTER-'), scalar, async (method, where, name, op, v) => {
        const body = { [where]: { [op + name]: v } };
        assertEnvelope(await callJson(method, body), `${method} ${JSON.stringify(body).slice(0, 200)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('stored and compared strings with NUL characters: the same answer as without them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z]{1,8}$/), fc.nat(8), async (word, at) => {
        const title = `nul ${word}`;
        const withNul = `${title.slice(0, at)}\u0000${title.slice(at)}`;
        const added = await callJson('tasks.task.add', { fields: { TITLE: withNul, RESPONSIBLE_ID: 1 } });
        assertEnvelope(added, `tasks.task.add ${JSON.stringify(withNul)}`);
        assert.equal(added.body.result.task.title, title);
        const found = await callJson('tasks.task.list', { filter: { TITLE: withNul, ID: added.body.result.task.id }, select: ['ID'] });
        assertEnvelope(found, 'tasks.task.list');
        assert.equal(found.body.result.tasks.length, 1);
        await callJson('tasks.task.delete', { taskId: added.body.result.task.id });
      }),
      { numRuns: 25 },
    );
  });

  test('case-insensitive filters: a substring of a name in any letter case finds it (Cyrillic, Greek, accented Latin)', async () => {
    const letters = [
      ...Array.from({ length: 0x44f - 0x410 + 1 }, (_, i) => String.fromCodePoint(0x410 + i)), 'Ё', 'ё',
      ...Array.from({ length: 0x3a9 - 0x391 + 1 }, (_, i) => String.fromCodePoint(0x391 + i)).filter((c) => c !== '\u03a2'),
      ...Array.from({ length: 0x3c9 - 0x3b1 + 1 }, (_, i) => String.fromCodePoint(0x3b1 + i)),
      ...Array.from({ length: 0xff - 0xc0 + 1 }, (_, i) => String.fromCodePoint(0xc0 + i)).filter((c) => !'×÷ß'.includes(c)),
      'a', 'Z', ' ',
    ];
    const text = fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
    const flips = fc.array(fc.boolean(), { minLength: 12, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(text, fc.nat(11), fc.nat(11), flips, async (name, a, b, flip) => {
        const chars = Array.from(name);
        const part = chars.slice(Math.min(a, b) % chars.length, Math.max(a, b) + 1);
        if (part.join('').trim() === '') return;
        const query = part.map((c, i) => (flip[i] ? c.toUpperCase() : c.toLowerCase())).join('');
        const g = await callJson('sonet_group.create', { NAME: `G ${name} G` });
        assertEnvelope(g, 'sonet_group.create');
        for (const [method, params] of [
          ['sonet_group.get', { FILTER: { '%NAME': query, ID: g.body.result } }],
          ['socialnetwork.api.workgroup.list', { filter: { '%NAME': query, ID: g.body.result } }],
        ] as const) {
          const r = await callJson(method, params);
          assertEnvelope(r, method);
          const n = Array.isArray(r.body.result) ? r.body.result.length : r.body.result.workgroups.length;
          assert.equal(n, 1, `${method} %NAME ${JSON.stringify(query)} misses ${JSON.stringify(name)}`);
        }
        // the Scrum lists answer a failed query with a silent [] (B8.6): the epic must be found
        const epic = await callJson('tasks.api.scrum.epic.add', { fields: { groupId: g.body.result, name: `E ${name} E` } });
        assertEnvelope(epic, 'tasks.api.scrum.epic.add');
        const epics = await callJson('tasks.api.scrum.epic.list', { filter: { '%NAME': query, GROUP_ID: g.body.result }, select: ['ID'] });
        assert.equal(epics.body.result.length, 1, `epic.list %NAME ${JSON.stringify(query)} misses ${JSON.stringify(name)}`);
        const task = await callJson('tasks.task.add', { fields: { TITLE: `T ${name} T`, RESPONSIBLE_ID: 1 } });
        const found = await callJson('tasks.task.list', { filter: { TITLE: `%${query}%`, ID: task.body.result.task.id }, select: ['ID'] });
        assert.equal(found.body.result.tasks.length, 1, `tasks.task.list TITLE %${query}% misses ${JSON.stringify(name)}`);
        await callJson('tasks.task.delete', { taskId: task.body.result.task.id });
        await callJson('sonet_group.delete', { GROUP_ID: g.body.result });
      }),
      { numRuns: 40 },
    );
  });
});
