/**
 * Property test: random sequences of Scrum calls, made the way a careful client makes them, keep the
 * invariants — a task is in at most one entity and every item's entity exists; at most one active
 * sprint per group; the board of a sprint that is not completed holds only that sprint's tasks (a
 * completed sprint keeps its links as history, scrum-api.md C2.4); and a rejected call changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import './helpers/propertySeed.js';
import { sql } from 'kysely';
import { createScrum, startTestServer, type Client, type Reply, type TestServer } from './helpers/harness.js';

let t: TestServer;
let c: Client;
before(async () => {
  t = await startTestServer();
  c = t.admin;
});
after(() => t.close());

type Kind =
  | 'sprintAdd'
  | 'sprintStart'
  | 'sprintComplete'
  | 'sprintUpdateStatus'
  | 'sprintDelete'
  | 'moveTask'
  | 'boardMove'
  | 'completeTask'
  | 'renewTask'
  | 'addTask'
  | 'deleteTask'
  | 'backlogDelete';

interface Cmd {
  kind: Kind;
  a: number;
  b: number;
  status: 'planned' | 'active' | 'completed';
}

const cmd: fc.Arbitrary<Cmd> = fc.record({
  kind: fc.constantFrom<Kind>('sprintAdd', 'sprintStart', 'sprintComplete', 'sprintUpdateStatus', 'sprintDelete', 'moveTask', 'moveTask', 'boardMove', 'boardMove', 'completeTask', 'renewTask', 'addTask', 'deleteTask', 'backlogDelete'),
  a: fc.nat(5),
  b: fc.nat(5),
  status: fc.constantFrom('planned', 'active', 'completed'),
});

const db = () => t.server.app.store.db;

async function snapshot(group: number): Promise<string> {
  const q = async (text: ReturnType<typeof sql>) => (await text.execute(db())).rows;
  return JSON.stringify({
    entities: await q(sql`select * from scrum_entities where group_id = ${group} order by id`),
    items: await q(sql`select i.* from scrum_items i join tasks tk on tk.id = i.source_id where tk.group_id = ${group} order by i.id`),
    stages: await q(sql`select s.* from kanban_stages s join scrum_entities e on e.id = s.entity_id where e.group_id = ${group} order by s.id`),
    links: await q(sql`select l.* from kanban_task_stages l join tasks tk on tk.id = l.task_id where tk.group_id = ${group} order by l.id`),
    tasks: await q(sql`select id, status, stage_id, group_id, closed_date from tasks where group_id = ${group} order by id`),
  });
}

async function checkInvariants(group: number, step: string): Promise<void> {
  const active = await db().selectFrom('scrum_entities').select('id').where('group_id', '=', group).where('status', '=', 'active').execute();
  assert.ok(active.length <= 1, `${step}: ${active.length} active sprints`);
  const dup = await sql<{ n: number }>`select count(*) as n from (select source_id from scrum_items group by source_id having count(*) > 1) d`.execute(db());
  assert.equal(Number(dup.rows[0]!.n), 0, `${step}: a task in two entities`);
  const orphans = await sql<{ id: number }>`select i.id from scrum_items i left join scrum_entities e on e.id = i.entity_id where e.id is null`.execute(db());
  assert.deepEqual(orphans.rows, [], `${step}: items whose entity is gone`);
  const stray = await sql<{ task_id: number; sprint: number; entity: number | null }>`
    select l.task_id, s.entity_id as sprint, i.entity_id as entity
    from kanban_task_stages l
    join kanban_stages s on s.id = l.stage_id
    join scrum_entities e on e.id = s.entity_id
    left join scrum_items i on i.source_id = l.task_id
    where e.group_id = ${group} and e.status <> 'completed' and (i.entity_id is null or i.entity_id <> s.entity_id)`.execute(db());
  assert.deepEqual(stray.rows, [], `${step}: a board holds tasks of another entity`);
}

/** What a rejected call looks like: an error envelope, or the reference's `false`/`null` results. */
function rejected(r: Reply): boolean {
  return 'error' in r.body || r.body.result === false || r.body.result === null;
}

async function itemOf(taskId: number): Promise<number | undefined> {
  return (await db().selectFrom('scrum_items').select('entity_id').where('source_id', '=', taskId).executeTakeFirst())?.entity_id;
}

async function run(group: number, backlog: number, tasks: number[], sprints: number[], x: Cmd): Promise<Reply[]> {
  const pick = <T>(list: T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);
  const out: Reply[] = [];
  const call = async (method: string, params: Record<string, unknown>) => {
    const r = await c.call(method, params);
    assert.ok(r.status < 500, `${method}: ${r.status} ${r.text}`);
    out.push(r);
    return r;
  };
  const task = pick(tasks, x.a);
  const sprint = pick(sprints, x.b);
  switch (x.kind) {
    case 'sprintAdd': {
      const r = await call('tasks.api.scrum.sprint.add', { fields: { groupId: group, name: `S${x.a}`, createdBy: 1, status: x.status, dateStart: '2026-01-01', dateEnd: '2026-01-15' } });
      if (!rejected(r)) sprints.push(r.body.result.id);
      break;
    }
    case 'sprintStart':
      if (sprint) await call('tasks.api.scrum.sprint.start', { id: sprint });
      break;
    case 'sprintComplete': {
      const r = await call('tasks.api.scrum.sprint.complete', { id: group });
      // Without a backlog the reference creates the next sprint.
      const made = await db().selectFrom('scrum_entities').select('id').where('group_id', '=', group).where('entity_type', '=', 'sprint').execute();
      for (const m of made) if (!sprints.includes(m.id)) sprints.push(m.id);
      void r;
      break;
    }
    case 'sprintUpdateStatus': {
      if (!sprint) break;
      // A careful client does not reopen a completed sprint: its board keeps the links of the tasks that
      // left it (C2.4), and sprint.update changes the status without any side effect (C2.2).
      const row = await db().selectFrom('scrum_entities').select('status').where('id', '=', sprint).executeTakeFirst();
      if (row?.status !== 'completed') await call('tasks.api.scrum.sprint.update', { id: sprint, fields: { status: x.status } });
      break;
    }
    case 'sprintDelete':
      if (sprint) {
        const r = await call('tasks.api.scrum.sprint.delete', { id: sprint });
        if (!rejected(r)) sprints.splice(sprints.indexOf(sprint), 1);
      }
      break;
    case 'moveTask': {
      if (!task) break;
      const targets = [backlog, ...sprints];
      const target = targets[x.b % targets.length]!;
      const current = await itemOf(task);
      // A careful client takes the task off the board of the sprint it leaves.
      if (current !== undefined && current !== target && sprints.includes(current)) await call('tasks.api.scrum.kanban.deleteTask', { sprintId: current, taskId: task });
      await call('tasks.api.scrum.task.update', { id: task, fields: { entityId: target, createdBy: 1 } });
      break;
    }
    case 'boardMove': {
      if (!task) break;
      const current = await itemOf(task);
      if (current === undefined || !sprints.includes(current)) break;
      const stages = await c.result('tasks.api.scrum.kanban.getStages', { sprintId: current });
      if (stages.length === 0) break;
      const stage = stages[x.b % stages.length];
      await call('tasks.api.scrum.kanban.deleteTask', { sprintId: current, taskId: task });
      await call('tasks.api.scrum.kanban.addTask', { sprintId: current, taskId: task, stageId: stage.id });
      break;
    }
    case 'completeTask':
      if (task) await call('tasks.task.complete', { taskId: task });
      break;
    case 'renewTask':
      if (task) await call('tasks.task.renew', { taskId: task });
      break;
    case 'addTask': {
      const r = await call('tasks.task.add', { fields: { TITLE: `T${x.a}`, RESPONSIBLE_ID: 1, GROUP_ID: group } });
      tasks.push(Number(r.body.result.task.id));
      break;
    }
    case 'deleteTask':
      if (task) {
        const r = await call('tasks.task.delete', { taskId: task });
        if (!rejected(r)) tasks.splice(tasks.indexOf(task), 1);
      }
      break;
    case 'backlogDelete':
      await call('tasks.api.scrum.backlog.delete', { id: backlog });
      break;
  }
  return out;
}

test('random sequences of Scrum calls keep the invariants', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { minLength: 3, maxLength: 20 }), async (cmds) => {
      const group = await createScrum(c, 'Property');
      const backlog = (await c.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: 1 } })).id;
      const tasks: number[] = [];
      for (let i = 0; i < 4; i++) tasks.push(Number((await c.result('tasks.task.add', { fields: { TITLE: `T${i}`, RESPONSIBLE_ID: 1, GROUP_ID: group } })).task.id));
      // Two planned sprints holding three of the tasks, so that starts, boards and moves happen early.
      const sprints: number[] = [];
      for (const name of ['A', 'B']) {
        const s = await c.result('tasks.api.scrum.sprint.add', { fields: { groupId: group, name, createdBy: 1, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' } });
        sprints.push(s.id);
      }
      for (const [i, task] of tasks.slice(0, 3).entries()) await c.result('tasks.api.scrum.task.update', { id: task, fields: { entityId: sprints[i % 2] } });
      for (const [i, x] of cmds.entries()) {
        const before = await snapshot(group);
        const replies = await run(group, backlog, tasks, sprints, x);
        const step = `step ${i} ${JSON.stringify(x)}`;
        await checkInvariants(group, step);
        // A single call that was refused leaves every stored row as it was.
        if (replies.length === 1 && rejected(replies[0]!) && replies[0]!.body.error_description !== 'Unable to start sprint') {
          assert.equal(await snapshot(group), before, `${step}: refused (${replies[0]!.text}) but changed data`);
        }
      }
    }),
    { numRuns: 60 },
  );
});
