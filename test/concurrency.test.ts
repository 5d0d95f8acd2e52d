/**
 * Two server processes on one database answer as one server: hundreds of simultaneous conflicting
 * calls keep one backlog and one active sprint per group, no task in two entities, no lost update,
 * and every call gets a success or a documented error. On SQLite (first pass) the processes are
 * `--workers 2` on one file; on PostgreSQL (second pass, SCRUMD_TEST_DIALECT=postgres) two separate
 * `scrumd serve` processes share one database.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rawCall, type Reply } from './helpers/harness.js';
import { testDatabase, testingPostgres, type TestDatabase } from './helpers/database.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-conc-'));
const procs: ChildProcess[] = [];
let database: TestDatabase | undefined;
let bases: string[] = [];
const SECRET = 'concurrent';

function serve(args: string[]): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--webhook-secret', SECRET, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SCRUMD_LOG_LEVEL: 'silent' },
  });
  procs.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m && out.includes('Webhook:')) {
        clearTimeout(timer);
        resolve(`${m[1]}/rest/1/${SECRET}`);
      }
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

before(async () => {
  if (testingPostgres()) {
    database = await testDatabase();
    // One process first (it runs the migrations), then the second.
    bases = [await serve(['--database', database.location])];
    bases.push(await serve(['--database', database.location]));
  } else {
    const base = await serve(['--database', join(dir, 'conc.db'), '--workers', '2']);
    bases = [base, base];
  }
});

after(async () => {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
        }),
    ),
  );
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** Alternates between the two processes. */
function call(method: string, params: Record<string, unknown>): Promise<Reply> {
  return rawCall(`${bases[n++ % bases.length]}/${method}`, params, 'json');
}

async function ok(method: string, params: Record<string, unknown>): Promise<any> {
  const r = await call(method, params);
  assert.equal(r.status, 200, `${method}: ${r.text}`);
  return r.body.result;
}

/** Every answer is a success or one of the documented refusals; never a 5xx. */
function assertDocumented(replies: Reply[], allowed: string[], what: string): void {
  for (const r of replies) {
    assert.ok(r.status < 500, `${what}: ${r.status} ${r.text}`);
    if (r.status !== 200) assert.ok(allowed.includes(r.body.error_description), `${what}: undocumented ${r.text}`);
  }
}

test('conflicting calls from two processes keep the invariants', async () => {
  const group: number = await ok('sonet_group.create', { NAME: 'Race', SCRUM_MASTER_ID: 1 });

  // 40 simultaneous backlog.add: exactly one backlog.
  const adds = await Promise.all(Array.from({ length: 40 }, () => call('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: 1 } })));
  assertDocumented(adds, ['Backlog already added'], 'backlog.add');
  assert.equal(adds.filter((r) => r.status === 200).length, 1);
  const backlog = adds.find((r) => r.status === 200)!.body.result.id as number;

  // Tasks and planned sprints, each sprint with open tasks.
  const tasks: number[] = [];
  for (let i = 0; i < 12; i++) tasks.push(Number((await ok('tasks.task.add', { fields: { TITLE: `T${i}`, RESPONSIBLE_ID: 1, GROUP_ID: group } })).task.id));
  const sprints: number[] = [];
  for (let i = 0; i < 4; i++) {
    const s = await ok('tasks.api.scrum.sprint.add', { fields: { groupId: group, name: `S${i}`, createdBy: 1, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' } });
    sprints.push(s.id);
    await ok('tasks.api.scrum.task.update', { id: tasks[i], fields: { entityId: s.id } });
  }

  // 80 simultaneous starts spread over the four sprints: exactly one becomes active.
  const starts = await Promise.all(Array.from({ length: 80 }, (_, i) => call('tasks.api.scrum.sprint.start', { id: sprints[i % 4] })));
  assertDocumented(starts, ['Unable to start sprint', 'Sprint must be planned'], 'sprint.start');
  const list: { id: number; status: string }[] = await ok('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: group } });
  const active = list.filter((s) => s.status === 'active');
  assert.equal(active.length, 1);
  assert.equal(starts.filter((r) => r.status === 200).length, 1);
  const activeId = active[0]!.id;
  const stages: { id: string; type: string }[] = await ok('tasks.api.scrum.kanban.getStages', { sprintId: activeId });
  assert.equal(stages.length, 3);

  // The same tasks moved between backlog and sprints, and between stages, all at once.
  const targets = [backlog, ...sprints];
  const moves: Promise<Reply>[] = [];
  for (let i = 0; i < 160; i++) {
    const task = tasks[i % 6]!;
    if (i % 3 === 0) moves.push(call('tasks.api.scrum.task.update', { id: task, fields: { entityId: targets[i % targets.length] } }));
    else if (i % 3 === 1) moves.push(call('tasks.api.scrum.kanban.addTask', { sprintId: activeId, taskId: task, stageId: stages[i % 3]!.id }));
    else moves.push(call('tasks.api.scrum.kanban.deleteTask', { sprintId: activeId, taskId: task }));
  }
  assertDocumented(await Promise.all(moves), [], 'moves');

  // No lost update: story points and epic set on the same items at the same time both stick.
  const epic = await ok('tasks.api.scrum.epic.add', { fields: { groupId: group, name: 'E' } });
  const updates: Promise<Reply>[] = [];
  for (const task of tasks.slice(6, 12)) {
    for (let k = 0; k < 5; k++) {
      updates.push(call('tasks.api.scrum.task.update', { id: task, fields: { storyPoints: String(task) } }));
      updates.push(call('tasks.api.scrum.task.update', { id: task, fields: { epicId: epic.id } }));
    }
  }
  assertDocumented(await Promise.all(updates), [], 'task.update');
  for (const task of tasks.slice(6, 12)) {
    const item = await ok('tasks.api.scrum.task.get', { id: task });
    assert.equal(item.storyPoints, String(task), `story points of task ${task}`);
    assert.equal(item.epicId, epic.id, `epic of task ${task}`);
  }

  // Members added at once: the counter matches the relations.
  const users: number[] = [];
  for (let i = 0; i < 10; i++) users.push(await ok('user.add', { EMAIL: `race${i}@example.com` }));
  assertDocumented(await Promise.all(users.map((u) => call('sonet_group.user.add', { GROUP_ID: group, USER_ID: u }))), [], 'user.add');
  const members: unknown[] = await ok('sonet_group.user.get', { ID: group });
  const g = await ok('socialnetwork.api.workgroup.get', { params: { groupId: group } });
  assert.equal(members.length, 11);
  assert.equal(g.NUMBER_OF_MEMBERS, 11);

  // Completing while adding tasks: every new task lands in exactly one entity.
  const mixed = await Promise.all([
    ...Array.from({ length: 30 }, (_, i) => call('tasks.task.add', { fields: { TITLE: `Late ${i}`, RESPONSIBLE_ID: 1, GROUP_ID: group } })),
    ...Array.from({ length: 10 }, () => call('tasks.api.scrum.sprint.complete', { id: group })),
  ]);
  assertDocumented(mixed, ['Sprint not found'], 'complete/add');
  const completes = mixed.slice(30).filter((r) => r.status === 200 && r.body.result !== null);
  assert.equal(completes.length, 1, 'one completion wins');

  // Final state, read back through the API.
  const sprintsAfter: { id: number; status: string }[] = await ok('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: group } });
  assert.equal(sprintsAfter.filter((s) => s.status === 'active').length, 0);
  const backlogs = await call('tasks.api.scrum.backlog.get', { id: group });
  assert.equal(backlogs.body.result.id, backlog);
  const all: { id: string }[] = (await ok('tasks.task.list', { filter: { GROUP_ID: group }, select: ['ID'] })).tasks;
  assert.equal(all.length, 42);
  const entities = new Set([backlog, ...sprintsAfter.map((s) => s.id)]);
  for (const t of all) {
    const item = await ok('tasks.api.scrum.task.get', { id: Number(t.id) });
    assert.ok(entities.has(item.entityId), `task ${t.id} is in entity ${item.entityId}, which is not one of the group's`);
  }
});
