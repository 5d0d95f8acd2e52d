/**
 * The sandbox control API (/_scrumd/) over real HTTP, on SQLite (:memory:) and PostgreSQL alike:
 * token, --no-control, reset under concurrent traffic, snapshots, fixtures, --fixture at start, and the
 * OpenAPI document against the routes the server has.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { addMember, ADMIN_SECRET, createScrum, controlCall, startTestServer, type TestServer } from './helpers/harness.js';
import { testingPostgres } from './helpers/database.js';
import { CONTROL_OPERATIONS } from '../src/transport/controlRoutes.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-control-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ctl = controlCall;

async function ok(t: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctl(t, method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  return r.body;
}

/** A portal with some of everything: users, a Scrum with a member, backlog, sprint, epic, tasks. */
async function populate(t: TestServer): Promise<{ groupId: number; userId: number }> {
  const anna = await t.user({ name: 'Anna' });
  const groupId = await createScrum(t.admin, 'Team');
  await addMember(t.admin, groupId, anna.userId);
  await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: 1 } });
  await t.admin.result('tasks.api.scrum.sprint.add', { fields: { groupId, name: 'Sprint 1', createdBy: 1, status: 'planned', dateStart: '2026-03-23', dateEnd: '2026-04-06' } });
  await t.admin.result('tasks.api.scrum.epic.add', { fields: { groupId, name: 'Epic', createdBy: 1 } });
  for (const title of ['One', 'Two', 'Three']) await t.admin.result('tasks.task.add', { fields: { TITLE: title, RESPONSIBLE_ID: anna.userId, GROUP_ID: groupId } });
  return { groupId, userId: anna.userId };
}

async function groupCount(t: TestServer): Promise<number> {
  const r = await t.admin.call('sonet_group.get', {});
  assert.equal(r.status, 200, r.text);
  return r.body.result.length;
}

describe('the control token', () => {
  test('no token or a wrong one: 401; Bearer or X-Scrumd-Control-Token: 200; the document needs none', async () => {
    const t = await startTestServer();
    try {
      assert.match(t.server.controlToken ?? '', /^\S{16,}$/, 'a random token at start');
      for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${t.server.controlToken}` }]) {
        const r = await ctl(t, 'POST', '/_scrumd/reset', {}, headers);
        assert.equal(r.status, 401, JSON.stringify(headers));
        assert.equal(r.body.error, 'UNAUTHORIZED');
        assert.ok(!r.text.includes(t.server.controlToken!), 'the token is never echoed');
      }
      assert.equal((await ctl(t, 'GET', '/_scrumd/snapshots', undefined, { authorization: '', 'x-scrumd-control-token': t.server.controlToken! })).status, 200);
      const doc = await fetch(`${t.origin}/_scrumd/openapi.json`);
      assert.equal(doc.status, 200);
      // a refused call changed nothing
      assert.equal((await t.admin.call('user.get', { ID: 1 })).status, 200);
    } finally {
      await t.close();
    }
  });

  test('a fixed token (SCRUMD_CONTROL_TOKEN / --control-token) is the one accepted', async () => {
    const t = await startTestServer({ controlToken: 'fixed-token-123' });
    try {
      assert.equal(t.server.controlToken, 'fixed-token-123');
      const r = await fetch(`${t.origin}/_scrumd/snapshots`, { headers: { authorization: 'Bearer fixed-token-123' } });
      assert.equal(r.status, 200);
    } finally {
      await t.close();
    }
  });

  test('--no-control: /_scrumd/ answers 404, with or without a token, the document too', async () => {
    const t = await startTestServer({ noControl: true, controlToken: 'fixed-token-123' });
    try {
      assert.equal(t.server.controlToken, undefined);
      for (const [method, path] of [['GET', '/_scrumd/openapi.json'], ['POST', '/_scrumd/reset'], ['GET', '/_scrumd/fixture']] as const) {
        const r = await ctl(t, method, path, undefined, { authorization: 'Bearer fixed-token-123' });
        assert.equal(r.status, 404, `${method} ${path}`);
      }
      assert.equal(await groupCount(t), 0);
    } finally {
      await t.close();
    }
  });
});

describe('reset', () => {
  test('empties the portal; user 1 and its webhook stay; ids start afresh', async () => {
    const t = await startTestServer();
    try {
      const { userId } = await populate(t);
      assert.equal(await groupCount(t), 1);
      assert.deepEqual(await ok(t, 'POST', '/_scrumd/reset', {}), { result: true });
      assert.equal(await groupCount(t), 0);
      assert.equal((await t.admin.result('tasks.task.list', {})).tasks.length, 0);
      const users = await t.admin.result('user.get', {});
      assert.deepEqual(users.map((u: { ID: string }) => u.ID), ['1']);
      const gone = await t.admin.call('user.get', { ID: userId });
      assert.deepEqual(gone.body.result, []);
      // the known webhook URL keeps working, and new ids begin at 1 again
      assert.equal(await createScrum(t.admin, 'Again'), 1);
      assert.equal(await t.admin.result('tasks.task.add', { fields: { TITLE: 'x', RESPONSIBLE_ID: 1 } }).then((r: any) => Number(r.task.id)), 1);
    } finally {
      await t.close();
    }
  });

  test('concurrent REST traffic sees all or nothing: group counts are 0 or N, never between', async () => {
    const t = await startTestServer();
    try {
      const N = 12;
      const fill = async () => {
        // one import makes the N groups appear at once (a fixture with N groups)
        await ok(t, 'POST', '/_scrumd/fixture', fixtureWithGroups);
      };
      // build a fixture of N groups from the server itself
      await ok(t, 'POST', '/_scrumd/reset', {});
      for (let i = 0; i < N; i++) await createScrum(t.admin, `G${i}`);
      const fixtureWithGroups = await ok(t, 'GET', '/_scrumd/fixture');
      const seen = new Set<number>();
      let stop = false;
      const readers = Array.from({ length: 4 }, async () => {
        while (!stop) seen.add(await groupCount(t));
      });
      for (let round = 0; round < 6; round++) {
        await ok(t, 'POST', '/_scrumd/reset', {});
        await fill();
      }
      stop = true;
      await Promise.all(readers);
      for (const n of seen) assert.ok(n === 0 || n === N, `a read saw ${n} groups (of 0 or ${N}): ${[...seen].join(', ')}`);
      assert.ok(seen.has(N), 'the readers ran');
    } finally {
      await t.close();
    }
  });

  test('reset to a snapshot: {"snapshot": name}; an unknown one is 404 and changes nothing', async () => {
    const t = await startTestServer();
    try {
      await populate(t);
      await ok(t, 'POST', '/_scrumd/snapshots/full');
      await ok(t, 'POST', '/_scrumd/reset', {});
      const r = await ctl(t, 'POST', '/_scrumd/reset', { snapshot: 'nope' });
      assert.equal(r.status, 404);
      assert.equal(r.body.error, 'SNAPSHOT_NOT_FOUND');
      assert.equal(await groupCount(t), 0);
      await ok(t, 'POST', '/_scrumd/reset', { snapshot: 'full' });
      assert.equal(await groupCount(t), 1);
    } finally {
      await t.close();
    }
  });
});

describe('snapshots', () => {
  test('save, change, restore: the export equals the original; list and delete', async () => {
    const t = await startTestServer();
    try {
      await populate(t);
      const before = await ok(t, 'GET', '/_scrumd/fixture');
      const saved = await ok(t, 'POST', '/_scrumd/snapshots/base-1');
      assert.equal(saved.result.name, 'base-1');
      // a second snapshot (PostgreSQL: a second schema of copies must not disturb the next ones or the export)
      await ok(t, 'POST', '/_scrumd/snapshots/base-2');
      await ok(t, 'POST', '/_scrumd/snapshots/base-2');
      // changes of every kind after the snapshot
      await createScrum(t.admin, 'Later');
      await t.admin.result('tasks.task.update', { taskId: 1, fields: { TITLE: 'Changed' } });
      await t.admin.result('tasks.task.delete', { taskId: 2 });
      await t.user({ name: 'Bob' });
      assert.notDeepEqual(await ok(t, 'GET', '/_scrumd/fixture'), before);
      await ok(t, 'POST', '/_scrumd/snapshots/base-1/restore');
      assert.deepEqual(await ok(t, 'GET', '/_scrumd/fixture'), before);
      // remembered reads were forgotten: the REST answers are the snapshot's
      assert.equal((await t.admin.result('tasks.task.get', { taskId: 1 })).task.title, 'One');
      assert.equal((await t.admin.result('tasks.task.get', { taskId: 2 })).task.title, 'Two');
      // ids continue after the snapshot's, not after the discarded rows'
      assert.equal(await createScrum(t.admin, 'Next'), 2);
      const list = await ok(t, 'GET', '/_scrumd/snapshots');
      assert.deepEqual(list.result.map((s: { name: string }) => s.name), ['base-1', 'base-2']);
      await ok(t, 'DELETE', '/_scrumd/snapshots/base-2');
      assert.deepEqual(await ok(t, 'DELETE', '/_scrumd/snapshots/base-1'), { result: true });
      assert.equal((await ctl(t, 'DELETE', '/_scrumd/snapshots/base-1')).status, 404);
      assert.equal((await ctl(t, 'POST', '/_scrumd/snapshots/base-1/restore')).status, 404);
      assert.deepEqual((await ok(t, 'GET', '/_scrumd/snapshots')).result, []);
    } finally {
      await t.close();
    }
  });

  test('bad names are refused with 400 (no path tricks)', async () => {
    const t = await startTestServer();
    try {
      for (const name of ['..', '.hidden', 'a%2Fb', 'x'.repeat(25), 'a b', '%00']) {
        const r = await ctl(t, 'POST', `/_scrumd/snapshots/${name}`);
        assert.ok(r.status === 400 || r.status === 404, `${name}: ${r.status} ${r.text}`);
        if (r.status === 400) assert.equal(r.body.error, 'INVALID_SNAPSHOT_NAME');
      }
      assert.deepEqual((await ok(t, 'GET', '/_scrumd/snapshots')).result, []);
    } finally {
      await t.close();
    }
  });
});

describe('fixtures', () => {
  test('export → import → export is the identity; the webhook keeps working; ids are kept', async () => {
    const t = await startTestServer();
    try {
      const { groupId } = await populate(t);
      const doc = await ok(t, 'GET', '/_scrumd/fixture');
      assert.equal(doc.format, 'scrumd-fixture');
      assert.equal(doc.version, 1);
      for (const table of ['users', 'webhooks', 'sonet_groups', 'group_members', 'scrum_entities', 'scrum_epics', 'tasks', 'scrum_items', 'oauth_apps']) {
        assert.ok(Array.isArray(doc.tables[table]), `table ${table} exported`);
      }
      assert.ok(!JSON.stringify(doc).includes(ADMIN_SECRET), 'secrets are exported hashed');
      await ok(t, 'POST', '/_scrumd/reset', {});
      await ok(t, 'POST', '/_scrumd/fixture', doc);
      assert.deepEqual(await ok(t, 'GET', '/_scrumd/fixture'), doc);
      const g = await t.admin.result('sonet_group.get', { FILTER: { ID: groupId } });
      assert.equal(g[0].NAME, 'Team');
    } finally {
      await t.close();
    }
  });

  test('a bad fixture is refused with 400 and changes nothing', async () => {
    const t = await startTestServer();
    try {
      await populate(t);
      const before = await ok(t, 'GET', '/_scrumd/fixture');
      const bad: unknown[] = [
        [],
        { format: 'other', version: 1, tables: {} },
        { format: 'scrumd-fixture', version: 2, tables: {} },
        { format: 'scrumd-fixture', version: 1, tables: { nope: [] } },
        JSON.parse('{"format":"scrumd-fixture","version":1,"tables":{"__proto__":[]}}'),
        { format: 'scrumd-fixture', version: 1, tables: { users: [{ id: 1, no_such_column: 1 }] } },
        { format: 'scrumd-fixture', version: 1, tables: { users: [{ id: { x: 1 } }] } },
        // a row the schema refuses (a webhook of a user that does not exist)
        { format: 'scrumd-fixture', version: 1, tables: { webhooks: [{ id: 1, user_id: 99, secret_hash: 'x', scopes: '', active: 'Y', title: '', date_create: 0 }] } },
      ];
      for (const doc of bad) {
        const r = await ctl(t, 'POST', '/_scrumd/fixture', doc);
        assert.equal(r.status, 400, `${JSON.stringify(doc)}: ${r.text}`);
        assert.ok(typeof r.body.error === 'string' && typeof r.body.error_description === 'string');
      }
      const notJson = await fetch(`${t.origin}/_scrumd/fixture`, { method: 'POST', headers: { authorization: `Bearer ${t.server.controlToken}`, 'content-type': 'application/json' }, body: '{' });
      assert.equal(notJson.status, 400);
      assert.deepEqual(await ok(t, 'GET', '/_scrumd/fixture'), before);
    } finally {
      await t.close();
    }
  });

  test('serve --fixture loads one at start (the known webhook keeps working)', async () => {
    const source = await startTestServer();
    let doc: any;
    try {
      await populate(source);
      doc = await ok(source, 'GET', '/_scrumd/fixture');
    } finally {
      await source.close();
    }
    const file = join(dir, 'start.json');
    writeFileSync(file, JSON.stringify(doc));
    const t = await startTestServer({ fixture: file });
    try {
      assert.equal(await groupCount(t), 1);
      assert.deepEqual(await ok(t, 'GET', '/_scrumd/fixture'), doc);
      assert.equal((await t.admin.result('tasks.task.get', { taskId: 3 })).task.title, 'Three');
    } finally {
      await t.close();
    }
  });
});

test('serve --fixture with :memory: (whatever the test dialect)', async () => {
  const file = join(dir, 'memory.json');
  const doc = {
    format: 'scrumd-fixture',
    version: 1,
    tables: {
      sonet_groups: [],
    },
  };
  writeFileSync(file, JSON.stringify(doc));
  const t = await startTestServer({ database: ':memory:', fixture: file });
  try {
    // user 1 came back with the configured webhook (a fixture without users)
    assert.equal((await t.admin.result('user.current', {})).ID, '1');
    assert.equal(await groupCount(t), 0);
  } finally {
    await t.close();
  }
});

test('the OpenAPI document describes exactly the routes the server has under /_scrumd/', async () => {
  const t = await startTestServer();
  try {
    const doc = await (await fetch(`${t.origin}/_scrumd/openapi.json`)).json();
    assert.match(doc.openapi, /^3\./);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    // the routes Fastify has, read from its own route tree
    const tree = t.server.fastify.printRoutes({ commonPrefix: false, includeHooks: false });
    const registered: string[] = [];
    for (const op of CONTROL_OPERATIONS) {
      const url = op.path.replace(/\{(\w+)\}/g, ':$1');
      assert.ok(t.server.fastify.hasRoute({ method: op.method, url }), `${op.method} ${url} registered`);
      registered.push(`${op.method} ${op.path}`);
    }
    assert.deepEqual(documented, registered.sort());
    assert.equal((tree.match(/_scrumd/g) ?? []).length > 0, true);
    // each documented operation answers over HTTP (401 without a token, not 404), nothing else does
    for (const line of documented) {
      const [method, path] = line.split(' ') as [string, string];
      const r = await fetch(`${t.origin}${path.replace('{name}', 'x')}`, { method });
      assert.equal(r.status, path === '/_scrumd/openapi.json' ? 200 : 401, line);
    }
    assert.equal((await fetch(`${t.origin}/_scrumd/nothing`)).status, 404);
  } finally {
    await t.close();
  }
});

test(`the dialect under test: ${testingPostgres() ? 'PostgreSQL' : 'SQLite'}`, () => {});
