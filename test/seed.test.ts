/** `scrumd seed`: the generated data set is consistent and reads back through the API like any other. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { seed, type SeedSummary } from '../src/seed.js';
import { startTestServer, type TestServer } from './helpers/harness.js';

describe('seed', () => {
  let t: TestServer;
  let s: SeedSummary;
  before(async () => {
    t = await startTestServer();
    s = await seed(t.server.app.store, { groups: 3, tasks: 200 });
  });
  after(() => t.close());

  test('summary counts', () => {
    assert.equal(s.groups, 3);
    assert.equal(s.tasks, 200);
    assert.equal(s.items, 200);
    assert.equal(s.sprints, 3 * 6);
    assert.equal(s.stages, 3 * 4 * 3);
    assert.equal(s.epics, 3 * 4);
    assert.equal(s.sample.lastTaskId - s.sample.firstTaskId + 1, 200);
  });

  test('a Scrum group with members and a backlog', async () => {
    const [group] = await t.admin.result('sonet_group.get', { FILTER: { ID: s.sample.groupId } });
    assert.equal(group.PROJECT, 'Y');
    assert.equal(group.OWNER_ID, '1');
    assert.equal(group.NUMBER_OF_MEMBERS, '5');
    const backlog = await t.admin.result('tasks.api.scrum.backlog.get', { id: s.sample.groupId });
    assert.equal(backlog.id, s.sample.backlogId);
  });

  test('completed, active and planned sprints; the active one has the default board', async () => {
    const sprints = await t.admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: s.sample.groupId }, order: { SORT: 'asc' } });
    assert.deepEqual(
      sprints.map((x: { status: string }) => x.status),
      ['completed', 'completed', 'completed', 'active', 'planned', 'planned'],
    );
    const stages = await t.admin.result('tasks.api.scrum.kanban.getStages', { sprintId: s.sample.activeSprintId });
    assert.deepEqual(stages.map((x: { type: string }) => x.type), ['NEW', 'WORK', 'FINISH']);
    assert.deepEqual(stages.map((x: { id: string }) => Number(x.id)), s.sample.stageIds);
  });

  test('tasks of a group with their items, sorted 1024·n', async () => {
    const list = await t.admin.call('tasks.task.list', { filter: { GROUP_ID: s.sample.groupId }, select: ['ID'] });
    assert.equal(list.body.total, 67);
    const item = await t.admin.result('tasks.api.scrum.task.get', { id: s.sample.firstTaskId });
    assert.equal(item.entityId, s.sample.backlogId);
    assert.equal(item.sortFloat, 1024);
    const task = await t.admin.result('tasks.task.get', { taskId: s.sample.firstTaskId });
    assert.equal(task.task.groupId, String(s.sample.groupId));
  });

  test('a second run adds groups and reuses the member pool', async () => {
    const again = await seed(t.server.app.store, { groups: 1, tasks: 10 });
    assert.notEqual(again.sample.groupId, s.sample.groupId);
    assert.equal(again.tasks, 10);
  });
});

test('seeding a served SQLite file leaves the connection as the server set it (group commit: synchronous NORMAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrumd-seed-'));
  const t = await startTestServer({ database: join(dir, 'served.db') });
  try {
    const db = t.server.app.store.db;
    const settings = async () => ({
      synchronous: (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous,
      cacheSize: (await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]?.cache_size,
      journalMode: (await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db)).rows[0]?.journal_mode,
    });
    const before = await settings();
    assert.deepEqual({ ...before, cacheSize: undefined }, { synchronous: 1, cacheSize: undefined, journalMode: 'wal' }, 'as openStore sets them for one process');
    const s = await seed(t.server.app.store, { groups: 1, tasks: 20 });
    assert.deepEqual(await settings(), before);
    // and the server serves on, writes included
    const sprint = await t.admin.result('tasks.api.scrum.sprint.get', { id: s.sample.plannedSprintId });
    await t.admin.result('tasks.api.scrum.sprint.update', { id: sprint.id, fields: { name: 'After seeding' } });
    assert.equal((await t.admin.result('tasks.api.scrum.sprint.get', { id: sprint.id })).name, 'After seeding');
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scrumd seed on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrumd-seed-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'seed', '--groups', '2', '--tasks', '50', '--database', join(dir, 's.db')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as SeedSummary;
    assert.equal(summary.groups, 2);
    assert.equal(summary.tasks, 50);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'seed', '--groups', '0', '--tasks', '5', '--database', join(dir, 's.db')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(bad.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
