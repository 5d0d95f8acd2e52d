/**
 * Restoring a snapshot is atomic for concurrent callers and leaves the database as strict as before:
 * readers see the whole snapshot or the whole state before it, never a part; writers racing the restore
 * land before or after it, never inside (their rows are whole afterwards or gone with the old state);
 * and the foreign keys, which a SQLite restore turns off around its transaction, are enforced again
 * right after. On SQLite and PostgreSQL (SCRUMD_TEST_DIALECT).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScrum, controlCall, startTestServer, type TestServer } from './helpers/harness.js';

const ctl = controlCall;

async function ok(t: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctl(t, method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  return r.body;
}

async function groupCount(t: TestServer): Promise<number> {
  const r = await t.admin.call('sonet_group.get', {});
  assert.equal(r.status, 200, r.text);
  return r.body.result.length;
}

test('restore under concurrent reads and writes: all or nothing, and whole rows after', async () => {
  const t = await startTestServer();
  try {
    const N = 10;
    for (let i = 0; i < N; i++) await createScrum(t.admin, `G${i}`);
    const groupId = 1;
    for (let i = 0; i < 20; i++) await t.admin.result('tasks.task.add', { fields: { TITLE: `T${i}`, RESPONSIBLE_ID: 1, GROUP_ID: groupId } });
    await ok(t, 'POST', '/_scrumd/snapshots/full');
    const seen = new Set<number>();
    let stop = false;
    const readers = Array.from({ length: 3 }, async () => {
      while (!stop) seen.add(await groupCount(t));
    });
    // a writer adds tasks to group 1 all along: each lands before a reset/restore or after it
    const writer = (async () => {
      while (!stop) {
        const r = await t.admin.call('tasks.task.add', { fields: { TITLE: 'racing', RESPONSIBLE_ID: 1, GROUP_ID: groupId } });
        // 200 when group 1 exists (the snapshot's), an error envelope (never a 500) when it was reset away
        assert.ok(r.status < 500, `a write racing a restore got ${r.status}: ${r.text}`);
      }
    })();
    for (let round = 0; round < 5; round++) {
      await ok(t, 'POST', '/_scrumd/reset', {});
      await ok(t, 'POST', '/_scrumd/snapshots/full/restore');
    }
    stop = true;
    await Promise.all([...readers, writer]);
    for (const n of seen) assert.ok(n === 0 || n === N, `a read saw ${n} groups (of 0 or ${N}): ${[...seen].join(', ')}`);
    assert.ok(seen.has(N), 'the readers ran');
    // every task left belongs to a group that exists, and has its Scrum item or none at all
    const doc = await ok(t, 'GET', '/_scrumd/fixture');
    const groups = new Set(doc.tables.sonet_groups.map((g: { id: number }) => g.id));
    for (const task of doc.tables.tasks) assert.ok(task.group_id === 0 || task.group_id === null || groups.has(task.group_id), `task ${task.id} of a missing group ${task.group_id}`);
  } finally {
    await t.close();
  }
});

test('after a restore or a reset the foreign keys are enforced again (a fixture with a dangling reference is refused)', async () => {
  const t = await startTestServer();
  try {
    await createScrum(t.admin, 'Team');
    await ok(t, 'POST', '/_scrumd/snapshots/one');
    await ok(t, 'POST', '/_scrumd/snapshots/one/restore');
    const doc = await ok(t, 'GET', '/_scrumd/fixture');
    // a member of a group that does not exist
    const member = { ...doc.tables.group_members[0], id: 999, group_id: 4242 };
    doc.tables.group_members.push(member);
    const r = await ctl(t, 'POST', '/_scrumd/fixture', doc);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'INVALID_FIXTURE');
    // nothing changed: the group is still there
    assert.equal(await groupCount(t), 1);
    // the same after a reset (which turns them off around its transaction too)
    await ok(t, 'POST', '/_scrumd/reset', {});
    const again = await ctl(t, 'POST', '/_scrumd/fixture', doc);
    assert.equal(again.status, 400, again.text);
    assert.equal(again.body.error, 'INVALID_FIXTURE');
    assert.equal(await groupCount(t), 0);
  } finally {
    await t.close();
  }
});
